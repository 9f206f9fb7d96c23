"""Reports of an alignment: self-contained HTML, Excel workbook, PNG heatmap."""

from __future__ import annotations

__all__ = ["write_excel", "write_heatmap_png", "write_html"]


def __getattr__(name: str) -> object:
    if name == "write_html":
        from .html import write_html

        return write_html
    if name == "write_excel":
        from .excel import write_excel

        return write_excel
    if name == "write_heatmap_png":
        from .heatmap import write_heatmap_png

        return write_heatmap_png
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
