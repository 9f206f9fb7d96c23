"""Validation: raw (parsed JSON/YAML/CSV) data → a checked :class:`Reference`.

Every problem is a :class:`~plansearch.errors.ReferenceFormatError` naming the file,
the line when the format can tell, and the field (``items[3].children[0].title``).
Hostile shapes — nesting thousands of levels deep, a YAML alias that contains
itself, alias chains that expand to billions of nodes, numbers with thousands of
digits — are refused by :func:`check_shape` before anything walks them recursively.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ReferenceFormatError
from ..sections import LEVELS
from .model import FORMAT_VERSION, Reference, Target

#: Deepest item nesting (a strategy's children's children…) a framework may have.
MAX_DEPTH = 12
#: Deepest nesting of JSON/YAML containers (lists and mappings) anywhere in a file.
MAX_NESTING = 4 * MAX_DEPTH + 8
#: Most values a file may hold once YAML aliases are expanded.
MAX_VALUES = 2_000_000
#: Longest number accepted where text is expected (digits).
MAX_NUMBER_DIGITS = 40

#: Top-level fields of a framework file (``role``, ``root_type``, ``linkage``, ``default``,
#: ``derived_from``/``companion_of`` and ``anchored_to`` are optional metadata, see
#: ``registry``).
TOP_KEYS = frozenset(
    {
        "format",
        "name",
        "title",
        "level",
        "source",
        "items",
        "root_type",
        "role",
        "linkage",
        "default",
        "derived_from",
        "companion_of",
        "anchored_to",
    }
)
#: The optional metadata fields among them (used by ``registry`` for built-ins only).
METADATA_KEYS = ("role", "derived_from", "companion_of", "anchored_to")
#: Fields of the optional ``linkage`` mapping: where the framework sits in the ผ.02 form.
LINKAGE_KEYS = {"letter": str, "heading": str, "column": str, "order": int}
ITEM_KEYS = frozenset({"id", "title", "text", "type", "keywords", "related", "children"})
_ID_RE = re.compile(r"^[^\s\x00-\x1f]{1,80}$")

Locator = Callable[[str], "int | None"]


def _where(where: str, locate: Locator | None, fpath: str) -> str:
    line = locate(fpath) if locate else None
    return f"{where}, line {line}" if line else where


def check_shape(data: Any, where: str, locate: Locator | None = None) -> None:
    """Refuse containers nested deeper than :data:`MAX_NESTING`, containers that contain
    themselves (recursive YAML aliases) and more than :data:`MAX_VALUES` values.

    Walks iteratively, so no input can exhaust the Python stack.

    >>> loop: list = []
    >>> loop.append(loop)
    >>> check_shape({"items": loop}, "demo.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    plansearch.errors.ReferenceFormatError: demo.yaml: items[0]: contains itself ...
    """
    on_path: set[int] = set()
    count = 0
    # (value, field path, depth, leaving?) — "leaving" pops the container off the path
    stack: list[tuple[Any, str, int, bool]] = [(data, "", 0, False)]
    while stack:
        value, fpath, depth, leaving = stack.pop()
        if leaving:
            on_path.discard(id(value))
            continue
        count += 1
        if count > MAX_VALUES:
            raise ReferenceFormatError(
                f"{where}: more than {MAX_VALUES} values (YAML aliases expanding without "
                "end?); write the framework out without aliases"
            )
        if not isinstance(value, (Mapping, list, tuple)):
            continue
        here = fpath or "(top)"
        if id(value) in on_path:
            raise ReferenceFormatError(
                f"{_where(where, locate, here)}: {here}: contains itself (a recursive "
                "YAML alias); write the items out"
            )
        if depth >= MAX_NESTING:
            raise ReferenceFormatError(
                f"{_where(where, locate, here)}: {here}: nested deeper than {MAX_NESTING} "
                f"levels (items may nest at most {MAX_DEPTH} levels)"
            )
        on_path.add(id(value))
        stack.append((value, fpath, depth, True))
        if isinstance(value, Mapping):
            for k, v in value.items():
                key = str(k) if isinstance(k, (str, int, float, bool)) else type(k).__name__
                stack.append((v, f"{fpath}.{key}" if fpath else key, depth + 1, False))
        else:
            for i, v in enumerate(value):
                stack.append((v, f"{fpath}[{i}]", depth + 1, False))


def check_linkage(data: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> None:
    """``linkage`` is a mapping of :data:`LINKAGE_KEYS` (text, and a whole-number
    ``order``) and ``default`` is true or false, when present."""
    default = data.get("default")
    if default is not None and not isinstance(default, bool):
        raise fail("default", "must be true or false")
    linkage = data.get("linkage")
    if linkage is None:
        return
    if not isinstance(linkage, Mapping):
        raise fail("linkage", f"must be a mapping, not {type(linkage).__name__}")
    for key, value in linkage.items():
        want = LINKAGE_KEYS.get(str(key))
        if want is None:
            raise fail(f"linkage.{key}", f"unknown field (expected some of {sorted(LINKAGE_KEYS)})")
        ok = (
            isinstance(value, int) and not isinstance(value, bool)
            if want is int
            else isinstance(value, str) and bool(value.strip())
        )
        if not ok:
            kind = "a whole number" if want is int else "non-empty text"
            raise fail(f"linkage.{key}", f"must be {kind}")


class ReferenceBuilder:
    """Validates raw (parsed JSON/YAML) data and builds a :class:`Reference`.

    ``where`` names the file; ``locate`` maps a field path such as
    ``items[3].title`` to a line number when the format can tell.
    """

    def __init__(self, where: str, locate: Locator | None = None):
        self.where = where
        self.locate: Locator = locate or (lambda _path: None)

    def fail(self, fpath: str, message: str) -> ReferenceFormatError:
        return ReferenceFormatError(f"{_where(self.where, self.locate, fpath)}: {fpath}: {message}")

    def text(self, value: Any, fpath: str, *, required: bool) -> str:
        if value is None:
            if required:
                raise self.fail(fpath, "missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(fpath, f"must be text, not {type(value).__name__}")
        if isinstance(value, int) and value.bit_length() > 3.33 * MAX_NUMBER_DIGITS:
            raise self.fail(fpath, f"a number of more than {MAX_NUMBER_DIGITS} digits")
        s = " ".join(str(value).split())
        if required and not s:
            raise self.fail(fpath, "empty")
        return s

    def terms(self, value: Any, fpath: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = re.split(r"[;,]", value)
        if not isinstance(value, list):
            raise self.fail(fpath, f"must be a list of text, not {type(value).__name__}")
        out: list[str] = []
        for i, v in enumerate(value):
            s = self.text(v, f"{fpath}[{i}]", required=False)
            if s and s not in out:
                out.append(s)
        return tuple(out)

    def build(self, data: Any, *, name: str | None = None, level: str | None = None) -> Reference:
        if not isinstance(data, Mapping):
            raise self.fail(
                "(top)",
                f"expected a mapping with name, level and items, not {type(data).__name__}",
            )
        check_shape(data, self.where, self.locate)
        unknown = sorted(str(k) for k in data if k not in TOP_KEYS)
        if unknown:
            raise self.fail(
                unknown[0], f"unknown field (expected some of {', '.join(sorted(TOP_KEYS))})"
            )
        fmt = data.get("format", FORMAT_VERSION)
        if isinstance(fmt, bool) or fmt != FORMAT_VERSION:
            shown = repr(fmt)[:40]
            raise self.fail(
                "format",
                f"unsupported format {shown}; this plansearch reads format {FORMAT_VERSION}",
            )
        ref_name = name or self.text(data.get("name"), "name", required=True)
        ref_level = level or self.text(data.get("level"), "level", required=True)
        if ref_level not in LEVELS:
            raise self.fail("level", f"unknown level {ref_level[:80]!r}; expected one of {LEVELS}")
        title = self.text(data.get("title"), "title", required=False) or ref_name
        source = self.text(data.get("source"), "source", required=False)
        root_type = self.text(data.get("root_type"), "root_type", required=False) or None
        for key in METADATA_KEYS:  # read by the built-ins' registry; text when present
            self.text(data.get(key), key, required=False)
        check_linkage(data, self.fail)
        items = data.get("items")
        if items is None:
            raise self.fail("items", "missing")
        if not isinstance(items, list):
            raise self.fail("items", f"must be a list, not {type(items).__name__}")
        if not items:
            raise self.fail("items", "empty: a framework needs at least one item")

        out: list[Target] = []
        seen: dict[str, str] = {}
        related_at: list[tuple[str, str, tuple[str, ...]]] = []

        def walk(raw: Any, fpath: str, parent: Target | None, parent_path: str, depth: int) -> str:
            if depth > MAX_DEPTH:
                raise self.fail(fpath, f"nested deeper than {MAX_DEPTH} levels")
            if not isinstance(raw, Mapping):
                raise self.fail(
                    fpath, f"must be a mapping with id and title, not {type(raw).__name__}"
                )
            bad = sorted(str(k) for k in raw if k not in ITEM_KEYS)
            if bad:
                raise self.fail(
                    f"{fpath}.{bad[0]}",
                    f"unknown field (expected some of {', '.join(sorted(ITEM_KEYS))})",
                )
            tid = self.text(raw.get("id"), f"{fpath}.id", required=True)
            if not _ID_RE.match(tid):
                raise self.fail(
                    f"{fpath}.id",
                    f"{tid[:80]!r} is not a valid id (no spaces, at most 80 characters)",
                )
            if tid in seen:
                raise self.fail(f"{fpath}.id", f"duplicate id {tid!r} (also at {seen[tid]})")
            seen[tid] = fpath
            title = self.text(raw.get("title"), f"{fpath}.title", required=True)
            text = self.text(raw.get("text"), f"{fpath}.text", required=False)
            ttype = self.text(raw.get("type"), f"{fpath}.type", required=False) or (
                "strategy" if parent is None else "item"
            )
            keywords = self.terms(raw.get("keywords"), f"{fpath}.keywords")
            related = self.terms(raw.get("related"), f"{fpath}.related")
            if related:
                related_at.append((tid, f"{fpath}.related", related))
            kids = raw.get("children")
            if kids is not None and not isinstance(kids, list):
                raise self.fail(f"{fpath}.children", f"must be a list, not {type(kids).__name__}")
            path = f"{parent_path} > {title}" if parent_path else title
            index = len(out)
            out.append(Target(tid, title, text, ref_level, ref_name, None, (), path, ttype))
            child_ids = tuple(
                walk(k, f"{fpath}.children[{i}]", out[index], path, depth + 1)
                for i, k in enumerate(kids or [])
            )
            out[index] = Target(
                id=tid,
                title=title,
                text=text,
                level=ref_level,
                framework=ref_name,
                parent_id=parent.id if parent else None,
                children=child_ids,
                path=path,
                type=ttype,
                keywords=keywords,
                related=related,
            )
            return tid

        for i, raw in enumerate(items):
            walk(raw, f"items[{i}]", None, "", 1)
        for tid, fpath, related in related_at:
            for r in related:
                if r not in seen:
                    raise self.fail(fpath, f"{r!r} is not the id of any item")
                if r == tid:
                    raise self.fail(fpath, f"item {tid!r} cannot be related to itself")
        if root_type is not None and not any(t.type == root_type for t in out):
            raise self.fail("root_type", f"no item has type {root_type!r}")
        return Reference(ref_name, title, ref_level, source, tuple(out), root_type)


def reference_from_dict(
    data: Mapping[str, Any],
    *,
    where: str = "<dict>",
    name: str | None = None,
    level: str | None = None,
) -> Reference:
    """Build a :class:`Reference` from the nested mapping format (validated).

    >>> ref = reference_from_dict({"name": "demo", "level": "province",
    ...     "items": [{"id": "P1", "title": "พัฒนาเศรษฐกิจ"}]})
    >>> ref.get("P1").title
    'พัฒนาเศรษฐกิจ'
    """
    return ReferenceBuilder(where).build(data, name=name, level=level)
