"""Bare targets borrow what local plans conventionally put under them.

A provincial or PAO strategy quoted in a plan is often a title and nothing else
("ยุทธศาสตร์ด้านสังคม"). Such a *bare* target (own text shorter than the score card's
``bare_target_chars``) gets content before it is embedded:

1. the framework's targets divide the conventional strategy families of local plans
   between them (:func:`family_owners`), and each bare target borrows the budget
   programmes, the description and the typical project phrasings of the families it
   holds (:func:`family_units`, :func:`with_families`);
2. a bare target that holds no family borrows the ``programmes_per_bare_target``
   budget programmes closest to its title (:func:`with_programmes`).

So "ด้านสังคม" that holds public health matches "โครงการป้องกันและควบคุมโรคไข้เลือดออก"
through the health phrasings, and "ด้านพัฒนาแหล่งน้ำ" takes the water-supply phrasings
from "ด้านโครงสร้างพื้นฐาน".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from ..frameworks.knowledge import local_programs, naming, programme_texts, strategy_families
from ..frameworks.space import Node, TargetSpace
from ..thai import fold_for_matching
from .scorecard import ScoreCard

#: ``encode(texts, kind) -> vectors`` (framework vectors, cached by the caller).
Encode = Callable[[Sequence[str], str], np.ndarray]


def family_owners(space: TargetSpace, encode: Encode, card: ScoreCard) -> list[int | None]:
    """The plan's partition of its work: for each conventional strategy family (in
    :func:`~plansearch.frameworks.knowledge.strategy_families` order), the index of the
    target that holds it (``None``: no target does).

    1. a family goes to the target whose title *names* it (one of the family's
       ``named_by`` words), the closest such title when several do;
    2. a family no title names goes to its ``umbrella`` family's target (health,
       education and public safety sit under "สังคม/คุณภาพชีวิต" in most plans);
    3. otherwise to the target whose title is closest to the family's text.

    This holds when the framework divides all of a plan's work: its titles name at
    least ``card.partition_min_named`` of the families without an umbrella, or one
    title is a catch-all (``card.catch_all_words``: "ด้านอื่น ๆ"). A framework of a few
    specific strategies (a province's "ท่องเที่ยวที่ยั่งยืน") divides nothing: no target
    holds a family, and its titles only take the typical phrasings they name.
    """
    fams = strategy_families()
    tq = encode(list(space.target_titles), "query")
    fp = encode([f"{f['title']} {f['text']}" for f in fams], "passage")
    sims = tq @ fp.T
    titles = [fold_for_matching(t) for t in space.target_titles]
    index = {f["id"]: k for k, f in enumerate(fams)}
    claims = [naming(titles, f) for f in fams]
    named = sum(bool(c) for f, c in zip(fams, claims, strict=True) if not f.get("umbrella"))
    catch_all = any(w in t for t in titles for w in card.catch_all_words)
    if named < card.partition_min_named and not catch_all:
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


def won_families(bare: Sequence[int], owners: Sequence[int | None]) -> dict[int, list[int]]:
    """``target index → family indexes`` it holds, for the targets in ``bare`` that
    hold at least one family."""
    out = {i: [f for f, o in enumerate(owners) if o == i] for i in bare}
    return {i: fs for i, fs in out.items() if fs}


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
    space: TargetSpace, bare: Sequence[int], owners: Sequence[int | None]
) -> dict[int, list[tuple[int, int | None]]]:
    """The knowledge units each bare target holds: ``target index → [(family, None)``
    for a family's description, ``(family, child)`` for one of its typical project
    phrasings``]``.

    A target holds the families it won (``owners``) with their phrasings, except a
    phrasing that another title names more specifically (its ``named_by`` words:
    "ด้านพัฒนาแหล่งน้ำ" names the water-supply phrasings of the infrastructure family),
    which goes to that title — the family's owner first if it names it too.
    """
    fams = strategy_families()
    titles = [fold_for_matching(t) for t in space.target_titles]
    units: dict[int, list[tuple[int, int | None]]] = {i: [] for i in range(len(space))}
    for f, fam in enumerate(fams):
        own = owners[f]
        if own is not None:
            units[own].append((f, None))
        for c, child in enumerate(fam.get("children", ())):
            claim = naming(titles, child)
            holder = own if not claim or own in claim else claim[0]
            if holder is not None:
                units[holder].append((f, c))
    return {i: units[i] for i in bare if units[i]}


def with_families(
    space: TargetSpace, units: dict[int, list[tuple[int, int | None]]]
) -> TargetSpace:
    """Add the knowledge of conventional strategy families to bare targets (``target
    index → units``, :func:`family_units`)."""
    fams = strategy_families()
    nodes = list(space.nodes)
    for i, held in units.items():
        tid = space.target_ids[i]
        for f, c in held:
            u = fams[f] if c is None else fams[f]["children"][c]
            nodes.append(Node(f"{tid}~{u['id']}", u["title"], u.get("text", ""), u["type"], i))
    return replace(space, nodes=tuple(nodes))


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


def with_borrowed_knowledge(space: TargetSpace, encode: Encode, card: ScoreCard) -> TargetSpace:
    """The space with every bare target's borrowed content added (families first, the
    closest budget programmes for a bare target that holds no family)."""
    bare = [i for i in range(len(space)) if space.bare(i, card.bare_target_chars)]
    if not bare or card.programmes_per_bare_target <= 0:
        return space
    # every title, once: family_owners reads the same vectors from the cache
    tq = encode(list(space.target_titles), "query")[bare]
    prog_p = encode(programme_texts(), "passage")
    sims = tq @ prog_p.T
    n = card.programmes_per_bare_target
    assign = {i: list(np.argsort(-sims[k])[:n]) for k, i in enumerate(bare)}
    owners = family_owners(space, encode, card)  # once, for the programmes and the units
    assign.update(programmes_of(won_families(bare, owners)))
    units = family_units(space, bare, owners)
    return with_families(with_programmes(space, assign), units)
