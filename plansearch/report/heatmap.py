"""PNG heatmap of local strategies × targets, with Thai labels that render (no tofu).

Uses the Thai font shipped in the ``fontpkg-noto-sans-thai`` package (see
:mod:`.fonts`), matplotlib's non-interactive Agg canvas (no global backend switch).

>>> al.heatmap_png("reports/khamong.png", framework="national")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from ._common import atomic_write, heatmap_matrix

if TYPE_CHECKING:
    from ..alignment.results import Alignment

#: Longest label (characters) before it is cut with "…".
MAX_LABEL = 60


def _label(text: str, width: int) -> str:
    """Cut to :data:`MAX_LABEL` and wrap at Thai word boundaries (never inside a
    syllable, which would strand a vowel or tone mark at the start of a line)."""
    from pythainlp.tokenize import word_tokenize

    words = word_tokenize(" ".join(text.split()), engine="newmm", keep_whitespace=True)
    lines: list[str] = []
    cur, total = "", 0
    for w in words:
        if total + len(w) > MAX_LABEL:
            cur += "…"
            break
        total += len(w)
        if cur and len(cur) + len(w) > width:
            lines.append(cur.rstrip())
            cur = w.lstrip()
        else:
            cur += w
    lines.append(cur.rstrip())
    return "\n".join(x for x in lines if x) or "-"


def write_heatmap_png(
    alignment: Alignment, path: str | Path, *, framework: str | None = None, dpi: int = 120
) -> Path:
    """Draw the heatmap of ``framework`` (default: national) to a PNG file."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .fonts import thai_font_properties

    hm = heatmap_matrix(alignment, framework)
    font = thai_font_properties(9)
    title_font = thai_font_properties(12)
    rows, cols = hm.shape
    values = np.array(hm.values, dtype=float).reshape(rows, cols) if rows else np.zeros((0, cols))
    width = min(3.0 + 1.1 * max(cols, 1), 30.0)
    height = min(2.0 + 0.55 * max(rows, 1), 40.0)
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(111)
    shown = np.where(np.isnan(values), 0.0, values) if rows else np.zeros((1, max(cols, 1)))
    im = ax.imshow(shown, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(cols))
    ax.set_xticklabels(
        [_label(f"{i} {t}", 16) for i, t in zip(hm.col_ids, hm.col_labels, strict=True)],
        fontproperties=font,
        rotation=0,
    )
    ax.set_yticks(range(rows))
    ax.set_yticklabels([_label(t, 40) for t in hm.row_labels], fontproperties=font)
    for r in range(rows):
        for c in range(cols):
            v = values[r, c]
            if not math.isnan(v):
                ax.text(
                    c,
                    r,
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if v > 0.55 else "#1f2328",
                )
    ax.set_title(_label(f"ยุทธศาสตร์ท้องถิ่น × {hm.framework_title}", 80), fontproperties=title_font)
    cbar = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cbar.set_label("คะแนนความสอดคล้อง (0–1)", fontproperties=font)
    fig.tight_layout()
    return atomic_write(path, lambda p: fig.savefig(str(p), format="png"))
