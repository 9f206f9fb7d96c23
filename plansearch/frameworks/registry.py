"""The registry: every fact about a framework, asked of one place.

Built-in frameworks are discovered from the JSON files in ``plansearch/frameworks/data``;
the planning levels (which levels a plan quotes, where each sits in the ผ.02 form) come
from ``plansearch/frameworks/levels.json``. Adding a built-in framework is adding one
JSON file: its ``name`` (equal to the file name without ``.json``), ``title``, ``level``
and ``items`` in the reference file format, plus optional metadata:

* ``"linkage": {"letter", "heading", "column", "order"}`` — its block letter and heading
  in the ผ.02 linkage form, its column heading in linkage tables, and its position
  among the columns (smaller first);
* ``"default": true`` — aligned when nothing else is asked for;
* ``"role": "support"`` — data the library uses internally, not listed;
* a *derived* framework has ``derived_from`` (another built-in), ``root_type`` (the node
  type whose nodes are its targets) and no ``items``; ``companion_of`` names a framework
  that brings it along (the 23 master plans with the national strategy);
* ``anchored_to`` names a coarser built-in whose links inform this one's (the SDGs and
  the NESDP milestones are anchored to the national strategy).

Any other framework — a planner's own file, or the provincial and PAO strategies a plan
quotes — is placed by its level (:func:`describe`). The alignment pipeline, the
workbench and the reports ask the registry (:func:`defaults_for`, :func:`describe`,
:func:`column_of`; the targets come from :func:`.space.targets_of`) instead of keeping
lists of their own.

>>> describe("nesdp13").letter, describe("nesdp13").column
('ข.', 'หมุดหมาย (แผนพัฒนาฯ ฉบับที่ 13)')
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ReferenceFormatError, UnknownReferenceError
from ..sections import LEVELS
from .formats import decode, parse_json, yaml_locator
from .model import Reference
from .validate import LINKAGE_KEYS, ReferenceBuilder, check_linkage

if TYPE_CHECKING:
    from ..sections import Plan

_PACKAGE = "plansearch.frameworks"
_DATA_DIR = "data"
_LEVELS_FILE = "levels.json"


@dataclass(frozen=True)
class FrameworkInfo:
    """What the registry knows about a framework without loading its items.

    ``letter``/``heading`` place it in the ผ.02 linkage form, ``column`` heads its column
    in linkage tables, ``order`` sorts the columns. ``builtin`` is false for a planner's
    own framework or the strategies a plan quotes (placed by their level).

    >>> framework_info("masterplan").derived_from, framework_info("masterplan").root_type
    ('national', 'master_plan')
    """

    name: str
    title: str
    level: str
    letter: str
    heading: str
    column: str
    order: int
    default: bool = False
    builtin: bool = True
    file: str = ""
    role: str = "framework"
    derived_from: str | None = None
    root_type: str | None = None
    companion_of: str | None = None
    anchored_to: str | None = None


@dataclass(frozen=True)
class Level:
    """A planning level: its Thai name and, for levels that head their own block of
    the ผ.02 form, the block's letter, heading, column and order. ``quoted``: a plan's
    own sections at this level (the provincial strategies it quotes) become a framework
    by default; ``from_plan``: they may be asked for by level name."""

    name: str
    title: str
    letter: str
    heading: str
    column: str
    order: int
    quoted: bool = False
    from_plan: bool = False


@dataclass(frozen=True)
class Layout:
    """``levels.json``: the levels, the block of a framework no level places (own
    frameworks) and the block model: which plan kinds play the strategy, tactic and
    project roles, and which kinds are aligned when a plan has none of those."""

    levels: dict[str, Level]
    own: Level
    roles: dict[str, tuple[str, ...]]
    fallback_kinds: tuple[str, ...]


#: Environment variable naming extra folders of framework files (``os.pathsep``-separated),
#: read like the package's own data folder: a deployment adds a framework as data.
FRAMEWORKS_ENV = "PLANSEARCH_FRAMEWORKS"


def _data_dir() -> Traversable:
    return resources.files(_PACKAGE).joinpath(_DATA_DIR)


def _where(filename: str, folder: Traversable | None = None) -> str:
    if folder is None or folder == _data_dir():
        return f"plansearch/frameworks/{_DATA_DIR}/{filename}"
    return str(Path(str(folder)) / filename)


def _read_data(filename: str, folder: Traversable) -> tuple[str, Any]:
    where = _where(filename, folder)
    text = decode(folder.joinpath(filename).read_bytes(), where)
    return text, parse_json(text, where)


def framework_dirs() -> list[Traversable]:
    """The folders built-in frameworks are read from: the package's data, then each
    folder named in ``$PLANSEARCH_FRAMEWORKS``."""
    extra = [p for p in os.environ.get(FRAMEWORKS_ENV, "").split(os.pathsep) if p.strip()]
    for p in extra:
        if not Path(p).is_dir():
            raise ReferenceFormatError(
                f"{FRAMEWORKS_ENV}: {p} ไม่ใช่โฟลเดอร์ / is not a folder of framework files"
            )
    return [_data_dir(), *(Path(p) for p in extra)]


def _opt(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ReferenceFormatError(f"{where}: {key}: must be non-empty text")
    return value.strip()


# ---------------------------------------------------------------------------- levels
@cache
def layout() -> Layout:
    """The levels and the ผ.02 block model (``plansearch/frameworks/levels.json``)."""
    where = f"plansearch/frameworks/{_LEVELS_FILE}"
    raw = json.loads(resources.files(_PACKAGE).joinpath(_LEVELS_FILE).read_text("utf-8"))
    own_raw = raw["own"]
    own = Level(
        "own", own_raw["heading"], own_raw["letter"], own_raw["heading"], "", own_raw["order"]
    )
    levels: dict[str, Level] = {}
    for name in LEVELS:
        entry = raw["levels"].get(name)
        if entry is None:
            raise ReferenceFormatError(f"{where}: levels: {name!r} missing")
        levels[name] = Level(
            name=name,
            title=entry["title"],
            letter=entry.get("letter", own.letter),
            heading=entry.get("heading", own.heading),
            column=entry.get("column", ""),
            order=int(entry.get("order", own.order)),
            quoted=bool(entry.get("quoted", False)),
            from_plan=bool(entry.get("quoted", False) or entry.get("from_plan", False)),
        )
    roles = {role: tuple(kinds) for role, kinds in raw["roles"].items()}
    return Layout(levels, own, roles, tuple(raw["fallback_kinds"]))


def level_title(level: str) -> str:
    """Thai name of a planning level (the level itself when unknown).

    >>> level_title("pao")
    'องค์การบริหารส่วนจังหวัด (อบจ.)'
    """
    lv = layout().levels.get(level)
    return lv.title if lv is not None else level


def quoted_levels() -> tuple[str, ...]:
    """Levels whose strategies become frameworks when a plan quotes them.

    >>> quoted_levels()
    ('provincial_group', 'province', 'pao')
    """
    return tuple(n for n, lv in layout().levels.items() if lv.quoted)


def plan_levels() -> tuple[str, ...]:
    """Levels that may be asked for by name and are read from a plan's own sections."""
    return tuple(n for n, lv in layout().levels.items() if lv.from_plan)


