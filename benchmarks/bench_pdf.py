"""PDF and DOCX reading: speed, Thai damage (PDFium vs pypdf) and bad-input errors.

    python benchmarks/bench_pdf.py [--pages 100]

Builds its documents from the seed plans (``corpus/raw``) with ``tests/doc_fixtures.py``:
a text PDF of about ``--pages`` pages (fpdf2 + TLWG font), and, when LibreOffice is
installed, each seed exported to PDF by LibreOffice. Prints

1. damaged Thai sequences (``ำา``, a mark after a space, PUA/control characters) in the
   raw text layer from pypdf and from PDFium, and after plansearch's repair;
2. parse time of a long PDF typeset by fpdf2 and of one exported by LibreOffice (target:
   under 10 s for 100 pages; ``parse_plan`` includes the reading);
3. the one-line error for an encrypted PDF, a PDF without a text layer, a corrupted
   DOCX and a DOCX that is really a spreadsheet.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import doc_fixtures as F  # noqa: E402

from plansearch import parse_plan  # noqa: E402
from plansearch.errors import PlanSearchError  # noqa: E402
from plansearch.parse import damage_count, load_document  # noqa: E402


def raw_pypdf(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)


def raw_pdfium(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100)
    args = ap.parse_args()
    seeds = sorted((ROOT / "corpus" / "raw").glob("*.txt"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    files: list[tuple[str, Path, Path]] = []  # (label, pdf, seed)
    if F.soffice() is not None:
        docs = [
            F.docx_typed(s.read_text(encoding="utf-8"), tmp / (s.stem + ".docx")) for s in seeds
        ]
        for s, pdf in zip(seeds, F.pdf_libreoffice(docs, tmp), strict=True):
            files.append((f"LibreOffice {s.name[:3]}", pdf, s))
    for s in seeds[:2]:
        text = s.read_text(encoding="utf-8")
        files.append((f"fpdf2 {s.name[:3]}", F.pdf_fpdf(text, tmp / f"{s.stem}-fpdf.pdf"), s))
        shaped = F.pdf_fpdf(text, tmp / f"{s.stem}-shaped.pdf", shaping=True)
        files.append((f"fpdf2+shaping {s.name[:3]}", shaped, s))
    print("1. damaged Thai sequences in the text layer; strategies/tactics found vs the text")
    print("   (str/tac and org: plansearch's reader; the same parser on pypdf's text; the .txt)")
    print(
        f"{'PDF':24} {'pypdf':>6} {'pdfium':>6} {'repaired':>8} {'str/tac':>8} {'org':>4}"
        f" {'pypdf s/t':>9} {'org':>4} {'text':>6}"
    )
    for name, path, seed in files:
        fixed = load_document(path).text
        got, want = parse_plan(path), parse_plan(seed)
        old = parse_plan(raw_pypdf(path))
        print(
            f"{name:24} {damage_count(raw_pypdf(path)):6d} {damage_count(raw_pdfium(path)):6d}"
            f" {damage_count(fixed):8d} {_st(got):>8} {_yes(got.org == want.org):>4}"
            f" {_st(old):>9} {_yes(old.org == want.org):>4} {_st(want):>6}"
        )

    # 2. speed: seed 004 (80 KB) repeated until the PDF has about --pages pages, typeset
    # by fpdf2 and (when installed) exported by LibreOffice from a DOCX
    text = seeds[4].read_text(encoding="utf-8")
    one = F.pdf_fpdf(text, tmp / "one.pdf")
    per_copy = _pages(one)
    repeat = max(1, -(-args.pages // per_copy))
    long_pdfs = [("fpdf2", F.pdf_fpdf(text, tmp / "long.pdf", repeat=repeat))]
    if F.soffice() is not None:
        lo_one = F.pdf_libreoffice([F.docx_typed(text, tmp / "lo-one.docx")], tmp)[0]
        lo_repeat = max(1, -(-args.pages // _pages(lo_one)))
        while True:
            docx = F.docx_typed("\n".join([text] * lo_repeat), tmp / "lo-long.docx")
            lo_long = F.pdf_libreoffice([docx], tmp)[0]
            if _pages(lo_long) >= args.pages:
                break
            lo_repeat += 1
        long_pdfs.append(("LibreOffice", lo_long))
    print("\n2. speed (best of 3 runs each)")
    print(
        f"{'PDF':12} {'pages':>6} {'chars':>9} {'extract s':>10} {'parse_plan s':>13} "
        f"{'sections':>9}"
    )
    for label, long_pdf in long_pdfs:
        extract, parse = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            doc = load_document(long_pdf)
            t1 = time.perf_counter()
            plan = parse_plan(long_pdf)
            t2 = time.perf_counter()
            extract.append(t1 - t0)
            parse.append(t2 - t1)
        print(
            f"{label:12} {doc.pages:6d} {len(doc.text):9d} {min(extract):10.2f} "
            f"{min(parse):13.2f} {len(plan):9d}"
        )

    print("\n3. bad input")
    for name, data, suffix in _bad_inputs():
        f = tmp / f"bad{suffix}"
        f.write_bytes(data)
        try:
            parse_plan(f)
            print(f"{name:22} (no error)")
        except PlanSearchError as exc:
            print(f"{name:22} {type(exc).__name__}: {exc}")


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _st(plan) -> str:  # type: ignore[no-untyped-def]
    return f"{len(plan.of('strategy'))}/{len(plan.of('tactic'))}"


def _pages(path: Path) -> int:
    import pypdfium2 as pdfium

    return len(pdfium.PdfDocument(str(path)))


def _bad_inputs() -> list[tuple[str, bytes, str]]:
    import docx
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "plan")
    w = PdfWriter()
    w.append(PdfReader(io.BytesIO(bytes(pdf.output()))))
    w.encrypt(user_password="pw", owner_password="owner")
    enc = io.BytesIO()
    w.write(enc)
    scan = FPDF()
    scan.add_page()
    scan.rect(20, 20, 100, 60)
    d = docx.Document()
    d.add_paragraph("พันธกิจ")
    buf = io.BytesIO()
    d.save(buf)
    xlsx = io.BytesIO()
    with zipfile.ZipFile(xlsx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return [
        ("encrypted PDF", enc.getvalue(), ".pdf"),
        ("PDF without text", bytes(scan.output()), ".pdf"),
        ("corrupted DOCX", buf.getvalue()[:3000], ".docx"),
        ("spreadsheet as DOCX", xlsx.getvalue(), ".docx"),
    ]


if __name__ == "__main__":
    main()
