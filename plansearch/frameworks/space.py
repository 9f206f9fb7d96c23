"""Target spaces: a framework flattened into the targets alignment scores.

A *target* is what a plan links to: one of the six national strategies, one of the 13
NESDP-13 milestones (not the four dimensions that only group them), one of the 23 master
plans. It is scored over its whole subtree: its own title and description plus every
sub-strategy, goal or tactic under it. :func:`resolve` turns what ``align(against=...)``
is given — names, files, :class:`~.model.Reference` objects, quoted levels — into
spaces; :func:`targets_of` gives the exact targets a framework is scored on, for
coverage and the workbench.

>>> [t.id for t in targets_of("nesdp13")][:3]
['M1', 'M2', 'M3']
>>> len(targets_of("masterplan"))
23
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UnknownReferenceError
from .formats import READERS, load_reference
from .from_sections import reference_from_sections
from .model import Reference, Target
from .registry import companions, describe, framework_info, is_builtin, plan_levels, reference

if TYPE_CHECKING:
    from ..sections import Plan

#: What ``align(against=...)`` accepts: a framework name, a file, a Reference, or a list.
FrameworkSpec = str | os.PathLike[str] | Reference | Sequence[str | os.PathLike[str] | Reference]
#: Node types that only group targets (they are never targets themselves).
GROUPING_TYPES = frozenset({"dimension", "group", "category"})


@dataclass(frozen=True)
class Node:
    """One node of a target's subtree.

    A node of knowledge (a project type, an SDG indicator, a sub-plan's local scope)
    is not an item of the framework itself: ``of`` names the framework's node it hangs
    under, the sub-item a match quotes as its evidence.
    """

    id: str
    title: str
    text: str
    type: str
    root: int  # index of the target (top-level item) this node belongs to
    of: str = ""

    @property
    def sub_id(self) -> str:
        """The framework's own node this one stands for (itself, or what it hangs under)."""
        return self.of or self.id

    @property
    def content(self) -> str:
        if self.text and self.text != self.title:
            return f"{self.title} {self.text}"
        return self.title


@dataclass(frozen=True)
class TargetSpace:
    """A framework ready for scoring: its targets and every node under them."""

    name: str
    title: str
    level: str
    column: str
    target_ids: tuple[str, ...]
    target_titles: tuple[str, ...]
    nodes: tuple[Node, ...]
    #: The coarser framework this one is a level of (the national strategies above the
    #: master plans), and the index of each target's parent among its targets (-1: none).
    parent: TargetSpace | None = None
    target_parents: tuple[int, ...] = ()
    #: The framework whose links inform this one's through a crosswalk of their texts
    #: (the national strategy for the SDGs and NESDP milestones; registry ``anchored_to``).
    anchor: TargetSpace | None = None

    def __len__(self) -> int:
        return len(self.target_ids)

    def bare(self, i: int, min_chars: int) -> bool:
        """True when target ``i`` has almost no content of its own (< ``min_chars``)."""
        own = sum(len(n.content) for n in self.nodes if n.root == i)
        return own < min_chars

    @cached_property
    def node_by_id(self) -> dict[str, Node]:
        """The nodes by id (the first, when an id repeats)."""
        out: dict[str, Node] = {}
        for n in self.nodes:
            out.setdefault(n.id, n)
        return out

    @cached_property
    def fingerprint(self) -> str:
        """16 hex characters naming everything the scores depend on (the targets, every
        node, the parent level and the anchor; not the display title or column): what
        caches of prepared spaces and lexical models are keyed by."""
        payload = [
            self.name,
            self.level,
            self.target_ids,
            self.target_titles,
            [(n.id, n.title, n.text, n.type, n.root, n.of) for n in self.nodes],
            self.parent.fingerprint if self.parent is not None else None,
            self.target_parents,
            self.anchor.fingerprint if self.anchor is not None else None,
        ]
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _attr(obj: Any, name: str, default: Any = "") -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _parent_level(
    ref: Reference,
    roots: list[Target],
    by_id: dict[str, Target],
    top: list[Target],
    root_type: str | None,
    parent_name: str | None,
) -> tuple[TargetSpace | None, tuple[int, ...]]:
    """The framework's top level as a space of its own, when the targets are a lower
    level of it (``root_type`` below real top-level targets, not below groupings)."""
    if root_type is None or not top or any(_attr(t, "type", "") in GROUPING_TYPES for t in top):
        return None, ()
    top_ids = [t.id for t in top]
    col = {tid: k for k, tid in enumerate(top_ids)}
    parents = []
    for r in roots:
        cur, seen = r, set()
        while cur.parent_id and cur.parent_id in by_id and cur.id not in seen:
            seen.add(cur.id)
            cur = by_id[cur.parent_id]
        parents.append(col.get(cur.id, -1) if cur.id != r.id else -1)
    if all(p < 0 for p in parents):
        return None, ()
    space = space_from_reference(replace(ref, root_type=None), name=parent_name or ref.name)
    return space, tuple(parents)


def _roots(ref: Reference, root_type: str | None) -> tuple[list[Target], str | None]:
    """The targets of ``ref`` and the node type that picked them."""
    items = list(ref.items)
    by_id = {t.id: t for t in items}
    top = [t for t in items if not t.parent_id or t.parent_id not in by_id]
    if root_type is None and top and all(_attr(t, "type", "") in GROUPING_TYPES for t in top):
        # e.g. NESDP-13's four dimensions (มิติ) only group the 13 milestones (หมุดหมาย):
        # the milestones are what a plan links to, so they are the targets
        kids = {
            _attr(by_id[c], "type", "")
            for t in top
            for c in _attr(t, "children", ()) or ()
            if c in by_id
        }
        if len(kids) == 1:
            root_type = kids.pop()
    if root_type is None:
        return top, None
    return [t for t in items if _attr(t, "type", "") == root_type], root_type


def space_from_reference(
    ref: Reference,
    *,
    name: str | None = None,
    root_type: str | None = None,
    parent_name: str | None = None,
) -> TargetSpace:
    """Flatten a :class:`~plansearch.frameworks.Reference` into a target space.

    ``root_type`` picks which nodes are the targets (e.g. ``"master_plan"`` to make
    the 23 master plans the targets of the ``national`` reference); by default the
    reference's top-level items are, or the level under them when they only group
    (NESDP-13's dimensions). The title and the column heading come from the registry
    (:func:`~.registry.describe`).
    """
    items = list(ref.items)
    by_id = {t.id: t for t in items}
    top = [t for t in items if not t.parent_id or t.parent_id not in by_id]
    roots, root_type = _roots(ref, root_type)

    def subtree(t: Target) -> list[Target]:
        out, stack = [], [t]
        while stack:
            cur = stack.pop()
            out.append(cur)
            kids = [by_id[c] for c in (_attr(cur, "children", ()) or ()) if c in by_id]
            if root_type is not None:  # don't descend into other targets
                kids = [k for k in kids if _attr(k, "type", "") != root_type]
            stack.extend(reversed(kids))
        return out

    def body(t: Target) -> str:
        parts = [_attr(t, "text", "") or ""]
        parts.extend(_attr(t, "keywords", ()) or ())
        return " ".join(p for p in parts if p)

    nodes: list[Node] = []
    for i, root in enumerate(roots):
        for t in subtree(root):
            nodes.append(Node(t.id, t.title, body(t), _attr(t, "type", "") or "", i))
    fname = name or ref.name
    parent, parents = _parent_level(ref, roots, by_id, top, root_type, parent_name)
    info = describe(ref if fname == ref.name else replace(ref, name=fname))
    return TargetSpace(
        parent=parent,
        target_parents=parents,
        name=fname,
        title=ref.title,
        level=ref.level,
        column=info.column,
        target_ids=tuple(r.id for r in roots),
        target_titles=tuple(r.title for r in roots),
        nodes=tuple(nodes),
    )


def with_knowledge(space: TargetSpace, ref: Reference, source: str) -> TargetSpace:
    """``space`` with what a planner knows about its targets (:mod:`.knowledge`).

    * every knowledge unit linked to a node of the framework (``source``: the name its
      knowledge files use, ``"national"`` for the master plans) becomes a node of that
      node's target, once per target, under the most specific node it links to (a road
      project type links NS2, NS2.4, MP07 and MP07.1: in the national space it hangs
      under MP07.1, so the evidence a match quotes is the sub-plan of roads);
    * nodes about another organisation's own administration (the DLA's own staff and
      organisation) are no evidence for a local item: they leave the subtrees, except a
      target's own node.
    """
    from .knowledge import knowledge_units, out_of_local_scope

    out = out_of_local_scope(source)
    roots = {n.id for n in space.nodes if n.id in set(space.target_ids)}
    nodes = [n for n in space.nodes if n.id not in out or n.id in roots]
    root_of = {n.id: n.root for n in nodes}

    def depth(node_id: str) -> int:
        d, cur, seen = 0, ref.get(node_id), set()
        while cur is not None and cur.parent_id and cur.id not in seen:
            seen.add(cur.id)
            d += 1
            cur = ref.get(cur.parent_id)
        return d

    placed: dict[tuple[str, int], str] = {}
    units = {}
    for u in knowledge_units(source):
        if u.of not in root_of:
            continue
        key = (u.id, root_of[u.of])
        units[key] = u
        if key not in placed or depth(u.of) > depth(placed[key]):
            placed[key] = u.of
    for (uid, root), of in placed.items():
        u = units[(uid, root)]
        nodes.append(Node(f"{of}~{uid}", u.title, u.text, u.type, root, of))
    return replace(space, nodes=tuple(nodes))


def builtin_space(name: str) -> TargetSpace:
    """The target space of a built-in framework, with its parent level (master plans)
    or anchor framework (SDGs, NESDP milestones) as the registry describes them, and
    the knowledge of its targets (:func:`with_knowledge`) in every level."""
    ref = reference(name)
    info = framework_info(name)
    space = space_from_reference(
        ref, name=ref.name, root_type=ref.root_type, parent_name=info.derived_from
    )
    source = info.derived_from or name
    space = with_knowledge(space, ref, source)
    if space.parent is not None:
        space = replace(space, parent=with_knowledge(space.parent, ref, source))
    if info.anchored_to:
        space = replace(space, anchor=builtin_space(info.anchored_to))
    return space


def _is_path(a: object) -> bool:
    return isinstance(a, os.PathLike) or (
        isinstance(a, str) and (os.path.sep in a or Path(a).suffix.lower() in READERS)
    )


def resolve(against: FrameworkSpec | None, plan: Plan | None = None) -> list[TargetSpace]:
    """The target spaces of ``align(against=...)``: built-in names (with their
    companions: the master plans come with ``"national"``), files, references, and the
    levels a plan quotes (``"province"``: the plan's own provincial sections). ``None``
    is :func:`~.registry.defaults_for` the plan. Empty frameworks and repeats are dropped.
    """
    from .registry import defaults_for

    given: Sequence[str | os.PathLike[str] | Reference]
    if against is None:
        given = defaults_for(plan)
    elif isinstance(against, str | os.PathLike | Reference):
        given = [against]
    else:
        given = against
    spaces: list[TargetSpace] = []
    for a in given:
        if isinstance(a, Reference):
            spaces.append(space_from_reference(a, root_type=a.root_type))
        elif _is_path(a):
            spaces.append(space_from_reference(load_reference(os.fspath(a))))
        elif isinstance(a, str) and a in plan_levels():
            if plan is None:
                raise ValueError(
                    f"{a!r} strategies come from a parsed plan that quotes them; pass a Plan, "
                    f"or load them with plansearch.load_reference(path)"
                )
            secs = [s for s in plan.sections if s.level == a]
            if secs:
                spaces.append(space_from_reference(reference_from_sections(secs, name=a, level=a)))
        else:
            if not is_builtin(a):
                framework_info(str(a))  # the registry's error names the choices
            for name in [str(a), *companions(str(a))]:
                spaces.append(builtin_space(name))
    seen: set[str] = set()
    out = []
    for s in spaces:
        if s.name not in seen and len(s):
            seen.add(s.name)
            out.append(s)
    return out


def targets_of(framework: str | Reference, plan: Plan | None = None) -> tuple[Target, ...]:
    """The exact targets ``align`` scores in ``framework``: the 13 milestones of
    ``"nesdp13"`` (under its 4 dimensions), the 23 master plans of ``"masterplan"``,
    the top-level items of a planner's own framework. A quoted level (``"province"``)
    needs the ``plan`` that quotes it.

    >>> [t.id for t in targets_of("national")]
    ['NS1', 'NS2', 'NS3', 'NS4', 'NS5', 'NS6']
    """
    if isinstance(framework, Reference):
        ref = framework
        roots, _ = _roots(ref, ref.root_type)
        return tuple(roots)
    if isinstance(framework, str) and is_builtin(framework):
        ref = reference(framework)
        roots, _ = _roots(ref, ref.root_type)
        return tuple(roots)
    if isinstance(framework, str) and framework in plan_levels():
        if plan is None:
            return ()
        secs = [s for s in plan.sections if s.level == framework]
        if not secs:
            return ()
        ref = reference_from_sections(secs, name=framework, level=framework)
        return tuple(_roots(ref, None)[0])
    raise UnknownReferenceError(f"ไม่มีกรอบชื่อ {framework!r} / no framework {framework!r}")
