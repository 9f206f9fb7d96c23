"""Results: the frozen result types of an alignment, assembled from the evidence.

An :class:`Alignment` holds, for every local item (strategy, tactic, goal…), the
ranked targets of every framework it was aligned against, with scores in [0, 1],
shares, strength labels and evidence; plus coverage per target, gaps, orphans and the
linkage table planners fill in (ตารางความเชื่อมโยง). :func:`assemble` builds it from
each framework's :class:`~.evidence.FrameworkEvidence`. Reports (HTML, Excel, CSV,
PNG) take an :class:`Alignment`: :func:`plansearch.write_report`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..frameworks.registry import kinds_for
from ..labels import STRENGTH_TH as STRENGTH_TH  # re-exported (defined in plansearch.labels)
from ..labels import STRENGTHS as STRENGTHS
from ..search.similar import NearDuplicate as NearDuplicate  # defined with search (issue 19)
from ..sections import Plan, Section
from .calibrate import logistic, shares, strength_labels
from .settings import AlignSettings, Thresholds

if TYPE_CHECKING:
    from ..frameworks.space import TargetSpace
    from .evidence import FrameworkEvidence

__all__ = [
    "STRENGTHS",
    "STRENGTH_TH",
    "AlignSettings",
    "Alignment",
    "Evidence",
    "FrameworkInfo",
    "ItemAlignment",
    "LinkageCell",
    "LinkageRow",
    "Match",
    "NearDuplicate",
    "TargetCoverage",
    "Thresholds",
    "assemble",
]


@dataclass(frozen=True)
class Evidence:
    """Why a target was matched: its best-matching sub-item and the shared terms.

    ``sub_id`` is always a node of the target's own subtree in the framework (the
    target itself, a sub-strategy, a master plan's sub-plan, an SDG target). When what
    matched was knowledge hanging under that node (a typical project type, an SDG
    indicator, a sub-plan's local scope), ``via`` names it, e.g. sub-plan MP07.1 via
    "ก่อสร้าง ปรับปรุง และซ่อมแซมถนนในหมู่บ้าน…".
    """

    sub_id: str
    sub_title: str
    sub_type: str
    shared_terms: tuple[str, ...] = ()
    related_terms: tuple[str, ...] = ()
    context: str = ""  # e.g. the parent strategy used as context for a tactic
    via: str = ""


@dataclass(frozen=True)
class Match:
    """One ranked target of one framework for one local item."""

    framework: str
    target_id: str
    target_title: str
    score: float
    strength: str
    rank: int
    dense: float
    lexical: float
    evidence: Evidence
    #: the target's share of the item's evidence within this framework (sums to 1 over
    #: the framework's targets): the value the strength label is cut from
    share: float = 0.0


@dataclass(frozen=True)
class FrameworkInfo:
    """A framework the plan was aligned against (e.g. ``national``, ``sdg``)."""

    name: str
    title: str
    level: str
    column: str  # heading of its column in the linkage table (Thai)
    target_ids: tuple[str, ...]
    target_titles: tuple[str, ...]

    @property
    def heading(self) -> str:
        """What a report calls it: its column heading, else its title, else its name."""
        return self.column or self.title or self.name


@dataclass(frozen=True)
class ItemAlignment:
    """All matches of one local item, per framework (in the order of ``frameworks``)."""

    item: Section
    matches: tuple[tuple[Match, ...], ...]
    frameworks: tuple[str, ...]
    #: per framework, the score of *every* target (order of ``FrameworkInfo.target_ids``)
    scores: tuple[tuple[float, ...], ...] = ()

    def scores_for(self, name: str) -> tuple[float, ...]:
        return self.scores[self.frameworks.index(name)]

    def for_framework(self, name: str) -> tuple[Match, ...]:
        try:
            return self.matches[self.frameworks.index(name)]
        except ValueError:
            raise KeyError(f"no framework {name!r}; aligned against {self.frameworks}") from None

    def best(self, name: str) -> Match | None:
        ms = self.for_framework(name)
        return ms[0] if ms else None

    @property
    def best_score(self) -> float:
        return max((ms[0].score for ms in self.matches if ms), default=0.0)


@dataclass(frozen=True)
class TargetCoverage:
    """How many local items support one target, and how strongly."""

    framework: str
    target_id: str
    title: str
    strong: int
    partial: int
    weak: int
    max_score: float
    supporters: tuple[str, ...]  # local item ids whose top-ranked target this is
    #: the largest share of an item's evidence this target receives (the value the
    #: strength labels are cut from)
    max_share: float = 0.0

    @property
    def supported(self) -> bool:
        return (self.strong + self.partial) > 0


@dataclass(frozen=True)
class LinkageCell:
    """A strategy's best target in one column of the linkage table: its strength label
    and the share of the item's evidence the label is cut from (``score`` ranks)."""

    column: str
    framework: str
    target_id: str | None
    title: str
    score: float
    strength: str
    share: float = 0.0


@dataclass(frozen=True)
class LinkageRow:
    """One row of the linkage table: a local strategy and its best target per column."""

    strategy: Section
    cells: tuple[LinkageCell, ...]


@dataclass(frozen=True)
class Alignment:
    """The outcome of :func:`plansearch.align`.

    >>> al = plansearch.align(["ก่อสร้างถนนคอนกรีตเสริมเหล็ก"], "national")  # doctest: +SKIP
    >>> al.best("national")                                                   # doctest: +SKIP
    ['NS2']
    """

    items: tuple[ItemAlignment, ...]
    frameworks: tuple[FrameworkInfo, ...]
    coverage: tuple[TargetCoverage, ...]
    linkage: tuple[LinkageRow, ...]
    thresholds: Thresholds
    org: str | None = None
    province: str | None = None
    source: str | None = None
    near_duplicates: tuple[NearDuplicate, ...] = ()
    method: str = ""
    meta: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    #: every constant the scores were computed with (``None`` for hand-built results)
    settings: AlignSettings | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[ItemAlignment]:
        return iter(self.items)

    @property
    def framework_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.frameworks)

    def framework(self, name: str) -> FrameworkInfo:
        for f in self.frameworks:
            if f.name == name:
                return f
        raise KeyError(f"no framework {name!r}; aligned against {self.framework_names}")

    def best(self, framework: str | None = None) -> list[str | None]:
        """For each local item, in input order, the id of its top-ranked target.

        ``framework`` defaults to the first framework aligned against. There is
        always one id per item however weak the match (see the strength label);
        ``None`` only when the framework has no targets at all.
        """
        name = framework or self.frameworks[0].name
        self.framework(name)  # raises a clear KeyError for unknown names
        out: list[str | None] = []
        for it in self.items:
            m = it.best(name)
            out.append(m.target_id if m else None)
        return out

    def gaps(self, framework: str | None = None) -> list[TargetCoverage]:
        """Targets that no local item supports (no strong or partial link).

        A target that is some item's top-ranked link with strength strong or partial
        is never a gap: coverage counts the same labels the matches carry.
        """
        return [
            c
            for c in self.coverage
            if not c.supported and (framework is None or c.framework == framework)
        ]

    def orphans(self, framework: str | None = None) -> list[ItemAlignment]:
        """Local items whose top-ranked target is labelled "none" in every framework."""
        names = [framework] if framework else list(self.framework_names)
        out = []
        for it in self.items:
            tops = [m for n in names for m in it.for_framework(n)[:1]]
            if all(m.strength == "none" for m in tops):
                out.append(it)
        return out

    # ------------------------------------------------------------------ exports
    def to_records(self) -> list[dict[str, Any]]:
        """One flat row per (local item, framework, ranked target): for CSV/Excel."""
        rows: list[dict[str, Any]] = []
        for it in self.items:
            s = it.item
            for name, ms in zip(it.frameworks, it.matches, strict=True):
                for m in ms:
                    rows.append(
                        {
                            "item_id": s.id,
                            "org": s.org or "",
                            "kind": s.kind,
                            "level": s.level,
                            "path": s.path,
                            "item_text": s.content,
                            "framework": name,
                            "rank": m.rank,
                            "target_id": m.target_id,
                            "target_title": m.target_title,
                            "score": round(m.score, 4),
                            "strength": m.strength,
                            "dense": round(m.dense, 4),
                            "lexical": round(m.lexical, 4),
                            "evidence_id": m.evidence.sub_id,
                            "evidence_title": m.evidence.sub_title,
                            "evidence_via": m.evidence.via,
                            "shared_terms": " ".join(m.evidence.shared_terms),
                        }
                    )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "province": self.province,
            "source": self.source,
            "method": self.method,
            "thresholds": asdict(self.thresholds),
            "settings": self.settings.to_dict() if self.settings is not None else None,
            "frameworks": [asdict(f) for f in self.frameworks],
            "items": [
                {
                    "item": it.item.to_dict(),
                    "matches": {
                        name: [asdict(m) for m in ms]
                        for name, ms in zip(it.frameworks, it.matches, strict=True)
                    },
                }
                for it in self.items
            ],
            "coverage": [asdict(c) for c in self.coverage],
            "linkage": [
                {"strategy": r.strategy.to_dict(), "cells": [asdict(c) for c in r.cells]}
                for r in self.linkage
            ],
            "near_duplicates": [
                {"a": d.a.to_dict(), "b": d.b.to_dict(), "similarity": d.similarity}
                for d in self.near_duplicates
            ],
            "meta": dict(self.meta),
        }

    def to_json(self, path: str | Path | None = None, *, indent: int | None = 2) -> str:
        """The whole alignment as JSON (Thai kept readable); also written to ``path``."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
        if path is not None:
            _atomic_write_text(Path(path), text)
        return text


def _atomic_write_text(path: Path, text: str) -> None:
    from ..fileio import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)


def _matches(
    i: int,
    fe: FrameworkEvidence,
    final: np.ndarray,
    labels: np.ndarray,
    share: np.ndarray,
    words: list[str],
    ctx: str,
    k: int,
) -> tuple[Match, ...]:
    """Item ``i``'s ``k`` best targets in one framework, each with its evidence: the
    best-matching node of the target's subtree and the item's words found there."""
    sp = fe.space
    lex = fe.lexical
    order = np.argsort(-final[i], kind="stable")[:k]
    out = []
    for rank, t in enumerate(order, 1):
        n = int(fe.dense.best_node[i, t])
        node = sp.nodes[n]
        own = sp.node_by_id.get(
            node.sub_id, node
        )  # the framework's node a knowledge unit hangs under
        via = node.title if own is not node else ""
        node_toks = lex.node_tokens[n]
        shared = [w for w in words if w in node_toks]
        related = [w for w in words if w in lex.target_tokens[t] and w not in node_toks]
        out.append(
            Match(
                framework=sp.name,
                target_id=sp.target_ids[t],
                target_title=sp.target_titles[t],
                score=round(float(final[i, t]), 4),
                strength=str(labels[i, t]),
                share=round(float(share[i, t]), 4),
                rank=rank,
                dense=round(float(fe.dense.combined[i, t]), 4),
                lexical=round(float(lex.coverage[i, t]), 4),
                evidence=Evidence(
                    own.id,
                    own.title,
                    own.type,
                    tuple(shared[:8]),
                    tuple(related[:8]),
                    ctx,
                    via,
                ),
            )
        )
    return tuple(out)


def assemble(
    items: list[Section],
    plan: Plan | None,
    spaces: list[TargetSpace],
    evidence: list[FrameworkEvidence],
    tokens: list[list[str]],
    k: int,
    settings: AlignSettings,
    method: str,
    meta: tuple[tuple[str, str], ...],
    contexts: list[str] | None = None,
) -> Alignment:
    """The :class:`Alignment` of ``items``: per framework, the scores (logistic of the
    evidence), shares and strength labels (:mod:`.calibrate`) of every target, the
    ``k`` best with evidence, coverage per target and the linkage table."""
    card = settings.card
    th = settings.effective_thresholds
    infos = tuple(
        FrameworkInfo(s.name, s.title, s.level, s.column, s.target_ids, s.target_titles)
        for s in spaces
    )
    names = tuple(s.name for s in spaces)
    finals = [logistic(fe.evidence, card) for fe in evidence]
    share_sets = [shares(fe.evidence, card.temperature) for fe in evidence]
    label_sets = [
        strength_labels(fe.evidence, card, th, p)
        for fe, p in zip(evidence, share_sets, strict=True)
    ]
    item_results: list[ItemAlignment] = []
    for i, item in enumerate(items):
        ctx = ""
        if contexts is not None:
            ctx = contexts[i]
        elif item.parent_id and plan is not None:
            parent = plan.get(item.parent_id)
            ctx = parent.title if parent else ""
        words = list(dict.fromkeys(tokens[i]))
        matches = tuple(
            _matches(i, fe, final, lab, shr, words, ctx, k)
            for fe, final, lab, shr in zip(evidence, finals, label_sets, share_sets, strict=True)
        )
        scores = tuple(tuple(round(float(x), 4) for x in final[i]) for final in finals)
        item_results.append(ItemAlignment(item, matches, names, scores))

    coverage = []
    for f, sp in enumerate(spaces):
        for t, tid in enumerate(sp.target_ids):
            col = [it.scores[f][t] for it in item_results]
            top_share = float(share_sets[f][:, t].max()) if item_results else 0.0
            labels = [str(x) for x in label_sets[f][:, t]] if item_results else []
            tops = tuple(
                it.item.id
                for it in item_results
                if it.matches[f] and it.matches[f][0].target_id == tid
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
                    max_share=round(top_share, 4),
                )
            )

    heads = kinds_for("strategy")  # the kinds that head a ผ.02 block
    strategies = [it for it in item_results if it.item.kind in heads] or item_results
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
                    share=m.share if m else 0.0,
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
        method=method,
        meta=meta,
        settings=settings,
    )
