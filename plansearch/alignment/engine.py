"""``align()``: rank, for every local strategy and tactic, the targets it supports.

Pipeline per framework (see :mod:`.targets` and :mod:`.scoring`)::

    items ──embed (query)──┐
                           ├─ best node of each subtree ─┐
    target subtrees ─embed─┘  + whole-subtree passage    ├─ calibrate ─┐
                                                         │             ├─ score ∈ [0,1]
    items ──Thai words── idf-weighted coverage ──────────┴─────────────┘

A tactic is embedded together with its parent strategy (``context``), bare
targets borrow the standard budget programmes they conventionally cover, and
every ranked target carries evidence: its best-matching sub-item and shared words.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ..embed.base import BaseEmbedder, l2_normalise
from ..sections import Plan, Section
from .examples import Example, coerce_examples, example_votes
from .measured import strength_note
from .results import (
    Alignment,
    Evidence,
    FrameworkInfo,
    ItemAlignment,
    LinkageCell,
    LinkageRow,
    Match,
    TargetCoverage,
    Thresholds,
)
from .scoring import (
    DenseScores,
    anchor_prior,
    evidence,
    lexical_scores,
    logistic,
    mixed_z,
    parent_prior,
    shares,
    strength_labels,
    structure_prior,
    subtree_best_node,
    subtree_scores,
)
from .settings import DEFAULT_SETTINGS, DEFAULT_THRESHOLDS, AlignSettings
from .subject import embedded_text
from .targets import (
    PreparedSpace,
    TargetSpace,
    anchor_walk,
    encode_cached,
    prepare_space,
    programme_texts,
    space_from_reference,
)

__all__ = ["DEFAULT_THRESHOLDS", "AlignSettings", "align", "item_vectors"]

#: Deprecated alias of ``AlignSettings().context_weight``.
CONTEXT_WEIGHT = DEFAULT_SETTINGS.context_weight
#: Frameworks used when aligning a whole plan and nothing else is asked for.
DEFAULT_FRAMEWORKS: tuple[str, ...] = ("national", "nesdp13", "sdg", "dla")
#: Levels whose strategies, when a plan quotes them, become frameworks automatically.
PLAN_LEVELS: tuple[str, ...] = ("provincial_group", "province", "pao")

if TYPE_CHECKING:
    from .references import Reference

#: What ``align(against=...)`` accepts: a framework name, a file, a Reference, or a list.
FrameworkSpec = Union[
    str, os.PathLike[str], "Reference", Sequence[Union[str, os.PathLike[str], "Reference"]]
]

#: Kinds of a plan's own sections that are aligned by default.
ALIGNED_KINDS: tuple[str, ...] = ("strategy", "tactic", "project")
#: Kinds aligned when a plan has no strategies or tactics of its own.
FALLBACK_KINDS: tuple[str, ...] = ("goal", "objective", "target", "mission", "policy", "vision")

#: Deprecated names (kept for callers of the private API).
_Prepared = PreparedSpace
_encode_cached = encode_cached


def _prepare(
    space: TargetSpace, emb: BaseEmbedder, settings: AlignSettings = DEFAULT_SETTINGS
) -> PreparedSpace:
    return prepare_space(space, emb, settings)


def _default_embedder() -> BaseEmbedder:
    from ..embed import Embedder

    return Embedder()


def _items_from(
    local: Plan | Sequence[Section] | Sequence[str] | str,
) -> tuple[list[Section], Plan | None]:
    if isinstance(local, Plan):
        items = [s for s in local.sections if s.level == "local" and s.kind in ALIGNED_KINDS]
        if not items:  # a plan that states only its vision, missions and goals
            items = [s for s in local.sections if s.level == "local" and s.kind in FALLBACK_KINDS]
        return items, local
    if isinstance(local, str):
        local = [local]
    items = []
    for i, x in enumerate(local):
        if isinstance(x, Section):
            items.append(x)
        elif isinstance(x, str):
            if not x.strip():
                raise ValueError(f"local item {i} is empty")
            items.append(Section.from_text(x, kind="goal", id=f"item-{i + 1:04d}"))
        else:
            raise TypeError(f"local items must be Section or str, not {type(x).__name__}")
    return items, None


def _resolve_frameworks(against: Any, plan: Plan | None) -> list[TargetSpace]:
    from .references import (
        Reference,
        companions,
        load_reference,
        reference_from_sections,
    )

    if against is None:
        against = list(DEFAULT_FRAMEWORKS)
        if plan is not None:
            against += [lv for lv in PLAN_LEVELS if any(s.level == lv for s in plan.sections)]
    if isinstance(against, str | Path | Reference):
        against = [against]
    spaces: list[TargetSpace] = []
    for a in against:
        if isinstance(a, Reference):
            spaces.append(space_from_reference(a, root_type=a.root_type))
        elif (
            isinstance(a, Path)
            or (isinstance(a, str) and os.path.sep in a)
            or (isinstance(a, str) and Path(a).suffix.lower() in {".json", ".yaml", ".yml", ".csv"})
        ):
            spaces.append(space_from_reference(load_reference(a)))
        elif a in PLAN_LEVELS or a in ("department", "district"):
            if plan is None:
                raise ValueError(
                    f"{a!r} strategies come from a parsed plan that quotes them; pass a Plan, "
                    f"or load them with plansearch.load_reference(path)"
                )
            secs = [s for s in plan.sections if s.level == a]
            if secs:
                spaces.append(space_from_reference(reference_from_sections(secs, name=a, level=a)))
        else:
            # built-ins come from the registry: a derived framework (masterplan = the
            # national reference's master_plan nodes) and its companions need no code here
            for name in [a, *companions(a)]:
                spaces.append(builtin_space(name))
    seen: set[str] = set()
    out = []
    for s in spaces:
        if s.name not in seen and len(s):
            seen.add(s.name)
            out.append(s)
    return out


def builtin_space(name: str) -> TargetSpace:
    """The target space of a built-in framework, with its parent level (master plans)
    or anchor framework (SDGs, NESDP milestones) as the registry describes them."""
    from .references import framework_info, reference

    ref = reference(name)
    info = framework_info(name)
    space = space_from_reference(
        ref, name=ref.name, root_type=ref.root_type, parent_name=info.derived_from
    )
    if info.anchored_to:
        space = replace(space, anchor=builtin_space(info.anchored_to))
    return space


def item_vectors(
    items: Sequence[Section],
    plan: Plan | None,
    emb: BaseEmbedder,
    settings: AlignSettings = DEFAULT_SETTINGS,
    contexts: Sequence[str] | None = None,
) -> np.ndarray:
    """The items' query vectors, each with its context added, then re-normalised.

    An item's context is its ancestors in the plan: ``context_weight`` × its parent's
    vector (a tactic's strategy, a project's tactic or strategy) and
    ``context_weight²`` × its grandparent's (a project's strategy, when its parent is
    a tactic). Parents are looked up among the plan's sections, or among ``items``
    when there is no plan. ``contexts`` (one string per item, ``""`` for none) gives
    the context of plain items instead, e.g. each project name's tactic. With
    ``context_weight`` 0 the vectors are the plain query embeddings.
    """
    text = embedded_text(settings.drop_subject)
    q = emb.encode([text(s.content) for s in items], kind="query", show_progress=len(items) > 512)
    cw = settings.context_weight
    if cw == 0:
        return q
    add: list[tuple[int, str, float]] = []  # (item, context text, weight)
    if contexts is not None:
        add = [(i, c, cw) for i, c in enumerate(contexts) if c and c.strip()]
    else:
        pool = {s.id: s for s in (plan.sections if plan is not None else items)}
        for i, s in enumerate(items):
            parent = pool.get(s.parent_id) if s.parent_id else None
            if parent is None:
                continue
            add.append((i, parent.content, cw))
            grand = pool.get(parent.parent_id) if parent.parent_id else None
            if grand is not None and s.kind == "project" and parent.kind == "tactic":
                add.append((i, grand.content, cw * cw))
    if not add:
        return q
    cv = emb.encode([text(c) for _, c, _ in add], kind="query", show_progress=False)
    q = q.copy()
    for k, (i, _, w) in enumerate(add):
        q[i] = q[i] + w * cv[k]
    return l2_normalise(q)


def frozen_embedder(emb: BaseEmbedder) -> BaseEmbedder | None:
    """The frozen base model of a domain-adapted embedder (``None`` when not adapted):
    what :func:`align` ensembles with the adapted model (``AlignSettings.frozen_weight``)."""
    get = getattr(emb, "frozen_embedder", None)
    return get() if callable(get) else None


def _item_vectors(
    items: list[Section], plan: Plan | None, emb: BaseEmbedder, context: bool
) -> np.ndarray:
    """Deprecated: :func:`item_vectors` with the default context weight (or none)."""
    s = DEFAULT_SETTINGS if context else DEFAULT_SETTINGS.replace(context_weight=0.0)
    return item_vectors(items, plan, emb, s)


def resolve_settings(
    settings: AlignSettings | None, thresholds: Thresholds | None = None, context: bool = True
) -> AlignSettings:
    """The settings a call runs with: ``settings`` (or the defaults) plus the shortcuts."""
    s = settings if settings is not None else DEFAULT_SETTINGS
    if not isinstance(s, AlignSettings):
        raise TypeError(f"settings must be AlignSettings, not {type(s).__name__}")
    if thresholds is not None:
        s = s.replace(thresholds=thresholds)
    if not context:
        s = s.replace(context_weight=0.0)
    return s


def align(
    local: Plan | Sequence[Section] | Sequence[str] | str,
    against: FrameworkSpec | None = None,
    *,
    k: int = 3,
    top_k: int | None = None,
    embedder: BaseEmbedder | None = None,
    settings: AlignSettings | None = None,
    thresholds: Thresholds | None = None,
    context: bool | Sequence[str] = True,
    examples: Iterable[Example | Mapping[str, object]] | None = None,
) -> Alignment:
    """Rank the targets each local item supports, in every framework of ``against``.

    ``local`` is a :class:`~plansearch.Plan` (its own strategies and tactics are
    aligned), a list of sections, or a list of plain strings. ``against`` is a
    built-in name (``"national"``, ``"nesdp13"``, ``"nesdp12"``, ``"sdg"``,
    ``"dla"``, ``"masterplan"``), a level quoted in the plan (``"province"``,
    ``"pao"``, ``"provincial_group"``), a :class:`Reference`, a path to a
    JSON/YAML/CSV framework, or a list of these. ``settings`` holds every
    constant of the score (:class:`~plansearch.alignment.settings.AlignSettings`);
    ``thresholds`` and ``context=False`` are shortcuts that replace its strength
    thresholds or set its ``context_weight`` to 0. The result records the
    settings used (``Alignment.settings``).

    A plan's strategies, tactics and projects are aligned, each tactic and project
    with its parent strategy/tactic as context. For a plain list (e.g. project
    names), ``context`` may be one string per item — its tactic or strategy::

        align(["โครงการก่อสร้างถนน คสล. หมู่ 3"], "national",
              context=["พัฒนาเส้นทางคมนาคมให้ได้มาตรฐาน"])

    ``examples`` are links the planner confirmed or rejected
    (:class:`~plansearch.alignment.examples.Example`, or dicts with ``text``,
    ``framework``, ``target_id``, ``accepted``): items similar to an example's text
    move towards (or away from) its target; unrelated items are not affected.

    >>> al = align(["ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน"], "national")  # doctest: +SKIP
    >>> al.best("national")                                                  # doctest: +SKIP
    ['NS2']
    """
    if top_k is not None:  # the old name of ``k``
        warnings.warn("align(top_k=) is deprecated; use k=", DeprecationWarning, stacklevel=2)
        k = top_k
    top_k = k
    if top_k < 1:
        raise ValueError("top_k must be at least 1")
    contexts: list[str] | None = None
    if not isinstance(context, bool):
        if isinstance(context, str):
            raise TypeError("context must be True/False or one string per item, not a str")
        contexts = [str(c or "") for c in context]
    cfg = resolve_settings(settings, thresholds, bool(context) or contexts is not None)
    exs = coerce_examples(examples)
    items, plan = _items_from(local)
    if contexts is not None and len(contexts) != len(items):
        raise ValueError(f"context has {len(contexts)} strings for {len(items)} items")
    spaces = _resolve_frameworks(against, plan)
    if not spaces:
        raise ValueError("nothing to align against: no framework has any target")
    emb = embedder or _default_embedder()
    if not items:
        return _assemble([], plan, spaces, [], [], top_k, cfg, emb, contexts)
    q = item_vectors(items, plan, emb, cfg, contexts)
    frozen = frozen_embedder(emb) if cfg.frozen_weight > 0 else None
    qf = item_vectors(items, plan, frozen, cfg, contexts) if frozen is not None else None
    texts = [s.content for s in items]
    from ..thai import tokenize

    toks = [tokenize(t) for t in texts]
    ex_vecs = bg_vecs = None
    if exs:
        ex_vecs = emb.encode([e.text for e in exs], kind="query", show_progress=False)
        bg_vecs = encode_cached(emb, programme_texts(), "query")
    row = {s.id: k for k, s in enumerate(items)}
    parents = np.array([row.get(s.parent_id, -1) if s.parent_id else -1 for s in items])

    def score(space: TargetSpace, extra: np.ndarray | None = None) -> tuple[Any, ...]:
        prep = prepare_space(space, emb, cfg)
        sims = (q @ prep.node_vecs.T).astype(np.float32)
        dense = DenseScores(
            subtree_scores(sims, prep.layout, cfg.top_nodes),
            subtree_best_node(sims, prep.layout),
        )
        lex = lexical_scores(texts, prep.space, toks, model=prep.lexical)
        views = [(dense.combined, *prep.mu_sd, 1.0)]
        fprep = prep.frozen
        if fprep is not None and qf is not None:  # ensemble with the frozen base model
            fsims = (qf @ fprep.node_vecs.T).astype(np.float32)
            fdense = subtree_scores(fsims, fprep.layout, cfg.top_nodes)
            views = [
                (dense.combined, *prep.mu_sd, 1.0 - cfg.frozen_weight),
                (fdense, *fprep.mu_sd, cfg.frozen_weight),
            ]
        z = mixed_z(views)
        mine = [k for k, e in enumerate(exs) if e.framework == space.name]
        if mine and ex_vecs is not None and bg_vecs is not None:
            votes = example_votes(
                q, ex_vecs[mine], bg_vecs, [exs[k] for k in mine], prep.space.target_ids, cfg
            )
            extra = cfg.example_weight * votes + (0 if extra is None else extra)
        ev = evidence(z, lex.coverage, cfg, extra)
        if cfg.structure_weight and (parents >= 0).any():
            ev = structure_prior(ev, parents, cfg.structure_weight)
        return (prep, dense, ev, lex, logistic(ev, cfg))

    # coarser levels first: a master plan's score includes its national strategy's, an
    # SDG's what the item's national strategies say through the crosswalk
    done: dict[tuple[str, tuple[str, ...]], tuple[Any, ...]] = {}

    def scored(space: TargetSpace) -> tuple[Any, ...]:
        key = (space.name, space.target_ids)
        if key not in done:
            done[key] = score(space)
        return done[key]

    per_space = []
    for space in sorted(spaces, key=lambda s: s.parent is not None or s.anchor is not None):
        extra = None
        if space.parent is not None and cfg.parent_weight:
            extra = parent_prior(
                scored(space.parent)[2], np.array(space.target_parents), cfg.parent_weight
            )
        if space.anchor is not None and cfg.anchor_weight:
            walk = anchor_walk(prepare_space(space, emb, cfg), cfg)
            if walk is not None:
                add = anchor_prior(
                    scored(space.anchor)[2], walk, cfg.anchor_weight, cfg.temperature
                )
                extra = add if extra is None else extra + add
        done[(space.name, space.target_ids)] = score(space, extra)
    per_space = [done[(s.name, s.target_ids)] for s in spaces]
    return _assemble(items, plan, spaces, per_space, toks, top_k, cfg, emb, contexts)


def _assemble(
    items: list[Section],
    plan: Plan | None,
    spaces: list[TargetSpace],
    per_space: list[Any],
    toks: list[list[str]],
    top_k: int,
    cfg: AlignSettings,
    emb: BaseEmbedder,
    contexts: Sequence[str] | None = None,
) -> Alignment:
    th = cfg.thresholds
    infos = tuple(
        FrameworkInfo(s.name, s.title, s.level, s.column, s.target_ids, s.target_titles)
        for s in spaces
    )
    names = tuple(s.name for s in spaces)
    label_sets = [strength_labels(ev, final, cfg) for _p, _d, ev, _l, final in per_space]
    share_sets = [shares(ev, cfg.temperature) for _p, _d, ev, _l, _f in per_space]
    item_results: list[ItemAlignment] = []
    for i, item in enumerate(items):
        all_matches = []
        all_scores = []
        ctx = ""
        if contexts is not None:
            ctx = contexts[i]
        elif item.parent_id and plan is not None:
            parent = plan.get(item.parent_id)
            ctx = parent.title if parent else ""
        words = list(dict.fromkeys(toks[i]))
        for (prep, dense, _ev, lex, final), lab, shr in zip(
            per_space, label_sets, share_sets, strict=True
        ):
            sp: TargetSpace = prep.space
            order = np.argsort(-final[i], kind="stable")[:top_k]
            ms = []
            for rank, t in enumerate(order, 1):
                n = int(dense.best_node[i, t])
                node = sp.nodes[n]
                node_toks = lex.node_tokens[n]
                shared = [w for w in words if w in node_toks]
                related = [w for w in words if w in lex.target_tokens[t] and w not in node_toks]
                score = float(final[i, t])
                ms.append(
                    Match(
                        framework=sp.name,
                        target_id=sp.target_ids[t],
                        target_title=sp.target_titles[t],
                        score=round(score, 4),
                        strength=str(lab[i, t]),
                        share=round(float(shr[i, t]), 4),
                        rank=rank,
                        dense=round(float(dense.combined[i, t]), 4),
                        lexical=round(float(lex.coverage[i, t]), 4),
                        evidence=Evidence(
                            node.id,
                            node.title,
                            node.type,
                            tuple(shared[:8]),
                            tuple(related[:8]),
                            ctx,
                        ),
                    )
                )
            all_matches.append(tuple(ms))
            all_scores.append(tuple(round(float(x), 4) for x in final[i]))
        item_results.append(ItemAlignment(item, tuple(all_matches), names, tuple(all_scores)))

    coverage = []
    for k, sp in enumerate(spaces):
        for t, tid in enumerate(sp.target_ids):
            col = [it.scores[k][t] for it in item_results]
            labels: list[str]
            if cfg.calibration == "score":  # labels of the rounded scores, as before
                labels = [th.label(x) for x in col]
            else:
                labels = [str(x) for x in label_sets[k][:, t]] if item_results else []
            tops = tuple(
                it.item.id
                for it in item_results
                if it.matches[k] and it.matches[k][0].target_id == tid
            )
            coverage.append(
                TargetCoverage(
                    framework=sp.name,
                    target_id=tid,
                    title=sp.target_titles[t],
                    strong=labels.count("strong"),
                    partial=labels.count("partial"),
                    weak=labels.count("weak"),
                    max_score=max(col, default=0.0),
                    supporters=tops,
                )
            )

    strategies = [it for it in item_results if it.item.kind == "strategy"] or item_results
    linkage = []
    for it in strategies:
        cells: list[LinkageCell] = []
        for sp, top in zip(spaces, it.matches, strict=True):
            m = top[0] if top else None
            cells.append(
                LinkageCell(
                    column=sp.column,
                    framework=sp.name,
                    target_id=m.target_id if m else None,
                    title=m.target_title if m else "",
                    score=m.score if m else 0.0,
                    strength=m.strength if m else "none",
                )
            )
        linkage.append(LinkageRow(it.item, tuple(cells)))

    return Alignment(
        items=tuple(item_results),
        frameworks=infos,
        coverage=tuple(coverage),
        linkage=tuple(linkage),
        thresholds=th,
        org=plan.org if plan else None,
        province=plan.province if plan else None,
        source=plan.source if plan else None,
        method=f"{cfg.describe(emb.name)}; {strength_note(emb.fingerprint, cfg.fingerprint())}",
        meta=(("embedder", emb.fingerprint), ("settings", cfg.fingerprint())),
        settings=cfg,
    )
