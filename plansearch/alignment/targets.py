"""Target spaces: a reference framework flattened for scoring.

A *target* is a top-level item of a framework (e.g. one of the six national
strategies). It is scored over its whole subtree: its own title and description
plus every sub-strategy, master plan, goal or tactic under it. Bare targets (a
title with nothing under it, as provincial and PAO strategies often are) get the
standard local budget programmes (แผนงาน) that such strategies conventionally
cover, so they still have content to match.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from ..thai import fold_for_matching
from .scoring import LexicalModel, SubtreeLayout, background_stats, crosswalk, dense_scores
from .settings import DEFAULT_SETTINGS, AlignSettings
from .subject import embedded_text

if TYPE_CHECKING:
    from ..embed.base import BaseEmbedder

#: Linkage-table column headings (Thai) per framework name or level.
COLUMNS: dict[str, str] = {
    "national": "ยุทธศาสตร์ชาติ",
    "masterplan": "แผนแม่บทภายใต้ยุทธศาสตร์ชาติ",
    "nesdp13": "หมุดหมาย (แผนพัฒนาฯ ฉบับที่ 13)",
    "nesdp12": "ยุทธศาสตร์แผนพัฒนาฯ ฉบับที่ 12",
    "sdg": "เป้าหมายการพัฒนาที่ยั่งยืน (SDGs)",
    "dla": "ยุทธศาสตร์กรมส่งเสริมการปกครองท้องถิ่น",
    "provincial_group": "ยุทธศาสตร์กลุ่มจังหวัด",
    "province": "ยุทธศาสตร์จังหวัด",
    "pao": "ยุทธศาสตร์ อปท.ในเขตจังหวัด",
}

#: Titles of target spaces derived from a reference (not the reference's own title).
TITLES: dict[str, str] = {"masterplan": "แผนแม่บทภายใต้ยุทธศาสตร์ชาติ (23 แผน)"}
#: Node types that only group targets (they are never targets themselves).
GROUPING_TYPES = frozenset({"dimension", "group", "category"})
#: A bare target's own text shorter than this (characters) gets programme context.
BARE_TARGET_CHARS = 80


@dataclass(frozen=True)
class Node:
    """One node of a target's subtree."""

    id: str
    title: str
    text: str
    type: str
    root: int  # index of the target (top-level item) this node belongs to

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

    def bare(self, i: int, min_chars: int = BARE_TARGET_CHARS) -> bool:
        """True when target ``i`` has almost no content of its own (< ``min_chars``)."""
        own = sum(len(n.content) for n in self.nodes if n.root == i)
        return own < min_chars


@lru_cache(maxsize=1)
def local_programs() -> tuple[dict[str, Any], ...]:
    """The standard local budget programmes (แผนงาน) with their conventional content."""
    raw = (
        resources.files("plansearch.alignment")
        .joinpath("data/local_programs.json")
        .read_text("utf-8")
    )
    return tuple(json.loads(raw)["items"])


@lru_cache(maxsize=1)
def strategy_families() -> tuple[dict[str, Any], ...]:
    """The conventional strategy families of local plans (โครงสร้างพื้นฐาน, เศรษฐกิจ, สังคม,
    …; ``data/local_strategy_families.json``), each with ``programmes``: the indexes (into
    :func:`local_programs`) of the budget programmes its text names, in the order named."""
    raw = (
        resources.files("plansearch.alignment")
        .joinpath("data/local_strategy_families.json")
        .read_text("utf-8")
    )
    titles = [p["title"] for p in local_programs()]
    out = []
    for fam in json.loads(raw)["items"]:
        named = sorted((fam["text"].find(t), j) for j, t in enumerate(titles) if t in fam["text"])
        out.append({**fam, "programmes": tuple(j for _, j in named)})
    return tuple(out)


#: A framework whose titles name at least this many of the families that have no
#: umbrella (infrastructure, economy, society, environment, administration) divides a
#: plan's whole work; one that names fewer (a province's "ท่องเที่ยว" and "ผลไม้เศรษฐกิจ")
#: covers part of it, and families no title names stay with no target (chosen a priori:
#: a majority of the five).
PARTITION_MIN_NAMED = 3
#: A title with one of these words ("ด้านอื่น ๆ") is a catch-all: its framework divides
#: all of a plan's work, however few families the other titles name.
CATCH_ALL_WORDS: tuple[str, ...] = ("อื่น",)


