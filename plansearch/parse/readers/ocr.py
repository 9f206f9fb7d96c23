"""OCR for scanned PDFs (no text layer) through Tesseract with Thai data, when installed.

Off by default (``parse_plan(path, ocr=True)`` turns it on): OCR takes seconds per page
and its text needs checking. A PDF without any text layer is read page by page; in a PDF
with text on some pages, only the pages without text are (:func:`ocr_scanned_pages`).
Needs the ``tesseract`` command and its Thai data (Debian: ``apt-get install
tesseract-ocr tesseract-ocr-tha``). Each page is rendered by PDFium at 300 dpi; the
lines Tesseract reads become blocks with their page number.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ...errors import ScannedDocumentError
from ..thai_repair import repair_thai
from .base import Block, ExtractedDocument
from .pdf import scanned_note

#: rendering resolution (Tesseract reads Thai best from about 300 dpi)
DPI = 300
TIMEOUT = 300


def tesseract_languages() -> set[str]:
    """Languages the installed Tesseract has data for (empty if it is not installed)."""
    exe = shutil.which("tesseract")
    if exe is None:
        return set()
    try:
        res = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return {ln.strip() for ln in res.stdout.splitlines()[1:] if ln.strip()}


def _need_tesseract(name: str) -> None:
    if "tha" not in tesseract_languages():
        raise ScannedDocumentError(
            f"{name}: ต้องติดตั้ง Tesseract ภาษาไทยก่อน / OCR needs Tesseract with Thai data: "
            "apt-get install tesseract-ocr tesseract-ocr-tha (or run `ocrmypdf -l tha` yourself)"
        )


def _ocr_pages(data: bytes, pages: set[int] | None, lang: str) -> list[Block]:
    """Blocks of the given 1-based pages (all when ``None``) read by Tesseract."""
    import pypdfium2 as pdfium

    exe = shutil.which("tesseract") or "tesseract"
    blocks: list[Block] = []
    pdf = pdfium.PdfDocument(data)
    try:
        with tempfile.TemporaryDirectory(prefix="plansearch-ocr-") as tmp:
            for i in range(len(pdf)):
                if pages is not None and i + 1 not in pages:
                    continue
                page = pdf[i]
                try:
                    image = page.render(scale=DPI / 72).to_pil()
                finally:
                    page.close()
                png = Path(tmp) / f"page{i + 1}.png"
                image.save(png)
                res = subprocess.run(
                    [exe, str(png), "stdout", "-l", lang, "--psm", "4"],
                    capture_output=True,
                    timeout=TIMEOUT,
                    check=False,
                )
                text = res.stdout.decode("utf-8", "replace")
                for line in text.splitlines():
                    blocks.append(Block(repair_thai(line.strip()), page=i + 1))
    finally:
        pdf.close()
    return blocks


def ocr_pdf(data: bytes, name: str, *, lang: str = "tha+eng") -> ExtractedDocument:
    """Read a scanned PDF with Tesseract; raises if Tesseract or its Thai data is missing."""
    _need_tesseract(name)
    blocks = _ocr_pages(data, None, lang)
    if not any(b.text for b in blocks):
        raise ScannedDocumentError(f"{name}: OCR พบข้อความว่าง / OCR found no text")
    return ExtractedDocument.from_blocks(
        blocks, format="pdf-ocr", notes=(f"OCR by Tesseract ({lang}); check the text",)
    )


def ocr_scanned_pages(
    data: bytes, name: str, doc: ExtractedDocument, *, lang: str = "tha+eng"
) -> ExtractedDocument:
    """A PDF with a text layer on some pages and scans on others: the pages without
    text (``doc.empty_pages``, from the PDF reader) read by Tesseract, in their place.

    Returns ``doc`` unchanged when every page has text."""
    pages = scanned_pages(doc)
    if not pages:
        return doc
    _need_tesseract(name)
    found = _ocr_pages(data, pages, lang)
    by_page: dict[int, list[Block]] = {}
    for b in found:
        by_page.setdefault(b.page or 0, []).append(b)
    blocks: list[Block] = []
    for b in doc.blocks:
        for p in sorted(k for k in by_page if k < (b.page or 0)):
            blocks.extend([*by_page.pop(p), Block("", page=p)])
        blocks.append(b)
    for p in sorted(by_page):
        blocks.extend(by_page[p])
    listed = ", ".join(map(str, sorted(pages)))
    notes = [n for n in doc.notes if n != scanned_note(doc.empty_pages)]
    notes.append(f"OCR by Tesseract ({lang}) on pages without text: {listed}; check the text")
    return ExtractedDocument.from_blocks(blocks, format=doc.format, notes=notes)


def scanned_pages(doc: ExtractedDocument) -> set[int]:
    """The pages the PDF reader found no text on."""
    return set(doc.empty_pages)
