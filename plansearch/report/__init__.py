"""Reports of an alignment: self-contained HTML, Excel workbook, PNG heatmap.

Heavy libraries (openpyxl, matplotlib) load only when a writer is first used. Report
modules never import :mod:`plansearch.alignment` at run time (only its types, for type
checkers), so there is no import cycle with ``Alignment.to_html`` and friends.

>>> from plansearch.report import write_html
>>> write_html(al, "reports/อบต.โขมง.html")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "write_html": "plansearch.report.html",
    "render_html": "plansearch.report.html",
    "write_excel": "plansearch.report.excel",
    "build_workbook": "plansearch.report.excel",
    "write_heatmap_png": "plansearch.report.heatmap",
    "heatmap_figure": "plansearch.report.heatmap",
    "write_csv": "plansearch.report.tables",
    "safe_cell": "plansearch.report.tables",
    "heatmap_matrix": "plansearch.report._common",
    "HeatmapData": "plansearch.report._common",
    "thai_font_path": "plansearch.report.fonts",
    "ThaiFontError": "plansearch.report.fonts",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
