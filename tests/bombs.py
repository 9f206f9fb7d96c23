"""Hostile documents for the bounded-parsing tests: ZIP/XML/PDF bombs, made in memory.

Every generator returns the bytes of one upload. The ZIP members are compressed as they
are written (``ZipFile.open(..., "w")``), so a member that inflates to a gigabyte never
exists uncompressed here; the pathological archives (a hundred thousand members, members
sharing one compressed stream) are laid out by hand with :mod:`struct`.

* :func:`docx` – a minimal valid DOCX around a given ``word/document.xml``
* :func:`huge_text_docx` – one text run inflating to ``inflated`` bytes (~1000:1)
* :func:`many_elements_docx` – ``n`` paragraphs (an element count bomb)
* :func:`many_members_zip` – ``n`` empty members
* :func:`overlapping_zip` – ``n`` central-directory entries sharing one compressed stream
* :func:`deep_xml_docx` – elements nested ``depth`` deep
* :func:`entity_docx` – the "billion laughs" entity expansion
* :func:`nested_zip_docx` – a ZIP inside a ZIP inside … the DOCX
* :func:`cells_xlsx` – a sheet of ``rows`` × ``cols`` cells (the CPU bomb of issue 23)
* :func:`pages_pdf` – a PDF with ``n`` blank pages

Run ``python tests/bombs.py`` to measure each bomb against :func:`extract_bytes` (and
openpyxl for the workbooks) in its own process, with its time and extra peak RSS.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CT_DOCX = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS_DOCX = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOC_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:document xmlns:w="{W_NS}"><w:body>'
).encode()
_DOC_TAIL = b"</w:body></w:document>"
_PARA = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"

MiB = 1 << 20


def _chunks(unit: bytes, total: int) -> Iterator[bytes]:
    """``unit`` repeated to ``total`` bytes, in blocks of about 1 MiB."""
    block = unit * max(1, MiB // len(unit))
    left = total
    while left > 0:
        piece = block[:left]
        left -= len(piece)
        yield piece


def zip_of(members: Iterable[tuple[str, bytes | Iterable[bytes]]], *, level: int = 9) -> bytes:
    """A ZIP of ``(name, content)``; content may be an iterable of chunks (streamed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, content in members:
            if isinstance(content, bytes):
                zf.writestr(name, content)
                continue
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as fh:
                for chunk in content:
                    fh.write(chunk)
    return buf.getvalue()


def docx(
    document: bytes | Iterable[bytes],
    *,
    extra: Iterable[tuple[str, bytes | Iterable[bytes]]] = (),
    level: int = 9,
) -> bytes:
    """A minimal DOCX whose ``word/document.xml`` is ``document``."""
    return zip_of(
        [
            ("[Content_Types].xml", _CT_DOCX),
            ("_rels/.rels", _RELS_DOCX),
            ("word/document.xml", document),
            *extra,
        ],
        level=level,
    )


def plain_docx(paragraphs: Iterable[str] = ("พันธกิจ", "1. พัฒนาแหล่งน้ำ")) -> bytes:
    """A small ordinary DOCX (the control case)."""
    body = "".join(_PARA.format(p) for p in paragraphs).encode()
    return docx(_DOC_HEAD + body + _DOC_TAIL)


def huge_text_docx(inflated: int = 1 << 30) -> bytes:
    """One ``<w:t>`` whose text inflates to ``inflated`` bytes (a ~1000:1 member)."""

    def body() -> Iterator[bytes]:
        yield _DOC_HEAD + b"<w:p><w:r><w:t>"
        yield from _chunks("ก".encode(), inflated)
        yield b"</w:t></w:r></w:p>" + _DOC_TAIL

    return docx(body())


def many_elements_docx(n: int = 2_000_000, *, level: int = 9) -> bytes:
    """``n`` one-run paragraphs: ``4 n`` elements (an element-count and memory bomb)."""
    para = _PARA.format("ก").encode()

    def body() -> Iterator[bytes]:
        yield _DOC_HEAD
        yield from _chunks(para, n * len(para))
        yield _DOC_TAIL

    return docx(body(), level=level)


def deep_xml_docx(depth: int = 5000) -> bytes:
    """Paragraph content nested ``depth`` elements deep."""
    return docx(_DOC_HEAD + b"<w:p>" + b"<w:r>" * depth + b"</w:r>" * depth + b"</w:p>" + _DOC_TAIL)


def entity_docx(levels: int = 10) -> bytes:
    """The "billion laughs": entity ``lol<k>`` is ten ``lol<k-1>``; the text uses the last."""
    ents = ['<!ENTITY lol0 "lol">']
    ents += [
        f'<!ENTITY lol{k} "{"".join(f"&lol{k - 1};" for _ in range(10))}">'
        for k in range(1, levels)
    ]
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<!DOCTYPE w:document [{''.join(ents)}]>"
        f'<w:document xmlns:w="{W_NS}"><w:body>'
        f"{_PARA.format(f'&lol{levels - 1};')}</w:body></w:document>"
    )
    return docx(doc.encode())