def kinds_for(role: str) -> tuple[str, ...]:
    """Section kinds that play ``role`` (``"strategy"``, ``"tactic"``, ``"project"``)
    in ผ.02 blocks and alignment.

    >>> kinds_for("strategy")
    ('strategy', 'policy_area')
    """
    return layout().roles.get(role, ())


def role_of(kind: str) -> str | None:
    """The role a section kind plays in the ผ.02 blocks: ``"strategy"`` heads a block
    (a strategy, a policy area), ``"tactic"`` is a row under it (a tactic, a policy
    item), ``"project"`` a project row; ``None`` for kinds with no role.

    >>> role_of("policy_area"), role_of("policy"), role_of("vision")
    ('strategy', 'tactic', None)
    """
    return kind_roles().get(kind)


def kind_roles() -> dict[str, str]:
    """``kind → role`` for every kind with a role (the block model of ``levels.json``)."""
    return {k: role for role, kinds in layout().roles.items() for k in kinds}


def aligned_kinds() -> tuple[str, ...]:
    """Kinds of a plan's own sections that are aligned: every kind with a role."""
    return tuple(k for kinds in layout().roles.values() for k in kinds)


def fallback_kinds() -> tuple[str, ...]:
    """Kinds aligned when a plan has none with a role (it states only its vision,
    missions and goals)."""
    return layout().fallback_kinds


# ------------------------------------------------------------------------ discovery
def discover(*directories: Traversable | Path) -> dict[str, FrameworkInfo]:
    """The frameworks described by the ``*.json`` files of ``directories`` (default:
    :func:`framework_dirs`), in listing order; ``role: support`` files are left out.

    >>> list(discover())[:3]
    ['national', 'masterplan', 'sdg']
    """
    return _scan(list(directories) or framework_dirs())[0]


