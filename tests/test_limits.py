"""Bounded parsing: ZIP/XML bombs and page floods are refused before anything opens them.

Each bomb of ``tests/bombs.py`` goes through the real entry point (``extract_bytes`` for
plans, ``check_archive`` for workbooks) in a fresh process that reports its time and
extra peak RSS: refused within 2 s with less than 100 MB more memory. Issue 23 measured
the same files costing up to 60 s and 4.7 GB (a 3.6 MB workbook: 450 s of CPU).
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import bombs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansearch.errors import (
    DamagedDocumentError,
    InputError,
    PlanSearchError,
    TooManyPagesError,
    UnsafeDocumentError,
)
from plansearch.limits import (
    MAX_PAGES_ENV,
    ArchiveLimits,
    check_archive,
    check_pdf_pages,
)
from plansearch.parse import extract_bytes, parse_plan
from plansearch.parse.readers.docx import DocxReader

SECONDS = 2.0
EXTRA_MB = 100

_PROBE = r"""
import json, resource, sys, time
path, suffix = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
from plansearch.limits import check_archive
from plansearch.parse.readers import extract_bytes
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
try:
    if suffix == ".xlsx":
        check_archive(data, what=path)
    else:
        extract_bytes(data, name=path, suffix=suffix)
    error = None
except Exception as exc:
    error = type(exc).__name__
