"""Round trips: each seed plan saved as DOCX and PDF parses like its text file.

The documents are made here, once per test session, from the seed texts
(``tests/doc_fixtures.py``): DOCX with typed numbers, with the word processor's automatic
numbering, with a strategy | tactic table; PDF exported by LibreOffice (needs
``soffice``: Debian ``libreoffice-writer-nogui`` + ``fonts-thai-tlwg``), from the table
DOCX, and written by fpdf2 with a TLWG Thai font. Titles are compared without spaces
(a line wrapped at a space cannot tell where the space was) and a PDF title may run
on into the section's own continuation lines, which the text file broke by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_fixtures import (
    HEADER,
    docx_auto,
    docx_table,
    docx_typed,
    pdf_fpdf,
    pdf_libreoffice,
    soffice,
    thai_font,
)

from plansearch import Plan, parse_plan
from plansearch.parse import damage_count, load_document
from plansearch.parse.normalize import clean_fragment

RAW = Path(__file__).resolve().parent.parent / "corpus" / "raw"
SEEDS = sorted(RAW.glob("*.txt"))
NEEDS_LO = pytest.mark.skipif(
    soffice() is None,
    reason="LibreOffice (soffice) not installed: apt-get install "
    "libreoffice-writer-nogui fonts-thai-tlwg",
)
NEEDS_FONT = pytest.mark.skipif(
    thai_font() is None, reason="no TLWG Thai font: apt-get install fonts-thai-tlwg"
)

#: (layout, seed number) pairs that still differ from the text, and why
KNOWN: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="session")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """layout → seed key → file; every file is named like its seed (same section ids)."""
    root = tmp_path_factory.mktemp("documents")
    out: dict[str, dict[str, Path]] = {}

    def place(layout: str, seed: Path, suffix: str) -> Path:
        d = root / layout
        d.mkdir(exist_ok=True)
        return d / (seed.stem + suffix)

    for seed in SEEDS:
        key = seed.name[:3]
        text = seed.read_text(encoding="utf-8")
        ref = parse_plan(seed)
        out.setdefault("docx_typed", {})[key] = docx_typed(text, place("docx_typed", seed, ".docx"))
        out.setdefault("docx_auto", {})[key] = docx_auto(text, place("docx_auto", seed, ".docx"))[0]
        table = docx_table(text, ref, place("docx_table", seed, ".docx"))
        if table is not None:
            out.setdefault("docx_table", {})[key] = table
        if thai_font() is not None:
            out.setdefault("pdf_fpdf", {})[key] = pdf_fpdf(text, place("pdf_fpdf", seed, ".pdf"))
    if soffice() is not None:  # one LibreOffice run per layout (start-up is the cost)
        for layout, source in (("pdf_libreoffice", "docx_typed"), ("pdf_table", "docx_table")):
            outdir = root / layout
            outdir.mkdir(exist_ok=True)
            keys = sorted(out.get(source, {}))
            pdfs = pdf_libreoffice([out[source][k] for k in keys], outdir)
            out[layout] = dict(zip(keys, pdfs, strict=True))
    return out


@pytest.fixture(scope="session")
def reference() -> dict[str, Plan]:
    return {seed.name[:3]: parse_plan(seed) for seed in SEEDS}


def _squash(text: str | None) -> str:
    return "".join((text or "").split())


def _structure(plan: Plan) -> list[tuple]:
    by_id = {s.id: s for s in plan}
    return [
        (
            s.level,
            s.kind,
            s.number,
            by_id[s.parent_id].title if s.parent_id else None,
        )
        for s in plan
        if s.kind in ("strategy", "tactic")
    ]


def _same_title(text_section, doc_section) -> bool:
    """The document's title starts with the text's title and stays inside the text's
    section (the text file may break a paragraph that the document prints whole)."""
    a, b, whole = (
        _squash(text_section.title),
        _squash(doc_section.title),
        _squash(text_section.text),
    )
    a, b = a.rstrip("…"), b.rstrip("…")
    return b.startswith(a) and (whole.startswith(b) or a.startswith(b))


LAYOUTS = [
    pytest.param("docx_typed", id="docx-typed"),
    pytest.param("docx_auto", id="docx-auto-numbering"),
    pytest.param("docx_table", id="docx-table"),
    pytest.param("pdf_libreoffice", id="pdf-libreoffice", marks=NEEDS_LO),
    pytest.param("pdf_table", id="pdf-libreoffice-table", marks=NEEDS_LO),
    pytest.param("pdf_fpdf", id="pdf-fpdf2", marks=NEEDS_FONT),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("key", [s.name[:3] for s in SEEDS])
def test_document_parses_like_the_text(
    documents: dict[str, dict[str, Path]],
    reference: dict[str, Plan],
    layout: str,
    key: str,
    request: pytest.FixtureRequest,
) -> None:
    path = documents.get(layout, {}).get(key)
    if path is None:
        pytest.skip(f"seed {key} has no strategy with tactics to lay out as a table")
    if (layout, key) in KNOWN:  # strict: a fixed case fails until it leaves KNOWN
        request.applymarker(pytest.mark.xfail(reason=KNOWN[(layout, key)], strict=True))
    ref = reference[key]
    plan = parse_plan(path)
    assert (plan.org, plan.province) == (ref.org, ref.province)
    want = [s for s in ref if s.kind in ("strategy", "tactic")]
    got = [s for s in plan if s.kind in ("strategy", "tactic")]
    assert [(s.level, s.kind, s.number) for s in got] == [(s.level, s.kind, s.number) for s in want]
    bad = [(w.title, g.title) for w, g in zip(want, got, strict=True) if not _same_title(w, g)]
    assert not bad
    parents = [(p and _squash(p)[:30]) for *_, p in _structure(plan)]
    assert parents == [(p and _squash(p)[:30]) for *_, p in _structure(ref)]
    # ids come from structure and titles, not from offsets or the file format
    same = [w.id == g.id for w, g in zip(want, got, strict=True)]
    titles_equal = [_squash(w.title) == _squash(g.title) for w, g in zip(want, got, strict=True)]
    assert same == titles_equal or all(same)
    assert sum(damage_count(s.text) for s in plan) == 0


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_damaged_thai_and_spans_point_into_the_extracted_text(
    documents: dict[str, dict[str, Path]], layout: str
) -> None:
    files = documents.get(layout)
    if not files:
        pytest.skip(f"no {layout} documents on this machine")
    for path in files.values():
        doc = load_document(path)
        plan = parse_plan(path)
        assert sum(damage_count(s.text) for s in plan) == 0, path.name
        for s in plan:
            a, b = s.span
            assert _squash(s.title)[:6] in _squash(clean_fragment(doc.text[a:b])), s.title
            if layout.startswith("pdf"):
                assert s.page is not None and 1 <= s.page <= (doc.pages or 0)
            else:
                assert s.page is None


def test_docx_headers_and_footers_are_ignored(documents: dict[str, dict[str, Path]]) -> None:
    for layout in ("docx_typed", "docx_auto", "docx_table"):
        for path in documents[layout].values():
            assert HEADER not in load_document(path).text  # the running header of every page


def test_automatic_numbering_labels_come_back(documents: dict[str, dict[str, Path]]) -> None:
    doc = load_document(documents["docx_auto"]["001"])
    labels = [b.label for b in doc.blocks if b.label]
    assert labels[:4] == ["1.", "2.", "3.", "4."]  # strategy 1's tactics
    assert labels[4:6] == ["1.", "2."]  # a new list restarts at 1
    doc4 = load_document(documents["docx_auto"]["004"])
    assert "(๑)" in {b.label for b in doc4.blocks}  # Thai digits: numFmt thaiNumbers


def test_docx_table_cells_become_sections_with_hierarchy(
    documents: dict[str, dict[str, Path]], reference: dict[str, Plan]
) -> None:
    plan = parse_plan(documents["docx_table"]["001"])
    strategies = plan.of("strategy")
    assert [len(plan.children(s)) for s in strategies] == [4, 2, 5, 3, 2]
    doc = load_document(documents["docx_table"]["001"])
    assert {b.col for b in doc.blocks if b.table is not None} == {0, 1, 2}


@NEEDS_LO
def test_pdf_running_header_and_page_numbers_are_dropped(
    documents: dict[str, dict[str, Path]],
) -> None:
    doc = load_document(documents["pdf_libreoffice"]["004"])
    assert doc.pages and doc.pages > 3
    header_lines = [b for b in doc.blocks if b.text.startswith("แผนพัฒนาท้องถิ่น (พ.ศ.")]
    assert len(header_lines) == 1  # kept once, dropped on the other pages
    assert not [b for b in doc.blocks if b.text.strip() == str(b.page)]  # page numbers
    plan = parse_plan(documents["pdf_libreoffice"]["004"])
    assert plan.quality is not None and plan.quality.format == "pdf"
    assert any("header" in n for n in plan.quality.notes)


@NEEDS_LO
def test_old_word_doc_is_converted_and_parsed(
    documents: dict[str, dict[str, Path]], reference: dict[str, Plan], tmp_path: Path
) -> None:
    """A .doc (Word 97) saved by LibreOffice: read through the .doc reader (LibreOffice
    converts it back to DOCX). The typed-number DOCX is used: LibreOffice's own .doc export
    splits our automatic lists (it prints "1. 1. 2. 3." for them itself)."""
    import os
    import subprocess

    exe = soffice()
    assert exe is not None
    src = documents["docx_typed"]["001"]
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
            "--headless",
            "--convert-to",
            "doc:MS Word 97",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    doc_file = tmp_path / (src.stem + ".doc")
    assert doc_file.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    plan = parse_plan(doc_file)
    assert plan.quality is not None and plan.quality.format == "doc"
    ref = reference["001"]
    assert (plan.org, plan.province) == (ref.org, ref.province)
    assert _structure(plan) == _structure(ref)
