"""``--ocr`` on every command that parses documents: a scanned PDF (pages that are only
images) is read with Tesseract when asked, and without ``--ocr`` is one clear error line
that says to use it (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_fixtures import pdf_fpdf, thai_font

from plansearch.cli import main
from plansearch.parse.readers import ocr as ocr_reader
from plansearch.sections import read_jsonl

PLAN = (
    "แผนพัฒนาท้องถิ่น องค์การบริหารส่วนตำบลตัวอย่าง\n"
    "ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ\n"
    "แนวทางการพัฒนา\n"
    "1.1 ส่งเสริมอาชีพและรายได้ของประชาชน\n"
)
H = ["--embedder", "hashing"]


def _image_pdf(image, out: Path) -> Path:  # type: ignore[no-untyped-def]
    """A PDF whose one page is only ``image`` (no text layer), as a scanner makes it."""
    from fpdf import FPDF

    png = out.with_suffix(".png")
    image.save(png)
    pdf = FPDF(unit="pt", format=(image.width * 72 / 200, image.height * 72 / 200))
    pdf.add_page()
    pdf.image(str(png), x=0, y=0, w=pdf.w)
    pdf.output(str(out))
    return out


@pytest.fixture()
def blank_scan(tmp_path: Path) -> Path:
    """A tiny scan with no words on it (a ruled line): nothing for a text reader."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).line((20, 100, 380, 100), fill=0, width=3)
    return _image_pdf(image, tmp_path / "scan.pdf")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


COMMANDS = {
    "ingest": lambda f, tmp: ["ingest", str(f)],
    "index": lambda f, tmp: ["index", str(f), "--out", str(tmp / "idx"), "-q", *H],
    "align": lambda f, tmp: ["align", str(f), "--against", "sdg", *H],
    "run": lambda f, tmp: ["run", str(f.parent), "--out", str(tmp / "reports"), *H],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_parsing_command_has_ocr(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "--ocr" in capsys.readouterr().out


@pytest.mark.parametrize("command", list(COMMANDS))
def test_scan_without_ocr_is_one_line_saying_use_ocr(
    command: str, blank_scan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(COMMANDS[command](blank_scan, tmp_path), capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("plansearch: error: ")
    assert "--ocr" in lines[0] and "สแกน" in lines[0] and "scan.pdf" in lines[0]


def test_ocr_without_tesseract_says_what_to_install(
    blank_scan: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(ocr_reader, "tesseract_languages", lambda: set())
    code, err = _run(["ingest", str(blank_scan), "--ocr"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "tesseract-ocr-tha" in err and "Tesseract" in err


def test_ocr_applies_to_documents_not_statements_or_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    statements = tmp_path / "mine.txt"
    statements.write_text("ส่งเสริมอาชีพผู้สูงอายุ\n", encoding="utf-8")
    code, err = _run(["align", str(statements), "--statements", "--ocr", *H], capsys)
    assert code == 2 and "--ocr" in err
    sections = Path(__file__).parent / "data" / "index_sections.jsonl"
    code, err = _run(["index", str(sections), "--out", str(tmp_path / "i"), "--ocr", *H], capsys)
    assert code == 2 and "--ocr" in err


def test_a_text_pdf_reads_the_same_with_ocr(tmp_path: Path, capsys) -> None:
    """``--ocr`` only changes documents without a text layer."""
    if thai_font() is None:
        pytest.skip("no TLWG Thai font: apt-get install fonts-thai-tlwg")
    pdf = pdf_fpdf(PLAN, tmp_path / "plan.pdf")
    runs = []
    for extra in ([], ["--ocr"]):
        out = tmp_path / f"s{len(runs)}.jsonl"
        assert main(["ingest", str(pdf), "--out", str(out), *extra]) == 0
        runs.append([(s.id, s.kind, s.title) for s in read_jsonl(out)])
    capsys.readouterr()
    assert runs[0] == runs[1] and ("tactic" in {k for _, k, _ in runs[0]})


@pytest.mark.skipif(
    "tha" not in ocr_reader.tesseract_languages() or thai_font() is None,
    reason="OCR needs Tesseract with Thai data and a Thai font for the scan: "
    "apt-get install tesseract-ocr tesseract-ocr-tha fonts-thai-tlwg",
)
def test_ingest_with_ocr_reads_a_scanned_plan(tmp_path: Path, capsys) -> None:
    import pypdfium2 as pdfium

    printed = pdf_fpdf(PLAN, tmp_path / "printed.pdf")
    page = pdfium.PdfDocument(str(printed))[0]
    image = page.render(scale=200 / 72).to_pil().convert("L")
    w = image.width
    image = image.crop((0, 0, w, w // 3))  # the lines of the plan, not the blank page
    scan = _image_pdf(image, tmp_path / "scan.pdf")
    out = tmp_path / "s.jsonl"
    assert main(["ingest", str(scan), "--ocr", "--out", str(out)]) == 0
    printed_out = capsys.readouterr().out
    assert "pdf-ocr" in printed_out
    got = [(s.kind, s.number) for s in read_jsonl(out)]
    assert ("strategy", "1") in got and ("tactic", "1.1") in got
