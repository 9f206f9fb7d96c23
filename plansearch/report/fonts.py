"""Find the Thai font shipped by a PyPI package and register it with matplotlib.

The PNG heatmap needs a font with Thai glyphs, otherwise matplotlib draws "tofu"
boxes. ``fontpkg-noto-sans-thai`` (a dependency) ships Noto Sans Thai as a .ttf inside
the package, so nothing is downloaded at run time.

>>> from plansearch.report.fonts import thai_font_path
>>> thai_font_path().name  # doctest: +SKIP
'NotoSansThai[wdth,wght].ttf'
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PlanSearchError

if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties

FONT_PACKAGE = "fontpkg_noto_sans_thai"
FONT_PIP_NAME = "fontpkg-noto-sans-thai"


class ThaiFontError(PlanSearchError):
    """No Thai font could be found in the installed font package."""


def _candidates(folder: Path) -> list[Path]:
    fonts = [p for p in folder.rglob("*") if p.suffix.lower() in (".ttf", ".otf")]

    # Prefer a plain (non-italic, non-condensed) file; variable fonts are fine.
    def rank(p: Path) -> tuple[int, int, str]:
        n = p.name.lower()
        return ("italic" in n, any(w in n for w in ("condensed", "bold", "light")), n)

    return sorted(fonts, key=rank)


@functools.lru_cache(maxsize=1)
def thai_font_path() -> Path:
    """Path of the packaged Thai font file (.ttf/.otf).

    Raises :class:`ThaiFontError` naming the package to install when it is missing.
    """
    try:
        import fontpkg_noto_sans_thai as pkg
    except ImportError:
        raise ThaiFontError(
            f"the Thai font package is not installed; run `pip install {FONT_PIP_NAME}`"
        ) from None
    roots = [Path(pkg.__file__).resolve().parent]
    root = getattr(pkg, "ROOT", None)
    if root is not None and Path(root) not in roots:
        roots.insert(0, Path(root))
    for folder in roots:
        found = _candidates(folder)
        if found:
            return found[0]
    raise ThaiFontError(
        f"no .ttf/.otf file found in {roots[0]}; reinstall it with "
        f"`pip install --force-reinstall {FONT_PIP_NAME}`"
    )


@functools.lru_cache(maxsize=1)
def register_thai_font() -> str:
    """Add the packaged Thai font to matplotlib's font manager; return its family name.

    Only adds a font (matplotlib's rcParams are left as they are).
    """
    from matplotlib import font_manager

    path = thai_font_path()
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def thai_font_properties(size: float | None = None) -> FontProperties:
    """``FontProperties`` that point at the packaged Thai font file."""
    from matplotlib.font_manager import FontProperties

    register_thai_font()
    return FontProperties(fname=str(thai_font_path()), size=size)
