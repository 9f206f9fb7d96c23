"""PNG heatmap: Thai labels render with the packaged font (no tofu)."""

from __future__ import annotations

import warnings

import pytest
from alignment_factory import make_alignment

from plansearch.report._common import heatmap_matrix
from plansearch.report.fonts import thai_font_path
from plansearch.report.heatmap import _label, write_heatmap_png


def test_font_comes_from_the_package():
    path = thai_font_path()
    assert path.exists() and "fontpkg_noto_sans_thai" in str(path)


def test_png_written_without_missing_glyphs(tmp_path):
    al = make_alignment()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font"
        path = write_heatmap_png(al, tmp_path / "h.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_default_font_would_show_tofu(tmp_path):
    # the check above is meaningful: without the Thai font, matplotlib does warn
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.5, "ยุทธศาสตร์ชาติ", family="DejaVu Sans")
    with pytest.warns(UserWarning, match="[Gg]lyph"):
        fig.savefig(tmp_path / "tofu.png")


def test_matrix_and_labels():
    al = make_alignment()
    hm = heatmap_matrix(al, "national")
    assert hm.col_ids == ("NS1", "NS2", "NS3", "NS4", "NS5", "NS6")
    assert hm.shape[0] == len([it for it in al.items if it.item.kind == "strategy"])
    wrapped = _label("ยุทธศาสตร์ชาติด้านการสร้างการเติบโตบนคุณภาพชีวิตที่เป็นมิตรต่อสิ่งแวดล้อม", 16)
    for line in wrapped.split("\n"):
        assert line and not ("\u0e31" <= line[0] <= "\u0e3a" or "\u0e47" <= line[0] <= "\u0e4e")