def _naming(titles: Sequence[str], unit: dict[str, Any]) -> list[int]:
    """Indexes of the (folded) titles that contain one of ``unit``'s ``named_by`` words."""
    words = [w for w in (fold_for_matching(x) for x in unit.get("named_by", ())) if w]
    return [t for t, title in enumerate(titles) if any(w in title for w in words)]


def family_owners(space: TargetSpace, emb: BaseEmbedder) -> list[int | None]:
    """The plan's partition of its work: for each conventional strategy family (in
    :func:`strategy_families` order), the index of the target that holds it (``None``:
    no target does).

    A plan's strategies divide the families between them:

    1. a family goes to the target whose title *names* it (one of the family's
       ``named_by`` words: "ด้านสังคม" names the social family), the closest such
       title when several do;
    2. a family no title names goes where plans put it when they give it no strategy
       of its own, its ``umbrella`` family's target (health, education and public
       safety sit under "สังคม/คุณภาพชีวิต" in most plans);
    3. otherwise to the target whose title is closest to the family's text.

    This holds when the framework divides all of a plan's work: its titles name at
    least :data:`PARTITION_MIN_NAMED` of the families without an umbrella, or one title
    is a catch-all such as "ด้านอื่น ๆ". A framework of a few specific strategies (a
    province's "ท่องเที่ยวที่ยั่งยืน" and "การผลิต การแปรรูป และการตลาดของผลไม้เศรษฐกิจ")
    does not divide the families: no target holds one (``None`` throughout), and its
    titles only take the typical phrasings they name (:func:`family_units`).

    So "ด้านอื่น ๆ" next to five named strategies gets what the five leave, a plan's
    "ด้านสังคม" with no health strategy beside it takes health too, and a provincial
    "ยุทธศาสตร์การท่องเที่ยวที่ยั่งยืน" does not take public health for lack of rivals.
    """
    fams = strategy_families()
    tq = encode_cached(emb, list(space.target_titles), "query")
    fp = encode_cached(emb, [f"{f['title']} {f['text']}" for f in fams], "passage")
    sims = tq @ fp.T
    titles = [fold_for_matching(t) for t in space.target_titles]
    index = {f["id"]: k for k, f in enumerate(fams)}
    claims = [_naming(titles, f) for f in fams]
    named = sum(bool(c) for f, c in zip(fams, claims, strict=True) if not f.get("umbrella"))
    whole = named >= PARTITION_MIN_NAMED or any(w in t for t in titles for w in CATCH_ALL_WORDS)
    if not whole:
        return [None] * len(fams)
    owner: dict[int, int] = {}
    # families with an umbrella last, so the umbrella's owner is known
    for f in sorted(range(len(fams)), key=lambda k: bool(fams[k].get("umbrella"))):
        umbrella = index.get(fams[f].get("umbrella") or "")
        if claims[f]:
            owner[f] = max(claims[f], key=lambda t: (float(sims[t, f]), -t))
        elif umbrella is not None and umbrella in owner:
            owner[f] = owner[umbrella]
        else:
            owner[f] = int(np.argmax(sims[:, f]))
    return [owner[f] for f in range(len(fams))]


def won_families(
    space: TargetSpace,
    emb: BaseEmbedder,
    bare: Sequence[int],
    owners: Sequence[int | None] | None = None,
) -> dict[int, list[int]]:
    """``target index → family indexes`` it holds (``owners``, by default
    :func:`family_owners`), for the targets in ``bare`` that hold at least one family."""
    if owners is None:
        owners = family_owners(space, emb)
    out = {i: [f for f, o in enumerate(owners) if o == i] for i in bare}
    return {i: fs for i, fs in out.items() if fs}


def family_programmes(
    space: TargetSpace, emb: BaseEmbedder, bare: Sequence[int]
) -> dict[int, list[int]]:
    """Budget programmes for bare targets, by the plan's partition of its work: a bare
    target borrows the budget programmes of the families it holds (:func:`family_owners`;
    ``target index → programme indexes``). A bare target that holds no family is absent."""
    return programmes_of(won_families(space, emb, bare))


