"""Word ``.docx`` → blocks: paragraphs with their automatic numbers, table cells.

* **Automatic numbering**: a paragraph numbered by the word processor stores no digits;
  its number comes from ``word/numbering.xml`` (the list definition and level, its
  format ``decimal``/``thaiNumbers``/``thaiLetters``/roman/letters and its text
  template such as ``%1.%2``). :class:`NumberingState` replays the counters in
  document order so ``"1."``, ``"1.1"``, ``"(๒)"`` come back as the block's ``label``.
* **Tables**: every paragraph of every cell is a block with ``table``/``row``/``col``;
  the continuation of a vertically merged cell is skipped (its text is the cell above).
* Headers, footers, footnotes and comments are not part of the body and are ignored.

A ZIP bomb (a member that inflates too far, too many members or XML elements, entity
declarations…) is refused before python-docx opens it
(:func:`plansearch.limits.check_archive`). A ZIP that is a spreadsheet, a
presentation or an OpenDocument file, or a damaged ZIP, raises a named error that says
what it is.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from ...errors import DamagedDocumentError, EmptyDocumentError, UnsupportedFormatError
from ...limits import check_archive
from .base import Block, ExtractedDocument

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_THAI_LETTERS = "กขคงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ"


def _roman(n: int) -> str:
    vals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc")]
    vals += [(50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def format_number(n: int, fmt: str) -> str:
    """One counter in a Word number format.

    >>> format_number(12, "thaiNumbers"), format_number(3, "thaiLetters")
    ('๑๒', 'ค')
    """
    if fmt == "thaiNumbers":
        return "".join(_THAI_DIGITS[int(d)] for d in str(n))
    if fmt == "thaiLetters":
        return _THAI_LETTERS[(n - 1) % len(_THAI_LETTERS)]
    if fmt in ("lowerLetter", "upperLetter"):
        s = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        r = _roman(n)
        return r.upper() if fmt == "upperRoman" else r
    if fmt == "none":
        return ""
    return str(n)  # decimal, decimalZero, thaiCounting (spelled out) and the rest


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class NumberingState:
    """Word list definitions plus the running counters, replayed in document order."""

    abstract: dict[str, dict[int, _Level]] = field(default_factory=dict)
    nums: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)

    @classmethod
    def from_part(cls, element: Any) -> NumberingState:
        st = cls()
        if element is None:
            return st
        for an in element.iter(f"{_W}abstractNum"):
            aid = an.get(f"{_W}abstractNumId")
            levels: dict[int, _Level] = {}
            for lvl in an.iter(f"{_W}lvl"):
                lv = _Level()
                for child in lvl:
                    tag = child.tag.rsplit("}", 1)[-1]
                    val = child.get(f"{_W}val")
                    if tag == "numFmt" and val:
                        lv.fmt = val
                    elif tag == "lvlText" and val is not None:
                        lv.text = val
                    elif tag == "start" and val and val.lstrip("-").isdigit():
                        lv.start = int(val)
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = lv
            if aid is not None:
                st.abstract[aid] = levels
        for num in element.iter(f"{_W}num"):
            nid = num.get(f"{_W}numId")
            ref = num.find(f"{_W}abstractNumId")
            if nid is None or ref is None:
                continue
            overrides: dict[int, int] = {}
            for ov in num.iter(f"{_W}lvlOverride"):
                so = ov.find(f"{_W}startOverride")
                if so is not None and (so.get(f"{_W}val") or "").isdigit():
                    overrides[int(ov.get(f"{_W}ilvl", "0"))] = int(so.get(f"{_W}val"))
            st.nums[nid] = (ref.get(f"{_W}val") or "", overrides)
        return st

    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the list ``num_id`` at level ``ilvl``; the printed label."""
        if num_id not in self.nums or num_id == "0":
            return None
        aid, overrides = self.nums[num_id]
        levels = self.abstract.get(aid, {})
        lv = levels.get(ilvl, _Level())
        if lv.fmt == "bullet":
            return "-"
        counters = self.counters.setdefault(aid, {})
        if num_id not in self.started:  # a list instance with its own start values
            self.started.add(num_id)
            if overrides:
                counters.clear()

        def start(k: int) -> int:
            return overrides.get(k, levels.get(k, _Level()).start)

        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else start(ilvl)
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        text = lv.text
        for k in range(ilvl, -1, -1):
            lk = levels.get(k, _Level())
            n = counters.get(k, start(k))
            text = text.replace(f"%{k + 1}", format_number(n, lk.fmt))
        return text.strip() or None


