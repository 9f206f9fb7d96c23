"""Metadata filters (``where=``) evaluated as vectorised boolean masks.

Each filterable field is stored column-wise as integer codes into a small table of
distinct values, so a filter over millions of sections is one ``np.isin`` per field —
no per-section Python loop at query time.

>>> cols = MetadataColumns()
>>> cols.extend([{"org": "อบต.โขมง", "kind": "goal"}, {"org": "อบต.หนองฮาง", "kind": "tactic"}])
>>> cols.mask({"org": "อบต.โขมง"}).tolist()
[True, False]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ..errors import InputError
from ..parse.identity import canonical_org
from ..sections import KINDS, LEVELS

#: Fields that ``where=`` accepts (all are attributes of :class:`~plansearch.Section`).
FILTER_FIELDS: tuple[str, ...] = ("org", "province", "level", "kind", "source")
#: Fields with a fixed set of values: anything else in ``where=`` is an error, not "no hits".
CLOSED_FIELDS: dict[str, tuple[str, ...]] = {"level": LEVELS, "kind": KINDS}

Where = Mapping[str, "str | Iterable[str] | None"]


def normalise_where(where: Mapping[str, Any] | None) -> dict[str, frozenset[str | None]]:
    """Validate a ``where`` dict and turn every value into a set of allowed values.

    Values may be a string or a list/tuple/set of strings (any of them matches).
    ``None`` as a value matches sections where the field is unset. ``level`` and
    ``kind`` only take their known values (anything else raises :class:`InputError`
    listing them); ``org`` and ``province`` match in any common spelling
    (``อบต.X`` / ``องค์การบริหารส่วนตำบลX``, ``จังหวัดเลย`` / ``จ.เลย`` / ``เลย``).

    >>> normalise_where({"kind": ["goal", "tactic"], "level": "local"})["level"]
    frozenset({'local'})
    """
    if where is None:
        return {}
    if not isinstance(where, Mapping):
        raise InputError(
            f"where must be a dict like {{'org': ..., 'kind': ['goal', 'tactic']}}, "
            f"not {type(where).__name__}"
        )
    out: dict[str, frozenset[str | None]] = {}
    for key, value in where.items():
        if key not in FILTER_FIELDS:
            raise InputError(
                f"unknown filter field {key!r} in where=; use one of {', '.join(FILTER_FIELDS)}"
            )
        if value is None or isinstance(value, str):
            values: frozenset[str | None] = frozenset([value])
        elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
            items = list(value)
            bad = [v for v in items if v is not None and not isinstance(v, str)]
            if bad:
                raise InputError(f"where[{key!r}] must contain strings, got {bad[0]!r}")
            if not items:
                raise InputError(f"where[{key!r}] is an empty list: it would match nothing")
            values = frozenset(items)
        else:
            raise InputError(
                f"where[{key!r}] must be a string or a list of strings, not {type(value).__name__}"
            )
        if key in CLOSED_FIELDS:
            values = frozenset(_closed_value(key, v) for v in values)
        elif key in CANONICAL:  # "อบต.โขมง" = "องค์การบริหารส่วนตำบลโขมง", "จ.เลย" = "เลย"
            values = frozenset(CANONICAL[key](v) if v is not None else None for v in values)
        out[key] = values
    return out


def _closed_value(field: str, value: str | None) -> str | None:
    """A ``level``/``kind`` filter value, checked against the values sections can have."""
    if value is None:
        return None
    allowed = CLOSED_FIELDS[field]
    clean = value.strip().lower()
    if clean not in allowed:
        raise InputError(
            f"ไม่รู้จักค่า {field} {value!r} / unknown {field} {value!r} in where=; "
            f"use one of {', '.join(allowed)}"
        )
    return clean


#: Common ways of writing a province that mean the same one.
_PROVINCE_ALIASES: dict[str, str] = {
    "กรุงเทพ": "กรุงเทพมหานคร",
    "กรุงเทพฯ": "กรุงเทพมหานคร",
    "กทม": "กรุงเทพมหานคร",
    "กทม.": "กรุงเทพมหานคร",
}
_PROVINCE_PREFIX = re.compile(r"^(?:จังหวัด|จ\s*\.)\s*")


def canonical_province(name: str) -> str:
    """A province name without ``จังหวัด`` / ``จ.`` and spaces, so every spelling matches.

    >>> [canonical_province(p) for p in ("จังหวัดเลย", "จ.เลย", "จ. เลย", " เลย ")]
    ['เลย', 'เลย', 'เลย', 'เลย']
    >>> canonical_province("กทม.")
    'กรุงเทพมหานคร'
    """
    text = "".join(str(name).split())
    text = _PROVINCE_PREFIX.sub("", text) or text
    return _PROVINCE_ALIASES.get(text, text)


#: Open fields whose values are compared in one canonical spelling.
CANONICAL: dict[str, Callable[[str], str]] = {
    "org": canonical_org,
    "province": canonical_province,
}


class RowSet:
    """A set of allowed row numbers out of ``size`` rows: what a filter hands a backend.

    Backends take whichever form suits them — a boolean :attr:`mask` (FAISS bitmap
    selector, BM25) or the sorted :attr:`ids` (an ``IN`` list for a database) — and
    each form is computed once, on first use.

    >>> rows = RowSet.from_ids([4, 1], size=6)
    >>> rows.mask.tolist(), len(rows), 4 in rows
    ([False, True, False, False, True, False], 2, True)
    """

    __slots__ = ("_count", "_ids", "_mask", "size")

    def __init__(
        self, size: int, *, mask: np.ndarray | None = None, ids: np.ndarray | None = None
    ) -> None:
        if (mask is None) == (ids is None):
            raise ValueError("give exactly one of mask= or ids=")
        self.size = int(size)
        self._mask = mask
        self._ids = ids
        self._count: int | None = None

    @classmethod
    def from_mask(cls, mask: np.ndarray) -> RowSet:
        m = np.asarray(mask, dtype=bool).reshape(-1)
        return cls(len(m), mask=m)

    @classmethod
    def from_ids(cls, ids: Iterable[int] | np.ndarray, *, size: int) -> RowSet:
        arr = np.unique(np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids))
        arr = arr.astype(np.int64)
        if len(arr) and (arr[0] < 0 or arr[-1] >= size):
            raise ValueError(f"row ids must lie in [0, {size})")
        return cls(size, ids=arr)

    @property
    def mask(self) -> np.ndarray:
        """Boolean array of length :attr:`size`, ``True`` where a row is allowed."""
        if self._mask is None:
            m = np.zeros(self.size, dtype=bool)
            m[self._ids] = True
            self._mask = m
        return self._mask

    @property
    def ids(self) -> np.ndarray:
        """The allowed row numbers, sorted, ``int64``."""
        if self._ids is None:
            assert self._mask is not None  # exactly one form is given at construction
            self._ids = np.flatnonzero(self._mask).astype(np.int64)
        return self._ids

    def __len__(self) -> int:
        if self._count is None:
            self._count = len(self._ids) if self._ids is not None else int(self.mask.sum())
        return self._count

    def __contains__(self, row: object) -> bool:
        if not isinstance(row, int | np.integer) or not 0 <= int(row) < self.size:
            return False
        return bool(self.mask[int(row)])

    def __repr__(self) -> str:
        return f"RowSet({len(self)} of {self.size} rows)"


class MetadataColumns:
    """Column store of the filterable fields: one ``int32`` code array per field."""

    def __init__(self) -> None:
        self._values: dict[str, list[str | None]] = {f: [] for f in FILTER_FIELDS}
        self._lookup: dict[str, dict[str | None, int]] = {f: {} for f in FILTER_FIELDS}
        self._codes: dict[str, np.ndarray] = {f: np.zeros(0, dtype=np.int32) for f in FILTER_FIELDS}

    def __len__(self) -> int:
        return len(self._codes[FILTER_FIELDS[0]])

    def _code(self, field: str, value: str | None) -> int:
        table = self._lookup[field]
        code = table.get(value)
        if code is None:
            code = len(self._values[field])
            table[value] = code
            self._values[field].append(value)
        return code

    def extend(self, records: Iterable[Any]) -> None:
        """Append rows (dicts or objects with the filter fields as attributes)."""
        recs = list(records)
        for field in FILTER_FIELDS:
            new = np.fromiter(
                (self._code(field, _get(r, field)) for r in recs), dtype=np.int32, count=len(recs)
            )
            self._codes[field] = np.concatenate([self._codes[field], new])

    def set_rows(self, positions: np.ndarray, records: Iterable[Any]) -> None:
        """Overwrite rows at ``positions`` (used when a section is replaced)."""
        recs = list(records)
        for field in FILTER_FIELDS:
            self._codes[field][positions] = [self._code(field, _get(r, field)) for r in recs]

    def mask(self, where: Mapping[str, Any] | None) -> np.ndarray | None:
        """Boolean mask of rows matching ``where`` (AND across fields), or ``None`` = all."""
        return self.mask_of(normalise_where(where))

    def mask_of(self, spec: Mapping[str, frozenset[str | None]]) -> np.ndarray | None:
        """:meth:`mask` of an already normalised ``where`` (:func:`normalise_where`)."""
        if not spec:
            return None
        mask = np.ones(len(self), dtype=bool)
        for field, allowed in spec.items():
            table = self._lookup[field]
            codes = np.array([table[v] for v in allowed if v in table], dtype=np.int32)
            mask &= np.isin(self._codes[field], codes)
        return mask

    def select(self, where: Mapping[str, Any] | None) -> RowSet | None:
        """The rows matching ``where`` as a :class:`RowSet`, or ``None`` = every row."""
        return self.select_of(normalise_where(where))

    def select_of(self, spec: Mapping[str, frozenset[str | None]]) -> RowSet | None:
        """:meth:`select` of an already normalised ``where``."""
        mask = self.mask_of(spec)
        return None if mask is None else RowSet.from_mask(mask)

    def values(self, field: str) -> list[str | None]:
        """Distinct values seen for ``field`` (e.g. every organisation in the index)."""
        return list(self._values[field])


def _get(record: Any, field: str) -> Any:
    value = record.get(field) if isinstance(record, Mapping) else getattr(record, field, None)
    if field in CANONICAL and isinstance(value, str):
        return CANONICAL[field](value)
    return value
