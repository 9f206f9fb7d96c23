"""Optional OCR of a scanned PDF (Tesseract with Thai data): off by default, slow."""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_fixtures import pdf_fpdf, thai_font

from plansearch import parse_plan
from plansearch.errors import ScannedDocumentError
from plansearch.parse.readers.ocr import tesseract_languages

SMALL = Path(__file__).resolve().parent / "data" / "parse_small_plan.txt"


def _scan(tmp_path: Path) -> Path:
    """The small plan printed by fpdf2, then 'scanned': each page an image, no text."""
    import pypdfium2 as pdfium
    from fpdf import FPDF

    printed = pdf_fpdf(SMALL.read_text(encoding="utf-8"), tmp_path / "printed.pdf")
    pdf = pdfium.PdfDocument(str(printed))
    scan = FPDF(format="A4")
    for i in range(len(pdf)):
        png = tmp_path / f"page{i}.png"
        pdf[i].render(scale=200 / 72).to_pil().save(png)
        scan.add_page()
        scan.image(str(png), x=0, y=0, w=210)
    out = tmp_path / "scanned.pdf"
    scan.output(str(out))
    return out


@pytest.mark.skipif(
    thai_font() is None, reason="no TLWG Thai font: apt-get install fonts-thai-tlwg"
)
def test_scan_without_ocr_says_how_to_ocr(tmp_path: Path) -> None:
    with pytest.raises(ScannedDocumentError, match="ocrmypdf -l tha"):
        parse_plan(_scan(tmp_path))


@pytest.mark.slow
@pytest.mark.skipif(
    "tha" not in tesseract_languages() or thai_font() is None,
    reason="needs apt-get install tesseract-ocr tesseract-ocr-tha fonts-thai-tlwg",
)
def test_scan_with_ocr_finds_the_plan(tmp_path: Path) -> None:
    ref = parse_plan(SMALL)
    plan = parse_plan(_scan(tmp_path), ocr=True)
    assert (plan.org, plan.province) == (ref.org, ref.province)
    assert len(plan.of("strategy")) == len(ref.of("strategy"))
    assert plan.quality is not None and plan.quality.format == "pdf-ocr"
    assert all(s.page == 1 for s in plan)