def nested_zip_docx(depth: int = 5) -> bytes:
    """A DOCX embedding ``word/embeddings/n.zip``, itself a ZIP of a ZIP … ``depth`` deep."""
    inner = zip_of([("plan.txt", "พันธกิจ".encode())])
    for k in range(depth - 1):
        inner = zip_of([(f"level{k}.zip", inner)])
    return docx(plain_docx_body(), extra=[("word/embeddings/n.zip", inner)])


def plain_docx_body() -> bytes:
    return _DOC_HEAD + _PARA.format("พันธกิจ").encode() + _DOC_TAIL


# ------------------------------------------------------------------ hand-laid archives


def _local(name: bytes, crc: int, csize: int, usize: int, method: int) -> bytes:
    return (
        struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, csize, usize, len(name), 0
        )
        + name
    )


def _central(name: bytes, crc: int, csize: int, usize: int, method: int, offset: int) -> bytes:
    return struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50, 20, 20, 0, method, 0, 0x21, crc, csize, usize,
        len(name), 0, 0, 0, 0, 0, offset,
    ) + name  # fmt: skip


def _end(count: int, cd_size: int, cd_offset: int) -> bytes:
    n = min(count, 0xFFFF)
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_offset, 0)


def many_members_zip(n: int = 200_000) -> bytes:
    """A DOCX-looking ZIP with ``n`` empty stored members (a central-directory bomb)."""
    local, central = bytearray(), bytearray()
    for i in range(n):
        name = f"word/media/i{i}.png".encode()
        central += _central(name, 0, 0, 0, 0, len(local))
        local += _local(name, 0, 0, 0, 0)
    return bytes(local + central + _end(n, len(central), len(local)))


def overlapping_zip(n: int = 1000, inflated: int = 64 * MiB) -> bytes:
    """``n`` members whose entries all point at one deflate stream of ``inflated`` bytes
    (the overlapping-file construction: the archive inflates to ``n × inflated``)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [comp.compress(c) for c in _chunks(b"\0", inflated)]
    data = b"".join(parts) + comp.flush()
    crc = 0
    for c in _chunks(b"\0", inflated):
        crc = zlib.crc32(c, crc)
    name0 = b"word/document.xml"
    local = _local(name0, crc, len(data), inflated, 8) + data
    central = bytearray()
    for i in range(n):
        name = name0 if i == 0 else f"word/part{i}.xml".encode()
        central += _central(name, crc, len(data), inflated, 8, 0)
    return bytes(local + central + _end(n, len(central), len(local)))


# ------------------------------------------------------------------ spreadsheets

_CT_XLSX = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS_XLSX = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_S_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<workbook xmlns="{_S_NS}" xmlns:r="{_R_NS}"><sheets>'
    f'<sheet name="decisions" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()
_WB_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{_S_NS}"><sheetData>'
).encode()
_SHEET_TAIL = b"</sheetData></worksheet>"


def xlsx(sheet: bytes | Iterable[bytes], *, level: int = 9) -> bytes:
    """A minimal XLSX whose only sheet (``decisions``) is ``sheet``."""
    return zip_of(
        [
            ("[Content_Types].xml", _CT_XLSX),
            ("_rels/.rels", _RELS_XLSX),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WB_RELS),
            ("xl/worksheets/sheet1.xml", sheet),
        ],
        level=level,
    )


def cells_xlsx(rows: int = 1_000_000, cols: int = 16) -> bytes:
    """``rows`` × ``cols`` numeric cells (inline ``<c><v>1</v></c>``, no references)."""
    row = b"<row>" + b"<c><v>1</v></c>" * cols + b"</row>"

    def body() -> Iterator[bytes]:
        yield _SHEET_HEAD
        yield from _chunks(row, rows * len(row))
        yield _SHEET_TAIL

    return xlsx(body())


def pages_pdf(n: int = 1500) -> bytes:
    """A PDF with ``n`` pages of one line of text each (fpdf2)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for i in range(n):
        pdf.add_page()
        pdf.cell(0, 10, f"Strategy {i}: develop the village water supply")
    return bytes(pdf.output())


