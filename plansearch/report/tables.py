"""Spreadsheet-safe text and the CSV export of an alignment.

Plan and framework text is untrusted: a passage that starts with ``=``, ``+``, ``-``,
``@`` (or their full-width forms ``＝＋－＠``), a tab or a carriage return would be
read by Excel, LibreOffice or Google Sheets as a formula (``=HYPERLINK(…)``,
``=cmd|…``). Every text cell of a CSV export goes through :func:`safe_cell`, which
prefixes such text with an apostrophe, the spreadsheet convention for "this is text".
The Excel writer stores text cells as strings (never formulas) and marks the same
cells with Excel's quote prefix.

>>> safe_cell("=1+1"), safe_cell("  +ส่งเสริม"), safe_cell("ส่งเสริม = พัฒนา")
("'=1+1", "'  +ส่งเสริม", 'ส่งเสริม = พัฒนา')
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._common import atomic_write

if TYPE_CHECKING:
    from ..alignment.results import Alignment

#: First characters (after leading whitespace) that make a spreadsheet read a formula.
FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20\u2212")
#: Control characters that start a formula-like cell even before other text.
_CONTROL_START = ("\t", "\r", "\n")

#: Columns of an empty CSV export (no matches).
EMPTY_COLUMNS = ("item_id", "framework", "target_id", "score")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula.

    >>> is_formula_like("@SUM(A1)"), is_formula_like("＝1+1"), is_formula_like("1.1 ถนน")
    (True, True, False)
    """
    if not text:
        return False
    if text.startswith(_CONTROL_START):
        return True
    stripped = text.lstrip()
    return bool(stripped) and stripped[0] in FORMULA_START


def safe_cell(value: Any) -> Any:
    """``value`` with formula-like text prefixed by ``'``; other values unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def write_csv(alignment: Alignment, path: str | Path) -> Path:
    """One row per (item, framework, ranked target), UTF-8 with BOM so Excel reads Thai.

    Text cells are made formula-safe (:func:`safe_cell`); the file is written atomically.
    """
    rows = alignment.to_records()
    cols = list(rows[0]) if rows else list(EMPTY_COLUMNS)

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([safe_cell(c) for c in cols])
            for row in rows:
                w.writerow([safe_cell(row.get(c)) for c in cols])

    return atomic_write(path, write)
