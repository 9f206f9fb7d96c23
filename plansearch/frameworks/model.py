"""The framework model: :class:`Target` nodes held in a :class:`Reference`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The reference file format this plansearch reads and writes.
FORMAT_VERSION = 1


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

    ``items`` lists every node in document (pre-)order. ``root_type``, when set, names
    the node type whose nodes are the framework's targets (e.g. ``"master_plan"`` for
    the 23 master plans under the national strategy); by default the top-level items are.

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
    root_type: str | None = None
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

    def targets(self) -> list[Target]:
        """The nodes of ``root_type``, else the roots, as the reference is written.

        What :func:`~plansearch.align` scores can go one level deeper (NESDP-13's
        dimensions only group its 13 milestones): ask :func:`.space.targets_of`.

        >>> from plansearch import reference
        >>> len(reference("masterplan").targets()), len(reference("national").targets())
        (23, 6)
        """
        if self.root_type is None:
            return self.roots()
        return self.of_type(self.root_type)

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

        out: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "name": self.name,
            "title": self.title,
            "level": self.level,
            "source": self.source,
        }
        if self.root_type is not None:
            out["root_type"] = self.root_type
        out["items"] = [node(t) for t in self.roots()]
        return out