# ------------------------------------------------------------------ hostile parse functions
# (run in a plansearch.isolation worker by name: "bombs:allocate", …)


def allocate(data: bytes, *, mb: int) -> int:
    """Hold ``mb`` MiB (a parser that inflates everything into memory)."""
    block = bytearray(mb * MiB)
    return len(block) + len(data)


def spin(data: bytes) -> None:
    """Never return (a parser stuck in a loop)."""
    while True:
        pass


def sleep(data: bytes, *, seconds: float) -> float:
    """Wait without using CPU (a parser blocked on something)."""
    import time

    time.sleep(seconds)
    return seconds


def fail(data: bytes, *, message: str) -> None:
    """Raise a named plansearch error, then a plain bug."""
    from plansearch.errors import EmptyDocumentError

    if message:
        raise EmptyDocumentError(message)
    raise KeyError("a bug")


def crash(data: bytes) -> None:
    """Die the way a C library does on a bad pointer."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)


def pid(data: bytes) -> int:
    import os

    return os.getpid()


def echo_bytes(data: bytes) -> bytes:
    """Return something that is not plain JSON data."""
    return data


#: name → (generator, file suffix) for the measurement below and the tests.
BOMBS = {
    "huge_text_docx": (lambda: huge_text_docx(1 << 30), ".docx"),
    "many_elements_docx": (lambda: many_elements_docx(2_000_000), ".docx"),
    "many_members_zip": (lambda: many_members_zip(200_000), ".docx"),
    "overlapping_zip": (lambda: overlapping_zip(1000, 64 * MiB), ".docx"),
    "deep_xml_docx": (lambda: deep_xml_docx(5000), ".docx"),
    "entity_docx": (lambda: entity_docx(10), ".docx"),
    "nested_zip_docx": (lambda: nested_zip_docx(5), ".docx"),
    "cells_xlsx": (lambda: cells_xlsx(1_000_000, 16), ".xlsx"),
    "pages_pdf": (lambda: pages_pdf(5000), ".pdf"),
}


_MEASURE = r"""
import resource, sys, time
path, suffix = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
import plansearch.parse.readers as readers
try:
    from plansearch.limits import check_archive
except ImportError:
    check_archive = None
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
try:
    if suffix == ".xlsx":
        if check_archive is not None:
            check_archive(data, what=path)
        from openpyxl import load_workbook
        wb = load_workbook(__import__("io").BytesIO(data), read_only=True, data_only=True)
        rows = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
        outcome = f"accepted ({rows} rows)"
    else:
        doc = readers.extract_bytes(data, name=path, suffix=suffix)
        outcome = f"accepted ({len(doc.text)} chars)"
except Exception as exc:
    outcome = f"{type(exc).__name__}: {str(exc)[:90]}"
took = time.perf_counter() - t
extra = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(f"{took:8.2f} s {extra:8.0f} MB  {outcome}")
"""


def measure(names: Iterable[str] | None = None, *, timeout: float = 120.0,
            memory_gb: float = 3.0) -> None:  # fmt: skip
    """Time and extra peak RSS of each bomb, each in a fresh process (capped memory)."""
    import os
    import resource
    import subprocess
    import sys
    import tempfile

    def cap() -> None:
        limit = int(memory_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with tempfile.TemporaryDirectory() as tmp:
        for name in names or BOMBS:
            make, suffix = BOMBS[name]
            data = make()
            path = os.path.join(tmp, name + suffix)
            with open(path, "wb") as fh:
                fh.write(data)
            try:
                res = subprocess.run(
                    [sys.executable, "-c", _MEASURE, path, suffix],
                    capture_output=True, text=True, timeout=timeout, preexec_fn=cap,
                )  # fmt: skip
                line = res.stdout.strip() or f"died rc={res.returncode}: {res.stderr[-200:]}"
            except subprocess.TimeoutExpired:
                line = f"still running after {timeout:.0f} s (killed)"
            print(f"{name:20s} {len(data) / 1e3:9.1f} KB  {line}", flush=True)


if __name__ == "__main__":
    import sys

    measure(sys.argv[1:] or None)