def programmes_of(won: dict[int, list[int]]) -> dict[int, list[int]]:
    """``target index → family indexes`` → ``target index → programme indexes`` (the
    families' budget programmes, each once, in the order the families name them)."""
    fams = strategy_families()
    out: dict[int, list[int]] = {}
    for i, fidx in won.items():
        got: list[int] = []
        for f in fidx:
            got += [j for j in fams[f]["programmes"] if j not in got]
        out[i] = got
    return out


def family_units(
    space: TargetSpace,
    emb: BaseEmbedder,
    bare: Sequence[int],
    owners: Sequence[int | None] | None = None,
) -> dict[int, list[tuple[int, int | None]]]:
    """The knowledge units each bare target holds: ``target index → [(family, None)``
    for a family's description, ``(family, child)`` for one of its typical project
    phrasings``]``.

    A target holds the families it won (:func:`family_owners`) with their phrasings,
    except a phrasing that another title names more specifically (its ``named_by``
    words: "ด้านพัฒนาแหล่งน้ำ" names the water-supply phrasings of the infrastructure
    family), which goes to that title — the family's owner first if it names it too.
    ``owners`` defaults to :func:`family_owners`.
    """
    fams = strategy_families()
    if owners is None:
        owners = family_owners(space, emb)
    titles = [fold_for_matching(t) for t in space.target_titles]
    units: dict[int, list[tuple[int, int | None]]] = {i: [] for i in range(len(space))}
    for f, fam in enumerate(fams):
        own = owners[f]
        if own is not None:
            units[own].append((f, None))
        for c, child in enumerate(fam.get("children", ())):
            claim = _naming(titles, child)
            holder = own if not claim or own in claim else claim[0]
            if holder is not None:
                units[holder].append((f, c))
    return {i: units[i] for i in bare if units[i]}


def with_families(
    space: TargetSpace, units: dict[int, list[tuple[int, int | None]]]
) -> TargetSpace:
    """Add the knowledge of conventional strategy families to bare targets (``target
    index → units``, :func:`family_units`): a family's description, ``(family, None)``,
    and its typical project phrasings, ``(family, child)``; so "ด้านสังคม" that holds
    health matches "โครงการป้องกันและควบคุมโรคไข้เลือดออก" through the health phrasings."""
    fams = strategy_families()
    nodes = list(space.nodes)
    for i, held in units.items():
        tid = space.target_ids[i]
        for f, c in held:
            u = fams[f] if c is None else fams[f]["children"][c]
            nodes.append(Node(f"{tid}~{u['id']}", u["title"], u.get("text", ""), u["type"], i))
    return replace(space, nodes=tuple(nodes))


def programme_texts() -> list[str]:
    """The standard budget programmes as texts: the *generic local text* of the background."""
    return [f"{p['title']} {p['text']}" for p in local_programs()]


