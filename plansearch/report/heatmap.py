"""PNG heatmap of local strategies × the targets of one framework (matplotlib).

Drawn on a private Agg canvas (``matplotlib.figure.Figure`` + ``FigureCanvasAgg``), so
pyplot's global backend and rcParams are never touched. Thai labels use the font shipped
by ``fontpkg-noto-sans-thai`` (see :mod:`plansearch.report.fonts`): no tofu boxes, no
downloads. Long Thai labels are wrapped at word boundaries (PyThaiNLP) and truncated
with "…". Every text is drawn literally: a ``$`` in a plan or framework title is
escaped, never read as matplotlib math. Anything that goes wrong while drawing raises
:class:`~plansearch.errors.ReportError`, so a batch run can skip one plot and go on.

>>> write_heatmap_png(al, "reports/heatmap.png", framework="national")  # doctest: +SKIP
PosixPath('reports/heatmap.png')
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PlanSearchError, ReportError
from ..thai import display_width
from ._common import HeatmapData, atomic_write, heatmap_matrix

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..alignment.results import Alignment

__all__ = ["HeatmapData", "heatmap_figure", "heatmap_matrix", "wrap_thai", "write_heatmap_png"]

#: More rows than this are cut (the title says how many are shown).
MAX_ROWS = 80
ELLIPSIS = "…"


def literal(text: str) -> str:
    r"""``text`` escaped so matplotlib draws it as it is (``$`` never starts math).

    >>> literal("ส่งเสริม $x^{2$ การเกษตร")
    'ส่งเสริม \\$x^{2\\$ การเกษตร'
    """
    return text.replace("$", r"\$")


def _graphemes(text: str) -> list[str]:
    """Split into base characters with their combining marks (Thai vowels/tones stay put)."""
    out: list[str] = []
    for ch in text:
        if out and (unicodedata.combining(ch) or unicodedata.category(ch) == "Mn"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _words(text: str) -> list[str]:
    try:
        from pythainlp.tokenize import word_tokenize
    except ImportError:  # pragma: no cover - pythainlp is a dependency
        return _graphemes(text)
    return list(word_tokenize(text, engine="newmm", keep_whitespace=True))


def wrap_thai(text: str, width: int, max_lines: int = 2) -> str:
    """Wrap ``text`` into at most ``max_lines`` lines of about ``width`` characters.

    Breaks fall between words (Thai has no spaces, so PyThaiNLP finds them) and never
    split a consonant from its vowel or tone marks; cut text ends with "…".

    >>> wrap_thai("ยุทธศาสตร์การพัฒนาคุณภาพชีวิตและสังคม", 12)  # doctest: +SKIP
    'ยุทธศาสตร์การ\\nพัฒนาคุณภาพชีวิต…'
    """
    text = " ".join(text.split())
    if width < 2 or max_lines < 1:
        raise ValueError("width must be ≥ 2 and max_lines ≥ 1")
    lines: list[list[str]] = [[]]
    used = [0]
    cut = False
    for word in _words(text):
        pieces = [word] if display_width(word) <= width else _graphemes(word)
        for piece in pieces:
            n = display_width(piece)
            if used[-1] + n > width and used[-1] > 0:
                if len(lines) == max_lines:
                    cut = True
                    break
                lines.append([])
                used.append(0)
                if piece.isspace():
                    continue
            lines[-1].append(piece)
            used[-1] += n
        if cut:
            break
    rendered = ["".join(ln).strip() for ln in lines]
    if cut:
        last = _graphemes(rendered[-1])
        while last and display_width("".join(last)) + 1 > width:
            last.pop()
        rendered[-1] = "".join(last).rstrip() + ELLIPSIS
    return "\n".join(r for r in rendered if r)


def _empty_figure(message: str, dpi: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .fonts import thai_font_properties

    fig = Figure(figsize=(6, 2), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.text(
        0.5,
        0.5,
        literal(message),
        ha="center",
        va="center",
        fontproperties=thai_font_properties(14),
    )
    return fig


def heatmap_figure(alignment: Alignment, framework: str | None = None, *, dpi: int = 150) -> Figure:
    """A matplotlib ``Figure`` of the heatmap (not shown, not attached to pyplot).

    Every text on it (labels, values, title, colour bar) uses the packaged Thai font.
    """
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from .fonts import thai_font_properties

    if not alignment.items:
        return _empty_figure("ไม่มีรายการท้องถิ่นให้แสดง", dpi)
    data: HeatmapData = heatmap_matrix(alignment, framework)
    if not data.col_ids:
        return _empty_figure(f"กรอบ {data.framework_title} ไม่มีเป้าหมาย", dpi)
    total_rows = len(data.row_ids)
    row_labels = list(data.row_labels[:MAX_ROWS])
    values = [list(v) for v in data.values[:MAX_ROWS]]
    n, m = len(row_labels), len(data.col_ids)

    many = m > 8
    rl = [literal(wrap_thai(t, 38, 2)) for t in row_labels]
    if many:
        cl = [
            literal(wrap_thai(f"{i} {t}" if len(i) <= 8 else t, 30, 1))
            for i, t in zip(data.col_ids, data.col_labels, strict=True)
        ]
    else:
        cl = [
            literal((f"{i}\n" if len(i) <= 8 else "") + wrap_thai(t, 16, 3))
            for i, t in zip(data.col_ids, data.col_labels, strict=True)
        ]
    row_h = 0.24 + 0.17 * max(lab.count("\n") + 1 for lab in rl)
    col_h = 2.6 if many else 0.25 * max(lab.count("\n") + 1 for lab in cl) + 0.4
    col_w = 0.62 if many else 1.0
    fig = Figure(figsize=(max(7.0, 5.4 + col_w * m), 1.4 + col_h + row_h * n), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    fp = thai_font_properties(9)
    fp_small = thai_font_properties(8)

    cmap = colormaps["Blues"].with_extremes(bad="#dddddd")
    arr = np.ma.masked_invalid(np.array(values, dtype=float))
    im = ax.imshow(arr, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(m), labels=cl, fontproperties=fp_small if many else fp)
    ax.set_yticks(range(n), labels=rl, fontproperties=fp)
    ax.xaxis.tick_top()
    if many:
        for lab in ax.get_xticklabels():
            lab.set_rotation(55)
            lab.set_horizontalalignment("left")
            lab.set_rotation_mode("anchor")
    ax.tick_params(length=0)
    ax.set_xticks([x - 0.5 for x in range(1, m)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, n)], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)

    annotate = n * m <= 900
    for r, row in enumerate(values):
        finite = [v for v in row if not math.isnan(v)]
        top = max(finite) if finite else None
        for c, v in enumerate(row):
            if math.isnan(v):
                continue
            if annotate:
                ax.text(
                    c,
                    r,
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontproperties=fp_small,
                    color="white" if v > 0.55 else "#1f2328",
                )
            if top is not None and v == top:
                ax.add_patch(
                    Rectangle(
                        (c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#f0a202", linewidth=2.2
                    )
                )

    rows_are = (
        "ยุทธศาสตร์ท้องถิ่น"
        if any(it.item.kind == "strategy" for it in alignment.items)
        else "รายการท้องถิ่น"
    )
    title = f"{rows_are} × {data.framework_title}"
    if alignment.org:
        title = f"{alignment.org}: {title}"
    if total_rows > n:
        title += f" (แสดง {n} จาก {total_rows} รายการ)"
    ax.set_title(
        literal(wrap_thai(title, 90, 2)), fontproperties=thai_font_properties(11), loc="left"
    )
    cbar = fig.colorbar(im, ax=ax, shrink=min(1.0, 4.0 / max(n, 1) + 0.4), pad=0.02)
    cbar.set_label("คะแนนความสอดคล้อง (0.00–1.00); กรอบสีส้ม = อันดับ 1", fontproperties=fp)
    for lab in cbar.ax.get_yticklabels():
        lab.set_fontproperties(fp_small)
    return fig


def write_heatmap_png(
    alignment: Alignment, path: str | Path, *, framework: str | None = None, dpi: int = 150
) -> Path:
    """Write the heatmap of local strategies × ``framework`` targets as a PNG.

    ``framework`` defaults to ``national`` when the plan was aligned against it.
    A plot that cannot be drawn raises :class:`~plansearch.errors.ReportError` (file
    system problems stay ``OSError``); nothing is left at ``path`` then.

    >>> write_heatmap_png(al, "reports/ยุทธศาสตร์ชาติ.png")  # doctest: +SKIP
    PosixPath('reports/ยุทธศาสตร์ชาติ.png')
    """
    try:
        fig = heatmap_figure(alignment, framework, dpi=dpi)
        return atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=dpi))
    except (PlanSearchError, OSError):
        raise
    except KeyError as exc:  # an unknown framework name
        raise ReportError(
            f"{path}: วาดแผนภาพไม่ได้ / cannot draw the heatmap: no framework {exc}; "
            f"choose one of {', '.join(alignment.framework_names)}"
        ) from exc
    except Exception as exc:
        raise ReportError(
            f"{path}: วาดแผนภาพไม่ได้ / cannot draw the heatmap "
            f"({type(exc).__name__}: {str(exc)[:200]}); the other reports are unaffected"
        ) from exc
