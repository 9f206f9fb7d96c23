"""Reference frameworks: the plans a local plan is aligned *against*.

A framework is a small tree of :class:`Target` nodes (strategies, their
sub-strategies, master plans, milestones, goals…) held in a :class:`Reference`.

Built-in frameworks ship as JSON inside the package (``plansearch/alignment/data``)
and go through the same validating loader as a user's file:

* ``national`` – ยุทธศาสตร์ชาติ (พ.ศ. 2561–2580): 6 strategies, their
  ประเด็นยุทธศาสตร์, and the 23 แผนแม่บทภายใต้ยุทธศาสตร์ชาติ
* ``nesdp13`` – แผนพัฒนาเศรษฐกิจและสังคมแห่งชาติ ฉบับที่ 13: 13 หมุดหมาย in 4 มิติ
* ``nesdp12`` – ฉบับที่ 12: 10 ยุทธศาสตร์
* ``sdg`` – 17 เป้าหมายการพัฒนาที่ยั่งยืน
* ``dla`` – ยุทธศาสตร์กรมส่งเสริมการปกครองท้องถิ่น (พ.ศ. 2560–2569)

User frameworks (provincial, PAO…) come from a JSON, YAML or CSV file
(:func:`load_reference`) or from parsed plan sections
(:func:`reference_from_sections`).

File format (JSON or YAML)::

    format: 1                    # optional; only 1 is understood
    name: chiangmai              # short name, used as the framework key
    title: ยุทธศาสตร์จังหวัดเชียงใหม่   # optional, defaults to name
    level: province              # one of plansearch.LEVELS
    source: แผนพัฒนาจังหวัด พ.ศ. 2566–2570   # optional
    items:
      - id: P1
        title: การพัฒนาเศรษฐกิจ
        text: ส่งเสริมการเกษตร การท่องเที่ยว ...   # optional
        type: strategy           # optional (default "strategy" at the top, "item" below)
        keywords: [ถนน, ประปา]    # optional, extra matching terms
        related: [P2]            # optional, ids of other items
        children:                # optional, same shape, any depth
          - {id: P1.1, title: ส่งเสริมอาชีพ}

CSV: one row per item, header ``id,title,text,parent_id`` (``text`` and
``parent_id`` may be empty; optional columns ``type``, ``keywords`` separated by
``;``, and ``level``). The framework name is the file name without extension.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ReferenceFormatError, UnknownReferenceError
from ..sections import LEVELS, Plan, Section

FORMAT_VERSION = 1

#: Built-in framework name -> data file inside ``plansearch/alignment/data``.
BUILTINS: dict[str, str] = {
    "national": "national.json",
    "nesdp13": "nesdp13.json",
    "nesdp12": "nesdp12.json",
    "sdg": "sdg.json",
    "dla": "dla.json",
    "services": "services.json",
}

#: Largest reference file :func:`load_reference` reads (frameworks are small).
MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 12

_TOP_KEYS = {"format", "name", "title", "level", "source", "items"}
_ITEM_KEYS = {"id", "title", "text", "type", "keywords", "related", "children"}
_CSV_COLUMNS = {"id", "title", "text", "parent_id", "type", "keywords", "level"}
_ID_RE = re.compile(r"^[^\s\x00-\x1f]{1,80}$")

# kinds of plan sections kept by reference_from_sections (projects/indicators are not targets)
_SECTION_KINDS = ("strategy", "goal", "objective", "target", "tactic")

__all__ = [
    "BUILTINS",
    "Reference",
    "Target",
    "available_references",
    "load_reference",
    "reference",
    "reference_from_dict",
    "reference_from_sections",
]


@dataclass(frozen=True)
class Target:
    """One node of a reference framework (a strategy, sub-strategy, master plan, goal…).

    ``children`` holds child ids; ``path`` is the chain of titles from the root,
    joined by `` > ``. ``type`` says what the node is (``strategy``,
    ``sub_strategy``, ``master_plan``, ``dimension``, ``milestone``, ``goal``,
    ``tactic``…). ``keywords`` are extra terms that tell a matcher what local work
    the node covers; ``related`` are ids of other nodes it is also linked to
    (e.g. a master plan's secondary strategy).

    Example::

        >>> from plansearch import reference
        >>> t = reference("national").get("MP03")
        >>> t.title, t.parent_id, t.type
        ('การเกษตร', 'NS2', 'master_plan')
    """

    id: str
    title: str
    text: str
    level: str
    framework: str
    parent_id: str | None = None
    children: tuple[str, ...] = ()
    path: str = ""
    type: str = "item"
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    @property
    def content(self) -> str:
        """Title, description and keywords as one string (what is embedded/matched)."""
        parts = [self.title]
        if self.text and self.text != self.title:
            parts.append(self.text)
        if self.keywords:
            parts.append(" ".join(self.keywords))
        return " ".join(parts)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def to_dict(self) -> dict[str, Any]:
        """Flat record (ids of children, not nested items)."""
        return {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "level": self.level,
            "framework": self.framework,
            "parent_id": self.parent_id,
            "children": list(self.children),
            "path": self.path,
            "type": self.type,
            "keywords": list(self.keywords),
            "related": list(self.related),
        }


@dataclass(frozen=True)
class Reference:
    """A reference framework: named, at one planning level, a forest of :class:`Target`.

    ``items`` lists every node in document (pre-)order.

    Example::

        >>> from plansearch import reference
        >>> ns = reference("national")
        >>> [t.id for t in ns.roots()]
        ['NS1', 'NS2', 'NS3', 'NS4', 'NS5', 'NS6']
        >>> [t.title for t in ns.children("NS2")][:2]
        ['การเกษตรสร้างมูลค่า', 'อุตสาหกรรมและบริการแห่งอนาคต']
    """

    name: str
    title: str
    level: str
    source: str
    items: tuple[Target, ...]
    _by_id: Mapping[str, Target] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.items, tuple):
            object.__setattr__(self, "items", tuple(self.items))
        by_id: dict[str, Target] = {}
        for t in self.items:
            if t.id in by_id:
                raise ValueError(f"duplicate target id {t.id!r} in reference {self.name!r}")
            by_id[t.id] = t
        object.__setattr__(self, "_by_id", by_id)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Target]:
        return iter(self.items)

    def __contains__(self, target_id: object) -> bool:
        return target_id in self._by_id

    def get(self, target_id: str) -> Target | None:
        """The node with that id, or ``None``."""
        return self._by_id.get(target_id)

    def __getitem__(self, target_id: str) -> Target:
        t = self._by_id.get(target_id)
        if t is None:
            raise KeyError(f"{target_id!r} is not in reference {self.name!r}")
        return t

    def roots(self) -> list[Target]:
        """Top-level nodes (e.g. the 6 national strategies), in order."""
        return [t for t in self.items if t.parent_id is None]

    def children(self, target_id: str) -> list[Target]:
        """Direct children of a node, in order (empty for a leaf or unknown id)."""
        t = self._by_id.get(target_id)
        return [self._by_id[c] for c in t.children] if t else []

    def subtree(self, target_id: str) -> list[Target]:
        """The node and all its descendants, in pre-order (empty for an unknown id)."""
        t = self._by_id.get(target_id)
        if t is None:
            return []
        out: list[Target] = []
        stack = [t]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(self._by_id[c] for c in reversed(node.children))
        return out

    def leaves(self) -> list[Target]:
        """Nodes without children, in order."""
        return [t for t in self.items if not t.children]

    def of_type(self, *types: str) -> list[Target]:
        """Nodes of the given type(s), e.g. ``ref.of_type("master_plan")``."""
        return [t for t in self.items if t.type in types]

    def root_of(self, target_id: str) -> Target | None:
        """The top-level ancestor of a node (the node itself for a root)."""
        t = self._by_id.get(target_id)
        while t is not None and t.parent_id is not None:
            t = self._by_id[t.parent_id]
        return t

    def to_dict(self) -> dict[str, Any]:
        """The nested file format that :func:`load_reference` reads back."""

        def node(t: Target) -> dict[str, Any]:
            d: dict[str, Any] = {"id": t.id, "title": t.title}
            if t.text:
                d["text"] = t.text
            d["type"] = t.type
            if t.keywords:
                d["keywords"] = list(t.keywords)
            if t.related:
                d["related"] = list(t.related)
            if t.children:
                d["children"] = [node(self._by_id[c]) for c in t.children]
            return d

        return {
            "format": FORMAT_VERSION,
            "name": self.name,
            "title": self.title,
            "level": self.level,
            "source": self.source,
            "items": [node(t) for t in self.roots()],
        }


# --------------------------------------------------------------------------- building


class _Builder:
    """Validates raw (parsed JSON/YAML) data and builds a :class:`Reference`.

    ``where`` names the file; ``locate`` maps a field path such as
    ``items[3].title`` to a line number when the format can tell.
    """

    def __init__(self, where: str, locate: Callable[[str], int | None] | None = None):
        self.where = where
        self.locate = locate or (lambda _path: None)

    def fail(self, fpath: str, message: str) -> ReferenceFormatError:
        line = self.locate(fpath)
        at = f"{self.where}, line {line}" if line else self.where
        return ReferenceFormatError(f"{at}: {fpath}: {message}")

    def text(self, value: Any, fpath: str, *, required: bool) -> str:
        if value is None:
            if required:
                raise self.fail(fpath, "missing")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(fpath, f"must be text, not {type(value).__name__}")
        s = " ".join(str(value).split())
        if required and not s:
            raise self.fail(fpath, "empty")
        return s

    def build(self, data: Any, *, name: str | None = None, level: str | None = None) -> Reference:
        if not isinstance(data, Mapping):
            raise self.fail(
                "(top)",
                f"expected a mapping with name, level and items, not {type(data).__name__}",
            )
        unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
        if unknown:
            raise self.fail(
                unknown[0], f"unknown field (expected some of {', '.join(sorted(_TOP_KEYS))})"
            )
        fmt = data.get("format", FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            raise self.fail(
                "format",
                f"unsupported format {fmt!r}; this plansearch reads format {FORMAT_VERSION}",
            )
        ref_name = name or self.text(data.get("name"), "name", required=True)
        ref_level = level or self.text(data.get("level"), "level", required=True)
        if ref_level not in LEVELS:
            raise self.fail("level", f"unknown level {ref_level!r}; expected one of {LEVELS}")
        title = self.text(data.get("title"), "title", required=False) or ref_name
        source = self.text(data.get("source"), "source", required=False)
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
            bad = sorted(str(k) for k in raw if k not in _ITEM_KEYS)
            if bad:
                raise self.fail(
                    f"{fpath}.{bad[0]}",
                    f"unknown field (expected some of {', '.join(sorted(_ITEM_KEYS))})",
                )
            tid = self.text(raw.get("id"), f"{fpath}.id", required=True)
            if not _ID_RE.match(tid):
                raise self.fail(
                    f"{fpath}.id", f"{tid!r} is not a valid id (no spaces, at most 80 characters)"
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
        return Reference(ref_name, title, ref_level, source, tuple(out))

    def terms(self, value: Any, fpath: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [v for v in re.split(r"[;,]", value)]
        if not isinstance(value, list):
            raise self.fail(fpath, f"must be a list of text, not {type(value).__name__}")
        out: list[str] = []
        for i, v in enumerate(value):
            s = self.text(v, f"{fpath}[{i}]", required=False)
            if s and s not in out:
                out.append(s)
        return tuple(out)


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
    return _Builder(where).build(data, name=name, level=level)


# --------------------------------------------------------------------------- files


def _decode(raw: bytes, where: str) -> str:
    if not raw.strip():
        raise ReferenceFormatError(
            f"{where}: the file is empty; expected a framework with name, level and items"
        )
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReferenceFormatError(f"{where}: looks like a binary file, not JSON, YAML or CSV")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReferenceFormatError(f"{where}: not valid UTF-16 ({exc.reason})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReferenceFormatError(
            f"{where}, line {line}: not valid UTF-8 (byte {exc.start}); save the file as "
            "UTF-8 (Thai TIS-620/cp874 files must be converted first)"
        ) from exc
    if not text.strip():
        raise ReferenceFormatError(f"{where}: the file is empty")
    return text


def _yaml_locator(text: str) -> Callable[[str], int | None]:
    """Map ``items[3].children[0].title`` to the line where YAML/JSON text has it."""
    lines: dict[str, int] = {}

    def build() -> None:
        import yaml

        try:
            root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            return

        def walk(node: Any, fpath: str) -> None:
            lines.setdefault(fpath or "(top)", node.start_mark.line + 1)
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    key = str(k.value)
                    sub = f"{fpath}.{key}" if fpath else key
                    lines.setdefault(sub, k.start_mark.line + 1)
                    walk(v, sub)
            elif isinstance(node, yaml.SequenceNode):
                for i, v in enumerate(node.value):
                    walk(v, f"{fpath}[{i}]")

        if root is not None:
            walk(root, "")

    built = False

    def locate(fpath: str) -> int | None:
        nonlocal built
        if not built:
            build()
            built = True
        p = fpath
        while p:
            if p in lines:
                return lines[p]
            # fall back to the enclosing item: "items[3].title" -> "items[3]"
            cut = max(p.rfind("."), p.rfind("["))
            p = p[:cut] if cut > 0 else ""
        return lines.get("(top)")

    return locate


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReferenceFormatError(
            f"{where}, line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})"
        ) from exc


def _parse_yaml(text: str, where: str) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        at = f"{where}, line {mark.line + 1}, column {mark.column + 1}" if mark else where
        raise ReferenceFormatError(f"{at}: invalid YAML ({problem})") from exc


def _csv_reference(text: str, where: str, name: str, level: str | None) -> Reference:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise ReferenceFormatError(f"{where}, line 1: cannot read the CSV header ({exc})") from exc
    for col in ("id", "title"):
        if col not in header:
            raise ReferenceFormatError(
                f"{where}, line 1: CSV header lacks the {col!r} column "
                "(expected id,title,text,parent_id)"
            )
    unknown = [h for h in header if h not in _CSV_COLUMNS]
    if unknown:
        raise ReferenceFormatError(
            f"{where}, line 1: unknown CSV column {unknown[0]!r} "
            f"(expected some of {', '.join(sorted(_CSV_COLUMNS))})"
        )
    if len(set(header)) != len(header):
        raise ReferenceFormatError(f"{where}, line 1: a CSV column is repeated")

    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            if not any(c.strip() for c in row):
                continue
            line = reader.line_num
            if len(row) > len(header):
                raise ReferenceFormatError(
                    f"{where}, line {line}: {len(row)} fields but the header has {len(header)}"
                )
            rows.append(
                (line, {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)})
            )
    except csv.Error as exc:
        raise ReferenceFormatError(f"{where}, line {reader.line_num}: bad CSV ({exc})") from exc
    if not rows:
        raise ReferenceFormatError(f"{where}: no items below the CSV header")

    levels = {r["level"] for _, r in rows if r.get("level")}
    if len(levels) > 1:
        raise ReferenceFormatError(f"{where}: the level column has several values {levels}")
    ref_level = level or (levels.pop() if levels else None)
    if not ref_level:
        raise ReferenceFormatError(
            f"{where}: no level: add a 'level' column (e.g. province) or pass level=..."
        )

    # rebuild the nested form, remembering each item's CSV line for error messages
    nodes: dict[str, dict[str, Any]] = {}
    line_of: dict[str, int] = {}
    order: list[tuple[int, dict[str, str]]] = []
    for line, r in rows:
        rid = r["id"]
        if not rid:
            raise ReferenceFormatError(f"{where}, line {line}: id: missing")
        if rid in nodes:
            raise ReferenceFormatError(
                f"{where}, line {line}: duplicate id {rid!r} (first on line {line_of[rid]})"
            )
        if not r["title"]:
            raise ReferenceFormatError(f"{where}, line {line}: title: missing (id {rid!r})")
        node: dict[str, Any] = {"id": rid, "title": r["title"]}
        if r.get("text"):
            node["text"] = r["text"]
        if r.get("type"):
            node["type"] = r["type"]
        if r.get("keywords"):
            node["keywords"] = r["keywords"]
        nodes[rid] = node
        line_of[rid] = line
        order.append((line, r))
    roots: list[dict[str, Any]] = []
    for line, r in order:
        pid = r.get("parent_id", "")
        if not pid:
            roots.append(nodes[r["id"]])
            continue
        if pid not in nodes:
            raise ReferenceFormatError(
                f"{where}, line {line}: parent_id {pid!r} is not the id of any row"
            )
        # a cycle would leave its members unreachable from any root: detected below
        nodes[pid].setdefault("children", []).append(nodes[r["id"]])
    reachable: set[str] = set()
    stack = list(roots)
    while stack:
        n = stack.pop()
        reachable.add(n["id"])
        stack.extend(n.get("children", []))
    for rid, line in line_of.items():
        if rid not in reachable:
            raise ReferenceFormatError(
                f"{where}, line {line}: item {rid!r} is in a parent_id cycle"
            )
    if not roots:
        raise ReferenceFormatError(f"{where}: no row without parent_id (no top-level item)")

    def locate(fpath: str) -> int | None:
        m = re.match(r"^items\[(\d+)\]((?:\.children\[\d+\])*)", fpath)
        if not m:
            return None
        node = roots[int(m.group(1))]
        for idx in re.findall(r"\[(\d+)\]", m.group(2)):
            node = node["children"][int(idx)]
        return line_of.get(node["id"])

    data = {"name": name, "level": ref_level, "items": roots}
    return _Builder(where, locate).build(data)


def load_reference(
    path: str | Path, *, name: str | None = None, level: str | None = None
) -> Reference:
    """Read a user's framework from a ``.json``, ``.yaml``/``.yml`` or ``.csv`` file.

    ``name``/``level`` override the file's own (a CSV takes its name from the file
    name). Malformed input raises :class:`~plansearch.errors.ReferenceFormatError`
    naming the file and the line or field, e.g.
    ``my.yaml, line 7: items[1].title: missing``.

    >>> ref = load_reference("examples/reference_example.yaml")  # doctest: +SKIP
    >>> ref.level, len(ref.roots())                                # doctest: +SKIP
    ('province', 4)
    """
    p = Path(path)
    where = str(p)
    if level is not None and level not in LEVELS:
        raise ReferenceFormatError(f"unknown level {level!r}; expected one of {LEVELS}")
    if not p.exists():
        raise ReferenceFormatError(f"{where}: no such file")
    if p.is_dir():
        raise ReferenceFormatError(f"{where}: is a directory, not a reference file")
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise ReferenceFormatError(
            f"{where}: {size} bytes is too large for a reference framework "
            f"(limit {MAX_BYTES} bytes)"
        )
    text = _decode(p.read_bytes(), where)
    suffix = p.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return _csv_reference(text, where, name or p.stem, level)
    if suffix == ".json":
        data = _parse_json(text, where)
    elif suffix in (".yaml", ".yml"):
        data = _parse_yaml(text, where)
    else:
        raise ReferenceFormatError(
            f"{where}: unknown file type {suffix or '(none)'!r}; use .json, .yaml, .yml or .csv"
        )
    return _Builder(where, _yaml_locator(text)).build(data, name=name, level=level)


# --------------------------------------------------------------------------- built-ins


def available_references() -> list[str]:
    """Names accepted by :func:`reference`.

    >>> available_references()
    ['national', 'nesdp13', 'nesdp12', 'sdg', 'dla', 'services']
    """
    return list(BUILTINS)


@cache
def _load_builtin(name: str) -> Reference:
    filename = BUILTINS[name]
    res = resources.files("plansearch.alignment").joinpath("data", filename)
    where = f"plansearch/alignment/data/{filename}"
    text = _decode(res.read_bytes(), where)
    data = _parse_json(text, where)
    return _Builder(where, _yaml_locator(text)).build(data)


def reference(name: str) -> Reference:
    """A built-in reference framework by name (loaded once, then cached).

    >>> ns = reference("national")
    >>> ns.get("NS1").title
    'ยุทธศาสตร์ชาติด้านความมั่นคง'
    >>> len(reference("sdg").roots())
    17
    """
    if not isinstance(name, str):
        raise TypeError(f"reference name must be str, not {type(name).__name__}")
    key = name.strip().lower()
    if key not in BUILTINS:
        raise UnknownReferenceError(
            f"no built-in reference framework {name!r}; choose one of "
            f"{', '.join(BUILTINS)} (or load your own with load_reference(path))"
        )
    return _load_builtin(key)


# --------------------------------------------------------------------------- from plans


def reference_from_sections(
    sections: Plan | Iterable[Section],
    *,
    name: str,
    level: str,
    title: str | None = None,
    source: str | None = None,
    kinds: Sequence[str] = _SECTION_KINDS,
) -> Reference:
    """Build a framework from parsed plan sections of one ``level``.

    Strategies become the roots; goals, tactics… under them (via ``parent_id``)
    become their children, at any depth. Sections of other levels, of kinds not in
    ``kinds`` (projects, indicators by default), or not under a strategy are left
    out. Ids are the sections' own ids, so results point back to the plan.

    >>> from plansearch import Section
    >>> s = Section.from_text("พัฒนาโครงสร้างพื้นฐาน", kind="strategy", level="pao", id="p1")
    >>> t = Section.from_text("ก่อสร้างถนน", kind="tactic", level="pao", id="p1.1")
    >>> ref = reference_from_sections([s, t.with_(parent_id="p1")], name="pao", level="pao")
    >>> [x.id for x in ref.subtree("p1")]
    ['p1', 'p1.1']
    """
    if level not in LEVELS:
        raise ReferenceFormatError(f"unknown level {level!r}; expected one of {LEVELS}")
    every = list(sections)
    secs = [s for s in every if s.level == level and s.kind in kinds]
    by_id = {s.id: s for s in secs}
    kids: dict[str, list[Section]] = {}
    for s in secs:
        if s.parent_id is not None and s.parent_id in by_id:
            kids.setdefault(s.parent_id, []).append(s)
    roots = [s for s in secs if s.kind == "strategy" and s.parent_id not in by_id]
    if not roots:
        have = sorted({s.level for s in every if s.kind == "strategy"})
        hint = f" (the input has levels {have})" if have else ""
        raise ReferenceFormatError(
            f"no strategy sections of level {level!r} to build reference {name!r} from{hint}"
        )

    done: set[str] = set()

    def node(s: Section) -> dict[str, Any]:
        done.add(s.id)
        d: dict[str, Any] = {"id": s.id, "title": s.title or s.text[:120], "type": s.kind}
        if s.text and s.text != s.title:
            d["text"] = s.text
        children = [node(c) for c in kids.get(s.id, []) if c.id not in done]
        if children:
            d["children"] = children
        return d

    items = [node(s) for s in roots if s.id not in done]
    data = {
        "name": name,
        "level": level,
        "title": title or name,
        "source": source or "",
        "items": items,
    }
    return _Builder(f"sections of {name!r}").build(data)