def _scan(
    folders: list[Traversable | Path],
) -> tuple[dict[str, FrameworkInfo], dict[str, Traversable | Path]]:
    """``(infos, folder of each framework)`` of every framework file in ``folders``."""
    found: dict[str, FrameworkInfo] = {}
    where_from: dict[str, Traversable | Path] = {}
    for folder in folders:
        files = sorted(
            entry.name
            for entry in folder.iterdir()
            if entry.name.endswith(".json") and not entry.name.startswith((".", "_"))
        )
        for filename in files:
            info = _info(filename, folder)
            if info.name in found:
                raise ReferenceFormatError(
                    f"{info.file}: a framework named {info.name!r} is already in "
                    f"{found[info.name].file}"
                )
            found[info.name] = info
            where_from[info.name] = folder
    return _checked(found), where_from


def _info(filename: str, folder: Traversable | Path) -> FrameworkInfo:
    """One file's facts (not yet checked against the other files)."""
    where = _where(filename, folder)
    _, data = _read_data(filename, folder)
    if not isinstance(data, dict):
        raise ReferenceFormatError(f"{where}: expected a JSON object")
    stem = filename[: -len(".json")]
    name = _opt(data, "name", where)
    if name != stem:
        raise ReferenceFormatError(f"{where}: name {name!r} must equal the file name {stem!r}")

    def fail(field: str, message: str, where: str = where) -> ReferenceFormatError:
        return ReferenceFormatError(f"{where}: {field}: {message}")

    check_linkage(data, fail)
    title = _opt(data, "title", where) or stem
    link = data.get("linkage") or {}
    return FrameworkInfo(
        name=stem,
        title=title,
        level=_opt(data, "level", where) or "",
        letter=link.get("letter", ""),
        heading=link.get("heading", ""),
        column=link.get("column", ""),
        order=int(link.get("order", -1)),
        default=bool(data.get("default", False)),
        file=where,
        role=_opt(data, "role", where) or "framework",
        derived_from=_opt(data, "derived_from", where),
        root_type=_opt(data, "root_type", where),
        companion_of=_opt(data, "companion_of", where),
        anchored_to=_opt(data, "anchored_to", where),
    )


def _checked(found: dict[str, FrameworkInfo]) -> dict[str, FrameworkInfo]:
    """Derived, anchored and placed frameworks checked against each other, in order."""
    # a derived framework takes its level from the one it derives from
    for name, info in list(found.items()):
        if info.derived_from is None:
            continue
        base = found.get(info.derived_from)
        if base is None or base.derived_from is not None:
            raise ReferenceFormatError(
                f"{info.file}: derived_from: {info.derived_from!r} is not a built-in "
                "framework with items"
            )
        if info.root_type is None:
            raise ReferenceFormatError(f"{info.file}: root_type: missing")
        found[name] = replace(info, level=base.level)
    for info in found.values():
        anchor = found.get(info.anchored_to) if info.anchored_to else None
        if info.anchored_to and (anchor is None or anchor.derived_from or anchor.anchored_to):
            raise ReferenceFormatError(
                f"{info.file}: anchored_to: {info.anchored_to!r} is not a built-in "
                "framework with items of its own"
            )
        if info.level not in LEVELS:
            raise ReferenceFormatError(
                f"{info.file}: level: unknown level {info.level!r}; expected one of {LEVELS}"
            )
    # a framework without linkage facts is placed like any framework of its level
    for name, info in list(found.items()):
        placed = _placed(info.name, info.title, info.level)
        found[name] = replace(
            info,
            letter=info.letter or placed.letter,
            heading=info.heading or placed.heading,
            column=info.column or placed.column,
            order=info.order if info.order >= 0 else placed.order,
        )

    def order(info: FrameworkInfo) -> tuple[int, str, bool, str]:
        base = info.derived_from or info.name
        return (LEVELS.index(info.level), base, info.derived_from is not None, info.name)

    return {i.name: i for i in sorted(found.values(), key=order) if i.role == "framework"}


def _discover() -> dict[str, FrameworkInfo]:
    return _registry(_dirs_key())[0]


def _dirs_key() -> tuple[str, ...]:
    return tuple(os.environ.get(FRAMEWORKS_ENV, "").split(os.pathsep))


@cache
def _registry(
    key: tuple[str, ...],
) -> tuple[dict[str, FrameworkInfo], dict[str, Traversable | Path]]:
    """The frameworks of :func:`framework_dirs` (cached per ``$PLANSEARCH_FRAMEWORKS``)."""
    return _scan(framework_dirs())


def builtin_frameworks() -> list[FrameworkInfo]:
    """Every built-in framework, in listing order (see :func:`available_references`)."""
    return list(_discover().values())


def framework_info(name: str) -> FrameworkInfo:
    """Registry entry of a built-in framework (raises ``UnknownReferenceError``)."""
    info = _discover().get(name.strip().lower()) if isinstance(name, str) else None
    if info is None:
        raise UnknownReferenceError(
            f"ไม่มีกรอบชื่อ {name!r} / no built-in reference framework {name!r}; choose one of "
            f"{', '.join(_discover())} (or load your own with load_reference(path))"
        )
    return info