print(json.dumps({
    "seconds": time.perf_counter() - t,
    "extra_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
    "error": error,
}))
"""

#: (bomb, suffix): sizes well past every default limit, small enough to make quickly
_DEFAULT_RUN = {
    "huge_text_docx": (lambda: bombs.huge_text_docx(300 * bombs.MiB), ".docx"),
    "many_elements_docx": (lambda: bombs.many_elements_docx(2_000_000), ".docx"),
    "many_members_zip": (lambda: bombs.many_members_zip(100_000), ".docx"),
    "overlapping_zip": (lambda: bombs.overlapping_zip(1000, 16 * bombs.MiB), ".docx"),
    "deep_xml_docx": (lambda: bombs.deep_xml_docx(5000), ".docx"),
    "entity_docx": (lambda: bombs.entity_docx(10), ".docx"),
    "nested_zip_docx": (lambda: bombs.nested_zip_docx(5), ".docx"),
    "cells_xlsx": (lambda: bombs.cells_xlsx(300_000, 16), ".xlsx"),
    "cells_xlsx_unsuspicious_ratio": (lambda: _dense_xlsx(), ".xlsx"),
    "pages_pdf": (lambda: bombs.pages_pdf(1200), ".pdf"),
}


def _dense_xlsx() -> bytes:
    """Four million cells compressed less than 500:1 (the ratio check alone lets it by)."""
    return bombs.xlsx(
        [
            bombs._SHEET_HEAD,
            *bombs._chunks(b"<row>" + b"<c><v>1</v></c>" * 16 + b"</row>", 100 * bombs.MiB),
            bombs._SHEET_TAIL,
        ],
        level=1,
    )


def _measure(tmp_path: Path, data: bytes, suffix: str) -> dict[str, object]:
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(data)
    here = Path(__file__).resolve().parent.parent
    res = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), suffix],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=here,
        env={"PYTHONPATH": str(here), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", list(_DEFAULT_RUN))
def test_bomb_is_refused_quickly_with_little_memory(tmp_path: Path, name: str) -> None:
    make, suffix = _DEFAULT_RUN[name]
    out = _measure(tmp_path, make(), suffix)
    want = "TooManyPagesError" if suffix == ".pdf" else "UnsafeDocumentError"
    assert out["error"] == want, out
    assert float(out["seconds"]) < SECONDS, out  # type: ignore[arg-type]
    assert float(out["extra_mb"]) < EXTRA_MB, out  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["huge_text_docx", "cells_xlsx", "overlapping_zip"])
def test_issue_sized_bombs_are_refused(tmp_path: Path, name: str) -> None:
    """The sizes of issue 23 (a 1 GiB member; 251 MB of cells; 64 GiB by overlap)."""
    make, suffix = bombs.BOMBS[name]
    out = _measure(tmp_path, make(), suffix)
    assert out["error"] == "UnsafeDocumentError", out
    assert float(out["seconds"]) < SECONDS, out  # type: ignore[arg-type]
    assert float(out["extra_mb"]) < EXTRA_MB, out  # type: ignore[arg-type]


# ------------------------------------------------------------------ each limit alone


def _zip(members: dict[str, bytes], level: int = 9) -> bytes:
    return bombs.zip_of(list(members.items()), level=level)


def _refused(data: bytes, **limits: object) -> str:
    with pytest.raises(UnsafeDocumentError) as info:
        check_archive(data, what="แผน.docx", limits=ArchiveLimits(**limits))  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith("แผน.docx") and "\n" not in message
    assert any("\u0e00" <= c <= "\u0e7f" for c in message.split("/")[0])  # Thai first
    return message


def test_member_count() -> None:
    data = _zip({f"word/m{i}.xml": b"<a/>" for i in range(30)})
    assert "30 members" in _refused(data, max_members=20)
    assert check_archive(data, limits=ArchiveLimits(max_members=30)).members == 30


def test_member_and_total_sizes_and_ratio() -> None:
    noise = b"".join(hashlib.sha256(b"%d" % i).hexdigest().encode() for i in range(50_000))
    data = _zip(
        {
            "word/document.xml": b"<a>" + noise[:1_600_000] + b"</a>",
            "word/b.xml": b"<a>" + noise[1_600_000:] + b"</a>",
        }
    )
    assert "inflates to 1.6 MB" in _refused(data, max_member_bytes=1_000_000)
    assert "in all" in _refused(data, max_total_bytes=2_000_000)
    assert check_archive(data).inflated == len(noise) + 14
    flat = _zip({"word/document.xml": b"<a>" + b"x" * 3_000_000 + b"</a>"})
    assert "1,0" in _refused(flat, max_ratio=500)  # ~1,000:1 is deflate's ceiling
    # under the grace size the ratio is not checked
    assert check_archive(flat, limits=ArchiveLimits(max_ratio=50, ratio_grace_bytes=4_000_000))


def test_elements_depth_and_entities() -> None:
    data = _zip({"word/document.xml": b"<a>" + b"<b/>" * 100 + b"</a>"})
    assert check_archive(data).elements == 101
    assert "101" not in _refused(data, max_xml_elements=100)  # names the limit
    deep = _zip({"word/document.xml": b"<a>" * 300 + b"</a>" * 300})
    assert "deep" in _refused(deep)
    assert "DOCTYPE" in _refused(bombs.entity_docx(3))
    external = b'<?xml version="1.0"?><!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>'
    assert "DOCTYPE" in _refused(_zip({"word/document.xml": external}))


def test_elements_are_counted_over_all_parts() -> None:
    parts = {f"xl/worksheets/sheet{i}.xml": b"<a>" + b"<b/>" * 40 + b"</a>" for i in range(3)}
    assert "123" not in _refused(_zip(parts), max_xml_elements=100)
    assert check_archive(_zip(parts)).elements == 123


def test_nested_archives() -> None:
    sheet = bombs.xlsx(b"<worksheet/>")
    one = bombs.docx(bombs.plain_docx_body(), extra=[("word/embeddings/sheet.xlsx", sheet)])
    assert check_archive(one).nested == 1  # an embedded workbook is normal
    assert "deep" in _refused(bombs.nested_zip_docx(3))
    assert "embedded archive" in _refused(one, max_nested_bytes=100)


def test_overlapping_members() -> None:
    assert "overlapping" in _refused(bombs.overlapping_zip(3, 1000))


def test_not_a_zip_and_odd_members() -> None:
    with pytest.raises(DamagedDocumentError, match="damaged ZIP"):
        check_archive(b"PK\x03\x04" + b"\0" * 100, what="x.docx")
    data = bytearray(_zip({"word/document.xml": b"<a/>"}))
    data[6] |= 1  # the local header's "encrypted" flag
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 8] |= 1  # and the central directory's
    with pytest.raises(InputError, match="encrypted"):
        check_archive(bytes(data), what="x.docx")
    broken = _zip({"word/document.xml": b"<a><b></a>"})
    with pytest.raises(DamagedDocumentError, match="not well-formed"):
        check_archive(broken, what="x.docx")


# ------------------------------------------------------------------ real documents pass


def test_real_documents_pass() -> None:
    import docx
    from openpyxl import Workbook

    d = docx.Document()
    table = d.add_table(rows=300, cols=8)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"ก่อสร้างถนน หมู่ที่ {r} งบ {c}"
    buf = io.BytesIO()
    d.save(buf)
    assert check_archive(buf.getvalue()).elements > 20_000
    assert extract_bytes(buf.getvalue(), name="plan.docx").format == "docx"
    # twenty thousand identical numbered paragraphs: 3.6 MB of XML at 252:1, the most
    # compressible real document measured, stays under the 500:1 limit
    para = (
        '<w:p><w:pPr><w:pStyle w:val="ListNumber"/></w:pPr><w:r><w:t>'
        "ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ</w:t></w:r></w:p>"
    ).encode()
    repeated = bombs.docx(bombs._DOC_HEAD + para * 20_000 + bombs._DOC_TAIL, level=6)
    assert check_archive(repeated).inflated > 3_600_000

    wb = Workbook()
    ws = wb.active
    for r in range(5000):
        ws.append([f"p-{r}", "s-1", "national", "ยุทธศาสตร์ชาติ", "ด้านความมั่นคง", "1.1", "x", "รับ"])
    out = io.BytesIO()
    wb.save(out)
    assert check_archive(out.getvalue(), what="decisions.xlsx").elements > 40_000


def test_every_zip_upload_is_checked_by_the_docx_reader_and_dispatch() -> None:
    bomb = bombs.huge_text_docx(200 * bombs.MiB)
    with pytest.raises(UnsafeDocumentError):
        DocxReader().read(bomb, "plan.docx")
    with pytest.raises(UnsafeDocumentError):
        parse_plan(bomb)
    assert parse_plan(bombs.plain_docx(["พันธกิจ", "1. พัฒนาแหล่งน้ำ"])).of("mission")


def test_dispatch_checks_zip_data_for_readers_that_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    from plansearch.parse import readers
    from plansearch.parse.readers import base

    class Lazy:  # a ZIP reader that trusts its input
        format = "zipped"
        magic = (b"PK\x03\x04",)
        suffixes = (".zipped",)

        def accepts(self, data: bytes) -> bool:
            return True

        def read(self, data: bytes, name: str) -> base.ExtractedDocument:
            return base.ExtractedDocument.plain("ok")

    monkeypatch.setattr(base, "_REGISTRY", [Lazy(), *base._REGISTRY])
    assert readers.extract_bytes(bombs.plain_docx()).text == "ok"
    with pytest.raises(UnsafeDocumentError):
        readers.extract_bytes(bombs.entity_docx(3))


# ------------------------------------------------------------------ pages


def test_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    pdf = bombs.pages_pdf(30)
    assert check_pdf_pages(pdf) == 30
    with pytest.raises(TooManyPagesError, match="30 pages, over the 20-page limit"):
        check_pdf_pages(pdf, name="แผน.pdf", limit=20)
    monkeypatch.setenv(MAX_PAGES_ENV, "20")
    with pytest.raises(TooManyPagesError, match="หน้า"):
        extract_bytes(pdf, name="แผน.pdf")
    assert extract_bytes(pdf, name="แผน.pdf", max_pages=30).format == "pdf"
    monkeypatch.setenv(MAX_PAGES_ENV, "many")
    with pytest.raises(InputError, match=MAX_PAGES_ENV):
        check_pdf_pages(pdf)
    assert check_pdf_pages(b"%PDF-1.7 damaged", limit=5) is None  # the reader says why


# ------------------------------------------------------------------ fuzz


@given(
    cuts=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=8),
    truncate=st.integers(0, 2000),
)
def test_mutated_zips_give_named_errors_only(cuts: list[tuple[int, int]], truncate: int) -> None:
    data = bytearray(bombs.plain_docx(["พันธกิจ"] * 5))
    for pos, value in cuts:
        if pos < len(data):
            data[pos] = value
    blob = bytes(data[: len(data) - truncate])
    try:
        check_archive(blob, what="x.docx")
    except PlanSearchError:
        pass
