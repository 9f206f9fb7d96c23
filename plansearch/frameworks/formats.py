"""Reading framework files: one reader per format (JSON, YAML, CSV), one entry point.

Every reader has the same shape, ``read(text, where, name, level) -> Reference``,
and is listed in :data:`READERS` by file suffix; :func:`load_reference` decodes the
bytes, picks the reader and turns every failure into a
:class:`~plansearch.errors.ReferenceFormatError` naming the file and the line.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ReferenceFormatError
from ..limits import check_archive
from ..sections import LEVELS
from .model import Reference
from .validate import MAX_DEPTH, ReferenceBuilder

#: Largest reference file :func:`load_reference` reads (frameworks are small).
MAX_BYTES = 20 * 1024 * 1024

CSV_COLUMNS = frozenset({"id", "title", "text", "parent_id", "type", "keywords", "level"})

#: ``read(text, where, name, level)``: ``where`` names the source (a path), ``name`` and
#: ``level`` override the file's own when given.
Reader = Callable[[str, str, "str | None", "str | None"], Reference]


def decode(raw: bytes, where: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 text of a framework file."""
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


def _yaml_loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_locator(text: str) -> Callable[[str], int | None]:
    """Map ``items[3].children[0].title`` to the line where YAML/JSON text has it.

    Built on first use from the YAML node graph, each node visited once (aliases and
    recursive aliases cannot make it loop); a text it cannot compose locates nothing.
    """
    lines: dict[str, int] = {}

    def build() -> None:
        import yaml

        try:
            root = yaml.compose(text, Loader=_yaml_loader())
        except (yaml.YAMLError, ValueError, RecursionError, MemoryError):
            return
        if root is None:
            return
        seen: set[int] = set()
        stack: list[tuple[Any, str]] = [(root, "")]
        while stack:
            node, fpath = stack.pop()
            lines.setdefault(fpath or "(top)", node.start_mark.line + 1)
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    key = str(k.value) if isinstance(k, yaml.ScalarNode) else "?"
                    sub = f"{fpath}.{key}" if fpath else key
                    lines.setdefault(sub, k.start_mark.line + 1)
                    stack.append((v, sub))
            elif isinstance(node, yaml.SequenceNode):
                for i, v in enumerate(node.value):
                    stack.append((v, f"{fpath}[{i}]"))

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


