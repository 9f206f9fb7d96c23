"""PNG heatmap: Thai labels render with the packaged font (no tofu)."""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest
from alignment_factory import make_alignment
from PIL import Image

from plansearch.report._common import heatmap_matrix
from plansearch.report.fonts import thai_font_path
from plansearch.report.heatmap import MAX_ROWS, heatmap_figure, wrap_thai, write_heatmap_png

THAI_MARKS = set(range(0x0E31, 0x0E3B)) | set(range(0x0E47, 0x0E4F))


def test_font_comes_from_the_package():
    path = thai_font_path()
    assert path.exists() and "fontpkg_noto_sans_thai" in str(path)
    assert path.suffix.lower() in (".ttf", ".otf")


@pytest.mark.parametrize("framework", ["national", "sdg", "province"])
def test_png_written_without_missing_glyphs(tmp_path, framework):
    al = make_alignment()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        path = write_heatmap_png(al, tmp_path / "h.png", framework=framework)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    w, h = Image.open(path).size
    assert 800 < w < 3000 and 300 < h < 3000  # readable, not absurdly wide


def test_every_text_uses_the_packaged_thai_font():
    from matplotlib.font_manager import findfont
    from matplotlib.text import Text

    fig = heatmap_figure(make_alignment(), "national")
    fig.canvas.draw()
    # every visible text on the figure: ticks, cell values, title, colour-bar label/ticks
    texts = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    thai = [t for t in texts if any("\u0e01" <= ch <= "\u0e5b" for ch in t.get_text())]
    assert len(thai) >= 4 + 6 + 2  # row labels, column labels, title, colour-bar label
    font = str(thai_font_path())
    for t in texts:
        assert findfont(t.get_fontproperties()) == font, t.get_text()


def test_default_font_would_show_tofu(tmp_path):
    # the checks above are meaningful: without the Thai font, matplotlib does warn
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.5, "ยุทธศาสตร์ชาติ", family="DejaVu Sans")
    with pytest.warns(UserWarning, match="[Gg]lyph"):
        fig.savefig(tmp_path / "tofu.png")


def test_matrix_uses_full_score_vectors():
    al = make_alignment()
    hm = heatmap_matrix(al, "national")
    assert hm.col_ids == ("NS1", "NS2", "NS3", "NS4", "NS5", "NS6")
    strategies = [it for it in al.items if it.item.kind == "strategy"]
    assert hm.shape == (len(strategies), 6)
    assert hm.values[0] == strategies[0].scores_for("national")


def test_wrap_thai_breaks_between_words_and_truncates():
    text = "ยุทธศาสตร์ชาติด้านการสร้างการเติบโตบนคุณภาพชีวิตที่เป็นมิตรต่อสิ่งแวดล้อม"
    wrapped = wrap_thai(text, 16, 2)
    lines = wrapped.split("\n")
    assert len(lines) == 2 and lines[-1].endswith("…")
    for line in lines:
        assert line and ord(line[0]) not in THAI_MARKS  # no orphaned vowel/tone mark
    assert wrapped.replace("\n", "").rstrip("…") in text.replace(" ", "")
    assert wrap_thai("ถนน", 16, 2) == "ถนน"
    # one very long "word" is still cut at a character-cluster boundary
    cut = wrap_thai("ก้" * 40, 10, 1)
    assert cut.endswith("…") and all(ord(c) in THAI_MARKS or c in "ก…" for c in cut)
    assert cut[:-1].count("ก") == cut[:-1].count("\u0e49")


def test_empty_and_very_long_plans(tmp_path):
    empty = write_heatmap_png(make_alignment(with_items=False), tmp_path / "e.png")
    assert Image.open(empty).size[0] > 100
    al = make_alignment()
    many = tuple(
        replace(al.items[0], item=replace(al.items[0].item, id=f"s{i}", number=str(i)))
        for i in range(MAX_ROWS + 5)
    )
    fig = heatmap_figure(replace(al, items=many), "national")
    assert len(fig.axes[0].get_yticklabels()) == MAX_ROWS
    assert f"{MAX_ROWS} จาก {MAX_ROWS + 5}" in fig.axes[0].get_title(loc="left")


MATH_LIKE = "ส่งเสริม $x^{2$ การเกษตร"


def _with_dollars(al):
    first = al.items[0]
    item = replace(first.item, title=MATH_LIKE, number=None)
    fws = tuple(
        replace(f, title=f"{f.title} $\\frac{{", target_titles=(MATH_LIKE, *f.target_titles[1:]))
        for f in al.frameworks
    )
    return replace(al, items=(replace(first, item=item), *al.items[1:]), frameworks=fws)


def test_dollar_signs_are_drawn_literally(tmp_path):
    from matplotlib import cbook
    from matplotlib.text import Text

    al = _with_dollars(make_alignment())
    path = write_heatmap_png(al, tmp_path / "dollars.png", framework="national")
    assert path.read_bytes()[:4] == b"\x89PNG"
    fig = heatmap_figure(al, "national")
    fig.canvas.draw()
    texts = [t.get_text() for t in fig.findobj(Text) if "$" in t.get_text()]
    assert len(texts) >= 3  # a row label, a column label, the title
    assert not any(cbook.is_math_text(t) for t in texts)


def test_a_plot_that_cannot_be_drawn_raises_report_error(tmp_path):
    from plansearch.errors import PlanSearchError, ReportError

    al = make_alignment()
    with pytest.raises(ReportError, match="heatmap") as info:
        write_heatmap_png(al, tmp_path / "bad.png", dpi=0)
    assert isinstance(info.value, PlanSearchError)
    assert not (tmp_path / "bad.png").exists()
    with pytest.raises(ReportError, match="nope"):
        write_heatmap_png(al, tmp_path / "bad.png", framework="nope")
