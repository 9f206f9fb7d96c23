"""Format detection through the reader registry, and one clear error per bad document."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from plansearch import parse_plan
from plansearch.errors import (
    DamagedDocumentError,
    EncryptedDocumentError,
    InputError,
    ScannedDocumentError,
    UnsupportedFormatError,
)
from plansearch.parse import ExtractedDocument, extract_bytes, repair_thai
from plansearch.parse.readers import registered


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("พันธกิจ")
    d.add_paragraph("1. พัฒนาแหล่งน้ำ")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _blank_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)  # a "scan": drawing, no text
    return bytes(pdf.output())


def _encrypted_pdf() -> bytes:
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "secret plan")
    w = PdfWriter()
    w.append(PdfReader(io.BytesIO(bytes(pdf.output()))))
    w.encrypt(user_password="pw", owner_password="owner")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_registry_has_one_reader_per_format() -> None:
    assert {r.format for r in registered()} == {"text", "pdf", "docx", "doc"}
    assert extract_bytes(_docx_bytes()).format == "docx"
    assert extract_bytes("พันธกิจ".encode()).format == "text"


@pytest.mark.parametrize(
    ("make", "suffix", "error", "words"),
    [
        (_encrypted_pdf, ".pdf", EncryptedDocumentError, "password"),
        (_blank_pdf, ".pdf", ScannedDocumentError, "ocrmypdf -l tha"),
        (lambda: _docx_bytes()[:3000], ".docx", DamagedDocumentError, "damaged"),
        (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 50, ".pdf", DamagedDocumentError, "PDF"),
    ],
    ids=["encrypted-pdf", "no-text-layer", "corrupted-docx", "corrupted-pdf"],
)
def test_bad_documents_give_one_clear_error(
    tmp_path: Path, make, suffix: str, error: type, words: str
) -> None:
    f = tmp_path / f"plan{suffix}"
    f.write_bytes(make())
    with pytest.raises(error) as info:
        parse_plan(f)
    message = str(info.value)
    assert words in message and "\n" not in message
    assert any("\u0e00" <= c <= "\u0e7f" for c in message)  # Thai first, English alongside


def test_docx_that_is_really_a_spreadsheet(tmp_path: Path) -> None:
    f = tmp_path / "plan.docx"
    with zipfile.ZipFile(f, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnsupportedFormatError, match="spreadsheet"):
        parse_plan(f)


def test_renamed_file_is_named(tmp_path: Path) -> None:
    f = tmp_path / "plan.pdf"
    f.write_bytes(b"just some text pretending")
    with pytest.raises(InputError, match="not a PDF"):
        parse_plan(f)


def test_quote_only_strategy_title_span_covers_the_label() -> None:
    """Hardening defect 9: the span covered only the quote, not the title."""
    text = "ยุทธศาสตร์ที่ 1 “\n"
    [s] = parse_plan(text)
    assert s.title == "ยุทธศาสตร์ที่ 1"
    assert text[s.span[0] : s.span[1]].startswith("ยุทธศาสตร์ที่ 1")


def test_ids_follow_structure_not_offsets() -> None:
    a = parse_plan("พันธกิจ\n1. พัฒนาแหล่งน้ำ\n2. ส่งเสริมอาชีพ", org="อบต.ทดสอบ")
    b = parse_plan("คำนำ ข้อความ\n\nพันธกิจ\n1. พัฒนาแหล่ง น้ำ\n2. ส่งเสริมอาชีพ", org="อบต.ทดสอบ")
    assert [s.id for s in a] == [s.id for s in b]


def test_quality_report_is_kept_on_the_plan() -> None:
    plan = parse_plan("ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\nกลยุทธ์\n1. ส่งเสริมอาชีพ\n- 3 -")
    q = plan.quality
    assert q.found == (("strategy", 1), ("tactic", 1))
    assert q.dropped_lines == 1  # the page number
    assert "organisation not found" in q.summary()


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("ตำาบล ลำาปาง", "ตำบล ลำปาง"),
        ("นำ้า", "น้ำ"),
        ("การบ ำรุง ความร ู้", "การบำรุง ความรู้"),
        ("ที\uf70a่", "ที่"),
        ("ก\uf70b", "ก้"),
        ("บำ\x11รุง", "บำรุง"),
        ("ป\uf88dา \uf89eุ", "ป้า ฐุ"),  # Apple PUA codes: tone shifted left, ฐ tailless
        ("ความร\u0e49\u0e39 ทั\u0e49ง", "ความรู้ ทั้ง"),  # tone before the vowel mark
        ("สิทธิ\u0e4c ขึ\u0e49น", "สิทธิ์ ขึ้น"),  # already in spelling order
    ],
)
def test_thai_repair(broken: str, fixed: str) -> None:
    assert repair_thai(broken) == fixed
    assert repair_thai(fixed) == fixed


def test_plain_document_has_no_blocks() -> None:
    doc = ExtractedDocument.plain("ข้อความ")
    assert doc.block_at(0) is None and doc.pages is None


def test_sections_jsonl_without_page_still_loads(tmp_path: Path) -> None:
    """Records written before ``Section.page`` existed load with ``page=None``."""
    from plansearch.sections import read_jsonl, write_jsonl

    f = tmp_path / "old.jsonl"
    f.write_text(
        '{"id": "s-1", "kind": "goal", "level": "local", "title": "พัฒนาแหล่งน้ำ",'
        ' "text": "พัฒนาแหล่งน้ำ", "span": [0, 13], "path": "พัฒนาแหล่งน้ำ"}\n',
        encoding="utf-8",
    )
    [old] = read_jsonl(f)
    assert old.page is None and old.span == (0, 13)
    write_jsonl([old.with_(page=3)], tmp_path / "new.jsonl")
    assert read_jsonl(tmp_path / "new.jsonl")[0].page == 3
