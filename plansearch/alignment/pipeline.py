"""``align()``: rank, for every local strategy and tactic, the targets it supports.

One way through::

    against ──frameworks.resolve──► target spaces ──prepare──► node vectors + background
    local ──items──► query vectors (with context) + Thai words ─┐
                                                                 ├─evidence─► z units
    planner's examples ─────────────────────────────────────────┘      │
                                          calibrate: score, share, label ◄┘
                                          results: matches with evidence, coverage, linkage

Every constant comes from the score card (:mod:`.scorecard`); every fact about a
framework from the registry (:mod:`plansearch.frameworks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..frameworks.knowledge import programme_texts
from ..frameworks.space import FrameworkSpec, resolve
from ..sections import Plan, Section
from .evidence import evidence_for
from .examples import Example, ExampleSet, coerce_examples
from .items import ItemQueries, items_from
from .prepare import framework_vectors, prepare_space
from .results import Alignment, assemble
from .scorecard import Thresholds, strength_note
from .settings import DEFAULT_SETTINGS, AlignSettings

if TYPE_CHECKING:
    from ..embed.base import BaseEmbedder

__all__ = ["FrameworkSpec", "align", "resolve_settings"]


def _default_embedder() -> BaseEmbedder:
    from ..embed import Embedder

    return Embedder()


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
        s = s.replace(context=False)
    return s


def align(
    local: Plan | Sequence[Section] | Sequence[str] | str,
    against: FrameworkSpec | None = None,
    *,
    k: int = 3,
    embedder: BaseEmbedder | None = None,
    settings: AlignSettings | None = None,
    thresholds: Thresholds | None = None,
    context: bool | Sequence[str] = True,
    examples: Iterable[Example | Mapping[str, object]] | None = None,
) -> Alignment:
    """Rank the targets each local item supports, in every framework of ``against``.

    ``local`` is a :class:`~plansearch.Plan` (its own strategies, tactics and projects
    are aligned), a list of sections, or a list of plain strings. ``against`` is a
    built-in name (``"national"``, ``"nesdp13"``, ``"nesdp12"``, ``"sdg"``, ``"dla"``,
    ``"masterplan"``), a level quoted in the plan (``"province"``, ``"pao"``,
    ``"provincial_group"``), a :class:`~plansearch.Reference`, a path to a
    JSON/YAML/CSV/XLSX framework, or a list of these; by default the registry's
    defaults plus the levels the plan quotes. ``settings`` holds a user's choices and
    the score card (:class:`~plansearch.alignment.settings.AlignSettings`);
    ``thresholds`` and ``context=False`` are shortcuts for two of them. The result
    records the settings used (``Alignment.settings``).

    A tactic or project is embedded with its parent strategy/tactic as context. For a
    plain list (e.g. project names), ``context`` may be one string per item — its
    tactic or strategy::

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
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"k must be an int, not {type(k).__name__}")
    if k < 1:
        raise ValueError("k must be at least 1")
    contexts: list[str] | None = None
    if not isinstance(context, bool):
        if isinstance(context, str):
            raise TypeError("context must be True/False or one string per item, not a str")
        contexts = [str(c or "") for c in context]
    cfg = resolve_settings(settings, thresholds, bool(context) or contexts is not None)
    card = cfg.card
    exs = coerce_examples(examples)
    items, plan = items_from(local)
    if contexts is not None and len(contexts) != len(items):
        raise ValueError(f"context has {len(contexts)} strings for {len(items)} items")
    spaces = resolve(against, plan)
    if not spaces:
        raise ValueError("nothing to align against: no framework has any target")
    emb = embedder or _default_embedder()
    method = f"{cfg.describe(emb.name)}; {strength_note(emb.fingerprint, cfg.fingerprint())}"
    meta = (("embedder", emb.fingerprint), ("settings", cfg.fingerprint()))
    if not items:
        return assemble([], plan, spaces, [], [], k, cfg, method, meta, contexts)
    prepared = [prepare_space(s, emb, card) for s in spaces]
    queries = ItemQueries.of(items, plan, emb, card, cfg.context_weight, contexts)
    example_set = None
    if exs:
        example_set = ExampleSet(
            exs,
            emb.encode([e.text for e in exs], kind="query", show_progress=False),
            framework_vectors(emb, programme_texts(), "query"),
        )
    evidence = evidence_for(queries, prepared, card, example_set)
    return assemble(items, plan, spaces, evidence, queries.tokens, k, cfg, method, meta, contexts)