def _attr(obj: Any, name: str, default: Any = "") -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _parent_level(
    ref: Any,
    roots: list[Any],
    by_id: dict[str, Any],
    top: list[Any],
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
    whole = ref
    if hasattr(ref, "root_type") and hasattr(ref, "__dataclass_fields__"):
        whole = replace(ref, root_type=None)
    space = space_from_reference(whole, name=parent_name or ref.name)
    return space, tuple(parents)


def space_from_reference(
    ref: Any,
    *,
    name: str | None = None,
    root_type: str | None = None,
    column: str | None = None,
    parent_name: str | None = None,
) -> TargetSpace:
    """Flatten a :class:`~plansearch.alignment.references.Reference` into a target space.

    ``root_type`` picks which nodes are the targets (e.g. ``"master_plan"`` to make
    the 23 master plans the targets of the ``national`` reference); by default the
    reference's top-level items are.
    """
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
        roots = [t for t in items if not t.parent_id or t.parent_id not in by_id]
    else:
        roots = [t for t in items if _attr(t, "type", "") == root_type]

    def subtree(t: Any) -> list[Any]:
        out, stack = [], [t]
        while stack:
            cur = stack.pop()
            out.append(cur)
            kids = [by_id[c] for c in (_attr(cur, "children", ()) or ()) if c in by_id]
            if root_type is not None:  # don't descend into other targets
                kids = [k for k in kids if _attr(k, "type", "") != root_type]
            stack.extend(reversed(kids))
        return out

    def body(t: Any) -> str:
        parts = [_attr(t, "text", "") or ""]
        parts.extend(_attr(t, "keywords", ()) or ())
        return " ".join(p for p in parts if p)

    nodes: list[Node] = []
    for i, root in enumerate(roots):
        for t in subtree(root):
            nodes.append(Node(t.id, t.title, body(t), _attr(t, "type", "") or "", i))
    fname = name or ref.name
    level = getattr(ref, "level", "national")
    parent, parents = _parent_level(ref, roots, by_id, top, root_type, parent_name)
    return TargetSpace(
        parent=parent,
        target_parents=parents,
        name=fname,
        title=str(TITLES.get(fname) or getattr(ref, "title", fname)),
        level=level,
        column=str(
            column or COLUMNS.get(fname) or COLUMNS.get(level) or getattr(ref, "title", fname)
        ),
        target_ids=tuple(r.id for r in roots),
        target_titles=tuple(r.title for r in roots),
        nodes=tuple(nodes),
    )


def with_programmes(space: TargetSpace, assignments: dict[int, list[int]]) -> TargetSpace:
    """Add conventional programme nodes to bare targets (``target index → programme indexes``)."""
    progs = local_programs()
    nodes = list(space.nodes)
    for i, pidx in assignments.items():
        for p in pidx:
            prog = progs[p]
            nodes.append(
                Node(
                    f"{space.target_ids[i]}~{prog['id']}", prog["title"], prog["text"], "program", i
                )
            )
    return replace(space, nodes=tuple(nodes))


# --------------------------------------------------------------------- prepared spaces
_CACHE: dict[tuple[str, str, tuple[str, ...]], np.ndarray] = {}


def encode_cached(emb: BaseEmbedder, texts: Sequence[str], kind: str) -> np.ndarray:
    """``emb.encode(texts, kind)``, remembered for frameworks reused across calls, in
    memory and on disk (:mod:`plansearch.embed.cache`, keyed by model fingerprint)."""
    key = (emb.fingerprint, kind, tuple(texts))
    vec = _CACHE.get(key)
    if vec is None:
        from ..embed.cache import encode_cached as encode_on_disk  # persists across runs

        vec = encode_on_disk(emb, list(texts), kind)
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = vec
    return vec


@dataclass(frozen=True)
class PreparedSpace:
    """A target space embedded once: node vectors, the background, the lexical model.

    ``background`` holds the dense scores of the standard budget programmes (generic
    local-government text) against the targets, computed with ``settings``; its mean
    and standard deviation calibrate items' dense scores (:func:`.scoring.zscore`).
    """

    space: TargetSpace
    node_vecs: np.ndarray
    background: np.ndarray
    settings: AlignSettings = DEFAULT_SETTINGS
    #: The same space prepared with the frozen base model, when the embedder is
    #: domain-adapted and ``settings.frozen_weight`` > 0 (the ensemble's other view).
    frozen: PreparedSpace | None = None
    #: The coarser framework this one is a level of, prepared the same way, when
    #: ``settings.parent_weight`` > 0 (see :func:`.scoring.parent_prior`).
    parent: PreparedSpace | None = None
    #: The anchor framework, prepared the same way, and the crosswalk from its targets
    #: to these (:func:`.scoring.crosswalk`), when ``settings.anchor_weight`` > 0.
    anchor: PreparedSpace | None = None
    walk: np.ndarray | None = None

    @cached_property
    def layout(self) -> SubtreeLayout:
        return SubtreeLayout.of(self.space)

    @property
    def lexical(self) -> LexicalModel:
        return lexical_model(self.space)

    @property
    def mu_sd(self) -> tuple[float, float]:
        return background_stats(self.background)


_LEXICAL: dict[TargetSpace, LexicalModel] = {}


def lexical_model(space: TargetSpace) -> LexicalModel:
    """The space's :class:`~.scoring.LexicalModel` (tokenised once per space)."""
    model = _LEXICAL.get(space)
    if model is None:
        if len(_LEXICAL) > 64:
            _LEXICAL.clear()
        _LEXICAL[space] = model = LexicalModel(space)
    return model


_PREPARED: dict[
    tuple[str, TargetSpace, int, int, str, int, bool, bool, bool, bool], PreparedSpace
] = {}


def prepare_space(
    space: TargetSpace, emb: BaseEmbedder, settings: AlignSettings = DEFAULT_SETTINGS
) -> PreparedSpace:
    """Give bare targets their programmes, embed every node, score the background.

    Remembered per (embedder, space, the settings it depends on), so repeated
    ``align`` calls against the same frameworks neither re-embed nor re-tokenise.
    """
    key = (
        emb.fingerprint,
        space,
        settings.top_nodes,
        settings.programmes_per_bare_target,
        settings.bare_route,
        settings.bare_target_chars,
        settings.drop_subject,
        settings.frozen_weight > 0,
        settings.parent_weight > 0,
        settings.anchor_weight > 0,
    )
    hit = _PREPARED.get(key)
    if hit is not None:
        return hit if hit.settings == settings else _with_settings(hit, settings)
    if len(_PREPARED) > 64:
        _PREPARED.clear()
    prepared = _prepare_space(space, emb, settings)
    frozen = None
    if settings.frozen_weight > 0:
        from .engine import frozen_embedder

        base = frozen_embedder(emb)
        if base is not None:
            frozen = prepare_space(space, base, settings.replace(frozen_weight=0.0))
    parent = None
    if space.parent is not None and settings.parent_weight > 0:
        parent = prepare_space(space.parent, emb, settings)
    anchor = walk = None
    if space.anchor is not None and settings.anchor_weight > 0:
        anchor = prepare_space(space.anchor, emb, settings)
        walk = crosswalk(own_vectors(anchor), own_vectors(prepared))
    _PREPARED[key] = prepared = replace(
        prepared, frozen=frozen, parent=parent, anchor=anchor, walk=walk
    )
    return prepared


def anchor_walk(prep: PreparedSpace, settings: AlignSettings) -> np.ndarray | None:
    """The crosswalk from ``prep``'s anchor framework, mixed like the dense scores: with
    a domain-adapted embedder, ``frozen_weight`` of the frozen model's crosswalk."""
    walk = prep.walk
    fwalk = prep.frozen.walk if prep.frozen is not None else None
    if walk is None or fwalk is None or settings.frozen_weight <= 0:
        return walk
    w = np.float32(settings.frozen_weight)
    return ((np.float32(1) - w) * walk + w * fwalk).astype(np.float32)


def own_vectors(prep: PreparedSpace) -> np.ndarray:
    """Each target's own node vector (its title and description), ``(targets, dim)``:
    the first node of each target's subtree is the target itself."""
    roots = np.array([n.root for n in prep.space.nodes], dtype=np.int64)
    _, first = np.unique(roots, return_index=True)
    return prep.node_vecs[first]


def _with_settings(prep: PreparedSpace, settings: AlignSettings) -> PreparedSpace:
    return replace(
        prep,
        settings=settings,
        frozen=None if prep.frozen is None else _with_settings(prep.frozen, settings),
        parent=None if prep.parent is None else _with_settings(prep.parent, settings),
        anchor=None if prep.anchor is None else _with_settings(prep.anchor, settings),
    )


def _prepare_space(space: TargetSpace, emb: BaseEmbedder, settings: AlignSettings) -> PreparedSpace:
    prog_texts = programme_texts()
    prog_q = encode_cached(emb, prog_texts, "query")
    bare = [i for i in range(len(space)) if space.bare(i, settings.bare_target_chars)]
    if bare and settings.programmes_per_bare_target > 0:
        # every title, once: family_owners reads the same vectors from the cache
        tq = encode_cached(emb, list(space.target_titles), "query")[bare]
        prog_p = encode_cached(emb, prog_texts, "passage")
        sims = tq @ prog_p.T
        n = settings.programmes_per_bare_target
        assign = {i: list(np.argsort(-sims[k])[:n]) for k, i in enumerate(bare)}
        units = {}
        if settings.bare_route == "families":
            owners = family_owners(space, emb)  # once, for the programmes and the units
            assign.update(programmes_of(won_families(space, emb, bare, owners)))
            units = family_units(space, emb, bare, owners)
        space = with_families(with_programmes(space, assign), units)
    text = embedded_text(settings.drop_subject)
    node_vecs = encode_cached(emb, [text(n.content) for n in space.nodes], "passage")
    background = dense_scores(prog_q, node_vecs, space, settings.top_nodes).combined
    return PreparedSpace(space, node_vecs, background, settings)