def parse_json(text: str, where: str) -> Any:
    """The JSON value of ``text``; syntax errors, nesting too deep for the parser and
    numbers too long to convert become :class:`ReferenceFormatError`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReferenceFormatError(
            f"{where}, line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})"
        ) from exc
    except RecursionError as exc:
        raise ReferenceFormatError(
            f"{where}: invalid JSON (lists or objects nested thousands of levels deep)"
        ) from exc
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ReferenceFormatError(f"{where}: invalid JSON ({str(exc)[:120]})") from exc


def parse_yaml(text: str, where: str) -> Any:
    """The YAML value of ``text`` (safe loader: no tags that build Python objects)."""
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["?"])[0]
        at = f"{where}, line {mark.line + 1}, column {mark.column + 1}" if mark else where
        raise ReferenceFormatError(f"{at}: invalid YAML ({problem})") from exc
    except RecursionError as exc:
        raise ReferenceFormatError(
            f"{where}: invalid YAML (nested thousands of levels deep)"
        ) from exc
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a 5,000-digit integer
        raise ReferenceFormatError(f"{where}: invalid YAML value ({str(exc)[:120]})") from exc


def read_json(text: str, where: str, name: str | None, level: str | None) -> Reference:
    """A framework from JSON text."""
    data = parse_json(text, where)
    return ReferenceBuilder(where, yaml_locator(text)).build(data, name=name, level=level)


def read_yaml(text: str, where: str, name: str | None, level: str | None) -> Reference:
    """A framework from YAML text."""
    data = parse_yaml(text, where)
    return ReferenceBuilder(where, yaml_locator(text)).build(data, name=name, level=level)


def read_csv(text: str, where: str, name: str | None, level: str | None) -> Reference:
    """A framework from CSV/TSV: one row per item, ``id,title,text,parent_id``.

    The framework's name is ``name`` or the file name without its extension.
    """
    name = name or Path(where).stem
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
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise ReferenceFormatError(
            f"{where}, line 1: unknown CSV column {unknown[0][:80]!r} "
            f"(expected some of {', '.join(sorted(CSV_COLUMNS))})"
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
        shown = sorted(levels)[:5]
        raise ReferenceFormatError(f"{where}: the level column has several values {shown}")
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
                f"{where}, line {line}: duplicate id {rid[:80]!r} (first on line {line_of[rid]})"
            )
        if not r["title"]:
            raise ReferenceFormatError(f"{where}, line {line}: title: missing (id {rid[:80]!r})")
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
    depth: dict[str, int] = {}
    for line, r in order:
        pid = r.get("parent_id", "")
        if not pid:
            roots.append(nodes[r["id"]])
            continue
        if pid not in nodes:
            raise ReferenceFormatError(
                f"{where}, line {line}: parent_id {pid[:80]!r} is not the id of any row"
            )
        # a cycle would leave its members unreachable from any root: detected below
        nodes[pid].setdefault("children", []).append(nodes[r["id"]])
    reachable: set[str] = set()
    stack = [(n, 1) for n in roots]
    while stack:
        n, d = stack.pop()
        reachable.add(n["id"])
        depth[n["id"]] = d
        stack.extend((c, d + 1) for c in n.get("children", []))
    for rid, line in line_of.items():
        if rid not in reachable:
            raise ReferenceFormatError(
                f"{where}, line {line}: item {rid[:80]!r} is in a parent_id cycle"
            )
    if not roots:
        raise ReferenceFormatError(f"{where}: no row without parent_id (no top-level item)")
    for rid, d in depth.items():
        if d > MAX_DEPTH:
            raise ReferenceFormatError(
                f"{where}, line {line_of[rid]}: item {rid[:80]!r} is nested deeper than "
                f"{MAX_DEPTH} levels (parent_id chain)"
            )

    def locate(fpath: str) -> int | None:
        m = re.match(r"^items\[(\d+)\]((?:\.children\[\d+\])*)", fpath)
        if not m:
            return None
        node = roots[int(m.group(1))]
        for idx in re.findall(r"\[(\d+)\]", m.group(2)):
            node = node["children"][int(idx)]
        return line_of.get(node["id"])

    data = {"name": name, "level": ref_level, "items": roots}
    return ReferenceBuilder(where, locate).build(data)


def xlsx_to_csv(raw: bytes, where: str) -> str:
    """The first sheet of an Excel workbook with columns ``id, title, text, parent_id``
    (and optionally ``type``, ``keywords``, ``level``) as CSV text, cells stripped."""
    from openpyxl import load_workbook

    check_archive(raw, what=where)  # a ZIP/XML bomb is refused before openpyxl opens it
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ReferenceFormatError(
            f"{where}: อ่านไฟล์ Excel ไม่ได้ / cannot read this workbook ({type(exc).__name__})"
        ) from None
    try:
        ws = wb.worksheets[0]
        rows = [
            ["" if v is None else str(v).strip() for v in row]
            for row in ws.iter_rows(values_only=True)
            if any(v not in (None, "") for v in row)
        ]
    finally:
        wb.close()
    if not rows:
        raise ReferenceFormatError(f"{where}: แผ่นงานว่าง / the first sheet is empty")
    head = [h.lower() for h in rows[0]]
    if "id" not in head or "title" not in head:
        raise ReferenceFormatError(
            f"{where}: แถวแรกต้องมีคอลัมน์ id, title, text, parent_id / the first row must name "
            f"the columns id, title (and optionally text, parent_id); found {rows[0][:8]}"
        )
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(head)
    writer.writerows(rows[1:])
    return buf.getvalue()


#: File suffix → reader. A new format is one function with the reader shape plus an
#: entry here (``.xlsx`` is read as CSV, see :func:`read_reference`).
READERS: dict[str, Reader] = {
    ".json": read_json,
    ".yaml": read_yaml,
    ".yml": read_yaml,
    ".csv": read_csv,
    ".tsv": read_csv,
    ".xlsx": read_csv,
}


def _check_level(level: str | None) -> None:
    if level is not None and level not in LEVELS:
        raise ReferenceFormatError(f"unknown level {level!r}; expected one of {LEVELS}")


def read_reference(
    raw: bytes, filename: str, *, name: str | None = None, level: str | None = None
) -> Reference:
    """A framework from the bytes of a file named ``filename`` (its suffix picks the
    reader; ``.xlsx`` is the first sheet read as CSV). What uploads use: nothing is
    written to disk. Errors name ``filename``.

    >>> data = "id,title\\nP1,การท่องเที่ยว\\n".encode()
    >>> read_reference(data, "own.csv", level="province").get("P1").title
    'การท่องเที่ยว'
    """
    _check_level(level)
    if len(raw) > MAX_BYTES:
        raise ReferenceFormatError(
            f"{filename}: {len(raw)} bytes is too large for a reference framework "
            f"(limit {MAX_BYTES} bytes)"
        )
    suffix = Path(filename).suffix.lower()
    read = READERS.get(suffix)
    if read is None:
        raise ReferenceFormatError(
            f"{filename}: unknown file type {suffix or '(none)'!r}; "
            f"use {', '.join(sorted(READERS))}"
        )
    text = xlsx_to_csv(raw, filename) if suffix == ".xlsx" else decode(raw, filename)
    return read(text, filename, name, level)


def load_reference(
    path: str | Path, *, name: str | None = None, level: str | None = None
) -> Reference:
    """Read a user's framework from a ``.json``, ``.yaml``/``.yml``, ``.csv`` or
    ``.xlsx`` file.

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
    _check_level(level)
    try:
        if not p.exists():
            raise ReferenceFormatError(f"{where}: no such file")
        if not p.is_file():
            raise ReferenceFormatError(f"{where}: is a directory or a device, not a reference file")
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise ReferenceFormatError(
                f"{where}: {size} bytes is too large for a reference framework "
                f"(limit {MAX_BYTES} bytes)"
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise ReferenceFormatError(f"{where}: cannot read the file ({exc.strerror})") from exc
    return read_reference(raw, where, name=name, level=level)