def _num_pr(p: Any, styles: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    ppr = p.find(f"{_W}pPr")
    if ppr is not None:
        npr = ppr.find(f"{_W}numPr")
        if npr is not None:
            nid = npr.find(f"{_W}numId")
            ilvl = npr.find(f"{_W}ilvl")
            if nid is not None:
                return nid.get(f"{_W}val") or "0", int(
                    ilvl.get(f"{_W}val", "0") if ilvl is not None else 0
                )
        ps = ppr.find(f"{_W}pStyle")
        if ps is not None and ps.get(f"{_W}val") in styles:
            return styles[ps.get(f"{_W}val") or ""]
    return None


def _style_numbering(document: Any) -> dict[str, tuple[str, int]]:
    """Paragraph styles that carry numbering (numbered headings)."""
    out: dict[str, tuple[str, int]] = {}
    try:
        root = document.styles.element
    except Exception:  # pragma: no cover - a document always has styles
        return out
    for style in root.iter(f"{_W}style"):
        npr = style.find(f"{_W}pPr/{_W}numPr")
        if npr is None:
            continue
        nid = npr.find(f"{_W}numId")
        ilvl = npr.find(f"{_W}ilvl")
        if nid is not None:
            out[style.get(f"{_W}styleId") or ""] = (
                nid.get(f"{_W}val") or "0",
                int(ilvl.get(f"{_W}val", "0") if ilvl is not None else 0),
            )
    return out


def _paragraph_text(p: Any) -> str:
    parts: list[str] = []
    for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "t":
            parts.append(el.text or "")
        elif tag == "tab":
            parts.append("\t")
        else:
            parts.append(" ")
    return "".join(parts).replace("\n", " ").strip()


def _check_zip(data: bytes, name: str) -> None:
    """Refuse a ZIP bomb (:func:`~plansearch.limits.check_archive`), then name a
    ZIP that is not a Word document (a spreadsheet, a presentation, OpenDocument)."""
    check_archive(data, what=name)
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # pragma: no cover
        raise DamagedDocumentError(
            f"{name}: ไฟล์ ZIP/DOCX เสียหาย / is a damaged ZIP or DOCX file ({exc}); "
            "open it in Word or LibreOffice and save it again"
        ) from exc
    if "word/document.xml" in names:
        return
    if any(n.startswith("xl/") for n in names):
        what = "ตารางคำนวณ (Excel .xlsx) / a spreadsheet (Excel .xlsx), not a Word document"
    elif any(n.startswith("ppt/") for n in names):
        what = "งานนำเสนอ (.pptx) / a presentation (.pptx), not a Word document"
    elif "mimetype" in names:
        what = "เอกสาร OpenDocument / an OpenDocument file; save it as .docx"
    else:
        what = "แฟ้ม ZIP / a ZIP archive, not a plan document; unpack it or give .txt/.pdf/.docx"
    raise UnsupportedFormatError(f"{name} is {what}")


class DocxReader:
    """Word 2007+ ``.docx`` via ``python-docx`` and ``numbering.xml``."""

    format = "docx"
    magic: tuple[bytes, ...] = (b"PK\x03\x04",)
    suffixes: tuple[str, ...] = (".docx",)
    #: read() refuses ZIP bombs itself (see :data:`.base.ZIP_MAGIC`)
    checks_archives = True

    def accepts(self, data: bytes) -> bool:
        return True  # any ZIP: read() names spreadsheets, archives, damage

    def read(self, data: bytes, name: str) -> ExtractedDocument:
        _check_zip(data, name)
        try:
            import docx
        except ImportError as exc:  # pragma: no cover - a dependency
            raise UnsupportedFormatError(
                f"{name}: การอ่าน DOCX ต้องติดตั้ง python-docx / needs `pip install python-docx`"
            ) from exc
        try:
            document = docx.Document(io.BytesIO(data))
            try:
                numbering = document.part.numbering_part.element
            except (KeyError, NotImplementedError, AttributeError):
                numbering = None
            state = NumberingState.from_part(numbering)
            blocks = self._blocks(document.element.body, state, _style_numbering(document))
        except (UnsupportedFormatError, DamagedDocumentError):
            raise
        except Exception as exc:
            raise DamagedDocumentError(
                f"{name}: อ่านไฟล์ DOCX ไม่ได้ / cannot read this DOCX "
                f"({type(exc).__name__}: {exc}); open it in Word or LibreOffice and save it again"
            ) from exc
        if not any(b.text or b.label for b in blocks):
            raise EmptyDocumentError(f"{name}: ไม่มีข้อความ / is a DOCX without text (empty)")
        numbered = sum(1 for b in blocks if b.label)
        cells = sum(1 for b in blocks if b.table is not None)
        notes = ["docx"]
        if numbered:
            notes.append(f"{numbered} automatic number labels from numbering.xml")
        if cells:
            notes.append(f"{cells} table cell paragraphs")
        return ExtractedDocument.from_blocks(blocks, format="docx", notes=notes)

    def _blocks(
        self, body: Any, state: NumberingState, styles: dict[str, tuple[str, int]]
    ) -> list[Block]:
        out: list[Block] = []
        tables = 0
        for child in body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                out.append(self._paragraph(child, state, styles))
            elif tag == "tbl":
                self._table(child, tables, state, styles, out)
                tables += 1
            elif tag == "sdt":  # content controls wrap ordinary paragraphs
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    out.extend(self._blocks(content, state, styles))
        return out

    def _paragraph(
        self,
        p: Any,
        state: NumberingState,
        styles: dict[str, tuple[str, int]],
        **where: int,
    ) -> Block:
        text = _paragraph_text(p)
        npr = _num_pr(p, styles)
        label = level = None
        if npr is not None and text:
            label = state.label(*npr)
            level = npr[1] if label is not None else None
        return Block(text, label=label, level=level, **where)

    def _table(
        self,
        tbl: Any,
        t: int,
        state: NumberingState,
        styles: dict[str, tuple[str, int]],
        out: list[Block],
    ) -> None:
        for r, tr in enumerate(tbl.findall(f"{_W}tr")):
            col = 0
            for tc in tr.findall(f"{_W}tc"):
                tcpr = tc.find(f"{_W}tcPr")
                span = 1
                merged = False
                if tcpr is not None:
                    gs = tcpr.find(f"{_W}gridSpan")
                    if gs is not None and (gs.get(f"{_W}val") or "").isdigit():
                        span = int(gs.get(f"{_W}val"))
                    vm = tcpr.find(f"{_W}vMerge")
                    merged = vm is not None and vm.get(f"{_W}val") in (None, "continue")
                if not merged:
                    for p in tc.iter(f"{_W}p"):
                        b = self._paragraph(p, state, styles, table=t, row=r, col=col)
                        if b.text:
                            out.append(b)
                col += span
