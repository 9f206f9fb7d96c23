"""Reports of an alignment: self-contained HTML, Excel workbook, CSV table, PNG heatmap.

Every writer takes an :class:`~plansearch.Alignment`; :func:`write_report` picks one by
the file's suffix. Heavy libraries (openpyxl, matplotlib) load only when a writer is
first used. Report modules read the alignment's types only for type checkers, and the
alignment never imports the reports: the dependency runs one way.

>>> from plansearch import write_report
>>> write_report(al, "reports/อบต.โขมง.html")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..alignment.results import Alignment

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

__all__ = sorted([*_EXPORTS, "REPORT_FORMATS", "write_report"])

#: File suffix → (module, writer) of :func:`write_report`.
REPORT_FORMATS: dict[str, tuple[str, str]] = {
    ".html": ("plansearch.report.html", "write_html"),
    ".xlsx": ("plansearch.report.excel", "write_excel"),
    ".csv": ("plansearch.report.tables", "write_csv"),
    ".png": ("plansearch.report.heatmap", "write_heatmap_png"),
    ".json": ("", "to_json"),
}


def write_report(alignment: Alignment, path: str | Path, *, format: str | None = None) -> Path:
    """Write ``alignment`` as a report; ``format`` (``"html"``, ``"xlsx"``, ``"csv"``,
    ``"png"``, ``"json"``) defaults to the suffix of ``path``.

    >>> write_report(al, "reports/ความเชื่อมโยง.xlsx")  # doctest: +SKIP
    PosixPath('reports/ความเชื่อมโยง.xlsx')
    """
    p = Path(path)
    suffix = f".{format.lower().lstrip('.')}" if format else p.suffix.lower()
    entry = REPORT_FORMATS.get(suffix)
    if entry is None:
        raise ValueError(
            f"รูปแบบรายงานไม่รองรับ / unknown report format {suffix or '(none)'!r}; use one of "
            f"{', '.join(s.lstrip('.') for s in REPORT_FORMATS)}"
        )
    module, name = entry
    if not module:  # the alignment's own JSON
        alignment.to_json(p)
        return p
    writer = getattr(importlib.import_module(module), name)
    out: Path = writer(alignment, p)
    return out


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