def is_builtin(name: object) -> bool:
    """True when ``name`` names a built-in framework."""
    return isinstance(name, str) and name.strip().lower() in _discover()


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


def default_frameworks() -> tuple[str, ...]:
    """The built-ins aligned when nothing else is asked for, in column order.

    >>> default_frameworks()
    ('national', 'nesdp13', 'sdg', 'dla')
    """
    chosen = [i for i in _discover().values() if i.default]
    return tuple(i.name for i in sorted(chosen, key=lambda i: i.order))


def defaults_for(plan: Plan | None = None) -> list[str]:
    """What a plan is aligned against by default: :func:`default_frameworks`, then each
    quoted level whose strategies the plan quotes (provincial group, province, PAO).

    >>> defaults_for(None)
    ['national', 'nesdp13', 'sdg', 'dla']
    """
    names = list(default_frameworks())
    if plan is not None:
        names += [lv for lv in quoted_levels() if any(s.level == lv for s in plan.sections)]
    return names


def _placed(name: str, title: str, level: str) -> FrameworkInfo:
    """A framework that is not a built-in, placed by its level (an own framework when
    its level heads no block of the form)."""
    lay = layout()
    lv = lay.levels.get(level)
    block = lv if lv is not None and lv.letter != lay.own.letter else lay.own
    own = block is lay.own
    return FrameworkInfo(
        name=name,
        title=title,
        level=level,
        letter=block.letter,
        heading=title if own else block.heading,
        column=(lv.column if lv is not None and lv.column else "") or title,
        order=block.order,
        builtin=False,
    )


def describe(framework: str | Reference | Any) -> FrameworkInfo:
    """The registry's facts about any framework: a built-in's from its data file; a
    :class:`Reference` (a planner's file, or the strategies a plan quotes) — or any
    object with ``name``, ``title`` and ``level``, such as an alignment's
    ``FrameworkInfo`` — or a quoted level's name, from its level. A province-level
    framework sits in block ง. whatever its name; a framework whose level heads no
    block is the organisation's own (ช.).

    >>> describe("province").letter, describe("province").column
    ('ง.', 'ยุทธศาสตร์จังหวัด')
    """
    if isinstance(framework, str):
        if is_builtin(framework):
            return framework_info(framework)
        lv = layout().levels.get(framework)
        if lv is not None:
            own = lv.letter == layout().own.letter
            return _placed(framework, framework if own else lv.heading, framework)
        raise UnknownReferenceError(
            f"ไม่มีกรอบชื่อ {framework!r} / no framework {framework!r}: give a built-in name "
            f"({', '.join(_discover())}), a planning level or a Reference"
        )
    name, title, level = (getattr(framework, a, None) for a in ("name", "title", "level"))
    if not (isinstance(name, str) and isinstance(title, str) and isinstance(level, str)):
        raise TypeError(f"cannot describe a {type(framework).__name__}: needs name, title, level")
    if is_builtin(name) and framework_info(name).level == level:
        return framework_info(name)
    return _placed(name, title, level)


def column_of(framework: str | Reference | Any) -> str:
    """Column heading of a framework in linkage tables (Thai)."""
    return describe(framework).column


def block_of(framework: str | Reference | Any) -> tuple[int, str, str]:
    """``(order, letter, heading)`` of a framework in the ผ.02 linkage form."""
    info = describe(framework)
    return info.order, info.letter, info.heading


@cache
def _load_builtin(name: str, key: tuple[str, ...]) -> Reference:
    infos, folders = _registry(key)
    info = infos[name]
    if info.derived_from is not None:
        base = _load_builtin(info.derived_from, key)
        items = tuple(replace(t, framework=name) for t in base.items)
        return replace(base, name=name, title=info.title, items=items, root_type=info.root_type)
    text, data = _read_data(Path(info.file).name, folders[name])
    return ReferenceBuilder(info.file, yaml_locator(text)).build(data)


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
    return _load_builtin(framework_info(name).name, _dirs_key())


__all__ = [
    "LINKAGE_KEYS",
    "FrameworkInfo",
    "Layout",
    "Level",
    "aligned_kinds",
    "available_references",
    "block_of",
    "builtin_frameworks",
    "column_of",
    "companions",
    "default_frameworks",
    "defaults_for",
    "describe",
    "discover",
    "fallback_kinds",
    "framework_info",
    "is_builtin",
    "kind_roles",
    "kinds_for",
    "layout",
    "level_title",
    "plan_levels",
    "quoted_levels",
    "reference",
    "role_of",
]
