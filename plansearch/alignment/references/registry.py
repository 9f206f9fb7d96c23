"""Built-in frameworks, discovered from the data files in ``plansearch/alignment/data``.

Adding a built-in framework is adding one JSON file there: its ``name`` (equal to the
file name without ``.json``), ``title``, ``level`` and ``items`` in the reference file
format. Optional metadata fields describe how it is used:

* ``"role": "support"`` — data the library uses internally (e.g. the standard local
  budget programmes), not a framework to align against; it is not listed;
* ``"column"`` — the linkage-table heading for the framework;
* a *derived* framework is a file with ``derived_from`` (another built-in),
  ``root_type`` (the node type whose nodes are its targets) and no ``items``;
  ``companion_of`` names a framework that, when aligned against, brings this one
  along (the 23 master plans with the national strategy: ``data/masterplan.json``);
* ``anchored_to`` names a coarser built-in whose links inform this one's through a
  crosswalk of the two frameworks' own texts (the SDGs and the NESDP milestones are
  anchored to the national strategy: :func:`plansearch.alignment.scoring.anchor_prior`).

Built-ins are listed by planning level (national first), each derived framework
right after the one it derives from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ...errors import ReferenceFormatError, UnknownReferenceError
from ...sections import LEVELS
from .formats import decode, parse_json, yaml_locator
from .model import Reference
from .validate import ReferenceBuilder

_PACKAGE = "plansearch.alignment"
_DATA_DIR = "data"


@dataclass(frozen=True)
class FrameworkInfo:
    """What the registry knows about a built-in framework without loading its items.

    >>> framework_info("masterplan").derived_from, framework_info("masterplan").root_type
    ('national', 'master_plan')
    """

    name: str
    file: str
    title: str
    level: str
    role: str = "framework"
    derived_from: str | None = None
    root_type: str | None = None
    companion_of: str | None = None
    column: str | None = None
    anchored_to: str | None = None


def _where(filename: str) -> str:
    return f"plansearch/alignment/{_DATA_DIR}/{filename}"


def _data_dir() -> Traversable:
    return resources.files(_PACKAGE).joinpath(_DATA_DIR)


def _read_data(filename: str, directory: Traversable | None = None) -> tuple[str, Any]:
    res = (directory or _data_dir()).joinpath(filename)
    where = _where(filename)
    text = decode(res.read_bytes(), where)
    return text, parse_json(text, where)


def _opt(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ReferenceFormatError(f"{where}: {key}: must be non-empty text")
    return value.strip()


def discover(directory: Traversable | Path | None = None) -> dict[str, FrameworkInfo]:
    """The frameworks described by the ``*.json`` files of ``directory`` (default: the
    package's data folder), in listing order; ``role: support`` files are left out.

    >>> list(discover())[:3]
    ['national', 'masterplan', 'sdg']
    """
    folder: Traversable = _data_dir() if directory is None else directory
    files = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name.endswith(".json") and not entry.name.startswith((".", "_"))
    )
    found: dict[str, FrameworkInfo] = {}
    for filename in files:
        where = _where(filename)
        _, data = _read_data(filename, folder)
        if not isinstance(data, dict):
            raise ReferenceFormatError(f"{where}: expected a JSON object")
        stem = filename[: -len(".json")]
        name = _opt(data, "name", where)
        if name != stem:
            raise ReferenceFormatError(f"{where}: name {name!r} must equal the file name {stem!r}")
        found[stem] = FrameworkInfo(
            name=stem,
            file=filename,
            title=_opt(data, "title", where) or stem,
            level=_opt(data, "level", where) or "",
            role=_opt(data, "role", where) or "framework",
            derived_from=_opt(data, "derived_from", where),
            root_type=_opt(data, "root_type", where),
            companion_of=_opt(data, "companion_of", where),
            column=_opt(data, "column", where),
            anchored_to=_opt(data, "anchored_to", where),
        )
    # a derived framework takes its level from the one it derives from
    for name, info in list(found.items()):
        if info.derived_from is None:
            continue
        base = found.get(info.derived_from)
        if base is None or base.derived_from is not None:
            raise ReferenceFormatError(
                f"{_where(info.file)}: derived_from: {info.derived_from!r} is not a built-in "
                "framework with items"
            )
        if info.root_type is None:
            raise ReferenceFormatError(f"{_where(info.file)}: root_type: missing")
        found[name] = replace(info, level=base.level)
    for info in found.values():
        anchor = found.get(info.anchored_to) if info.anchored_to else None
        if info.anchored_to and (anchor is None or anchor.derived_from or anchor.anchored_to):
            raise ReferenceFormatError(
                f"{_where(info.file)}: anchored_to: {info.anchored_to!r} is not a built-in "
                "framework with items of its own"
            )
        if info.level not in LEVELS:
            raise ReferenceFormatError(
                f"{_where(info.file)}: level: unknown level {info.level!r}; expected one of "
                f"{LEVELS}"
            )

    def order(info: FrameworkInfo) -> tuple[int, str, bool, str]:
        base = info.derived_from or info.name
        return (LEVELS.index(info.level), base, info.derived_from is not None, info.name)

    return {i.name: i for i in sorted(found.values(), key=order) if i.role == "framework"}


@cache
def _discover() -> dict[str, FrameworkInfo]:
    return discover()


def builtin_frameworks() -> list[FrameworkInfo]:
    """Every built-in framework, in listing order (see :func:`available_references`)."""
    return list(_discover().values())


def framework_info(name: str) -> FrameworkInfo:
    """Registry entry of a built-in framework (raises ``UnknownReferenceError``)."""
    info = _discover().get(name.strip().lower()) if isinstance(name, str) else None
    if info is None:
        raise UnknownReferenceError(
            f"no built-in reference framework {name!r}; choose one of "
            f"{', '.join(_discover())} (or load your own with load_reference(path))"
        )
    return info


def companions(name: str) -> list[str]:
    """Built-ins that come along when aligning against ``name``.

    >>> companions("national")
    ['masterplan']
    """
    return [i.name for i in _discover().values() if i.companion_of == name]


def available_references() -> list[str]:
    """Names accepted by :func:`reference`, national level first.

    >>> available_references()
    ['national', 'masterplan', 'sdg', 'nesdp12', 'nesdp13', 'dla', 'services']
    """
    return list(_discover())


@cache
def _load_builtin(name: str) -> Reference:
    info = _discover()[name]
    if info.derived_from is not None:
        base = _load_builtin(info.derived_from)
        items = tuple(replace(t, framework=name) for t in base.items)
        return replace(base, name=name, title=info.title, items=items, root_type=info.root_type)
    where = _where(info.file)
    text, data = _read_data(info.file)
    return ReferenceBuilder(where, yaml_locator(text)).build(data)


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
    return _load_builtin(framework_info(name).name)


#: Built-in framework name -> data file inside ``plansearch/alignment/data``
#: (discovered from the files; see the module docstring).
BUILTINS: dict[str, str] = {i.name: i.file for i in builtin_frameworks()}
