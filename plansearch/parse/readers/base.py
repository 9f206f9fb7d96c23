"""The reader seam: every document format turns bytes into the same structure.

A reader returns an :class:`ExtractedDocument`: a tuple of :class:`Block` objects (one
printed line or paragraph each, with its automatic number label, numbering level,
table coordinates and page number when the format has them) plus ``text``, the blocks
joined with ``"\\n"``: the *extracted (repaired) text* that every
:class:`~plansearch.Section` span indexes.

New formats plug in through :func:`register`: a reader says which magic bytes and file
suffixes it takes; :func:`reader_for` picks one (magic bytes first, then the suffix).

>>> doc = ExtractedDocument.from_blocks([Block("พันธกิจ"), Block("พัฒนาแหล่งน้ำ", label="1.")])
>>> doc.text
'พันธกิจ\\n1. พัฒนาแหล่งน้ำ'
>>> doc.block_at(9).label
'1.'
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ...errors import DocumentTooLargeError

#: Default size limit for one document (bytes). Real plans are a few MB at most.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
#: A ZIP member's local header: DOCX, XLSX and every other OOXML file start with it.
#: :func:`~plansearch.parse.readers.extract_bytes` runs
#: :func:`~plansearch.limits.check_archive` on such bytes before a reader opens
#: them, unless the reader has ``checks_archives = True`` (it checks them itself).
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Block:
    """One line of extracted text and where it sat in the document.

    ``label`` is an automatic number label the word processor printed in front of the
    paragraph (``"1.1"``), already part of the joined text; ``level`` its numbering
    level (0 = outermost). ``table``/``row``/``col`` locate a table cell paragraph;
    ``page`` is 1-based (PDF only). An empty ``text`` is a blank line (a paragraph gap).
    """

    text: str
    label: str | None = None
    level: int | None = None
    page: int | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None

    @property
    def line(self) -> str:
        """The text as it appears in the joined document (label, a space, text)."""
        if self.label:
            return f"{self.label} {self.text}" if self.text else self.label
        return self.text

    @property
    def in_table(self) -> bool:
        return self.table is not None


@dataclass(frozen=True)
class ExtractedDocument:
    """What a reader returns: blocks, their joined text and notes for the quality report.

    ``repaired`` counts the characters the reader had to repair to read the document at
    all: invalid bytes replaced by U+FFFD (``"�"``) or lines of another encoding
    (see :func:`~plansearch.parse.readers.txt.decode_text_checked`); the notes say where.
    ``empty_pages`` are the pages of a PDF with no text (scans among text pages, which
    :func:`~plansearch.parse.readers.ocr.ocr_scanned_pages` reads); a note names them.
    """

    text: str
    blocks: tuple[Block, ...] = ()
    starts: tuple[int, ...] = field(default=(), repr=False)
    format: str = "text"
    notes: tuple[str, ...] = ()
    repaired: int = 0
    empty_pages: tuple[int, ...] = ()

    @classmethod
    def from_blocks(
        cls,
        blocks: Iterable[Block],
        *,
        format: str = "text",
        notes: Sequence[str] = (),
        empty_pages: Sequence[int] = (),
    ) -> ExtractedDocument:
        """Join ``blocks`` (one per line; a block's text must not contain ``\\n``)."""
        bl = tuple(blocks)
        starts: list[int] = []
        pos = 0
        parts: list[str] = []
        for b in bl:
            line = b.line.replace("\n", " ")
            starts.append(pos)
            parts.append(line)
            pos += len(line) + 1
        return cls(
            "\n".join(parts),
            bl,
            tuple(starts),
            format,
            tuple(notes),
            empty_pages=tuple(empty_pages),
        )

    @classmethod
    def plain(
        cls, text: str, *, format: str = "text", notes: Sequence[str] = (), repaired: int = 0
    ) -> ExtractedDocument:
        """A document with no structure beyond its text (no per-line blocks)."""
        return cls(text, (), (), format, tuple(notes), repaired)

    def block_at(self, offset: int) -> Block | None:
        """The block holding character ``offset`` of :attr:`text` (``None`` without blocks)."""
        if not self.blocks:
            return None
        i = bisect_right(self.starts, offset) - 1
        return self.blocks[max(i, 0)]

    def page_at(self, offset: int) -> int | None:
        b = self.block_at(offset)
        return b.page if b is not None else None

    @property
    def pages(self) -> int | None:
        pages = [b.page for b in self.blocks if b.page is not None]
        return max(pages) if pages else None


@runtime_checkable
class Reader(Protocol):
    """One document format. ``magic`` are byte prefixes, ``suffixes`` file endings."""

    format: str
    magic: tuple[bytes, ...]
    suffixes: tuple[str, ...]

    def accepts(self, data: bytes) -> bool:
        """Whether ``data`` (already matched by magic bytes) is really this format."""
        ...

    def read(self, data: bytes, name: str) -> ExtractedDocument:
        """Extract the document; raise a :class:`~plansearch.InputError` subclass."""
        ...


_REGISTRY: list[Reader] = []


def register(reader: Reader) -> Reader:
    """Add a reader (later registrations win for the same magic bytes)."""
    _REGISTRY.insert(0, reader)
    return reader


def registered() -> tuple[Reader, ...]:
    return tuple(_REGISTRY)


def reader_for(data: bytes, suffix: str = "") -> Reader | None:
    """The reader whose magic bytes start ``data`` and that accepts it; else ``None``.

    ``suffix`` breaks ties between readers sharing magic bytes (``.doc`` vs ``.xls``).
    """
    suffix = suffix.lower()
    candidates = [r for r in _REGISTRY if r.magic and any(data.startswith(m) for m in r.magic)]
    candidates.sort(key=lambda r: suffix not in r.suffixes)
    for r in candidates:
        if r.accepts(data):
            return r
    return None


def supported_suffixes() -> tuple[str, ...]:
    out: list[str] = []
    for r in reversed(_REGISTRY):
        out.extend(s for s in r.suffixes if s not in out)
    return tuple(out)


def too_large(name: str, size: int, max_bytes: int) -> DocumentTooLargeError:
    return DocumentTooLargeError(
        f"{name}: ไฟล์ใหญ่เกินกำหนด / {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB "
        "limit; split the document or raise max_bytes (plansearch ingest --max-mb)"
    )
