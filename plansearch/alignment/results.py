"""Result types of an alignment run (all frozen dataclasses) and their exports.

An :class:`Alignment` holds, for every local item (strategy, tactic, goal…), the
ranked targets of every framework it was aligned against, with scores in [0, 1],
strength labels and evidence; plus coverage per target, gaps, orphans, the
linkage table planners fill in (ตารางความเชื่อมโยง) and near-duplicate passages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..labels import STRENGTH_TH as STRENGTH_TH  # re-exported (defined in plansearch.labels)
from ..labels import STRENGTHS as STRENGTHS
from ..search.similar import NearDuplicate as NearDuplicate  # defined with search (issue 19)
from ..sections import Section
from .settings import AlignSettings, Thresholds

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
]


@dataclass(frozen=True)
class Evidence:
    """Why a target was matched: its best-matching sub-item and the shared terms."""

    sub_id: str
    sub_title: str
    sub_type: str
    shared_terms: tuple[str, ...] = ()
    related_terms: tuple[str, ...] = ()
    context: str = ""  # e.g. the parent strategy used as context for a tactic


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
    #: the framework's targets); the strength label reads it (``calibration="share"``)
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

    @property
    def supported(self) -> bool:
        return (self.strong + self.partial) > 0


@dataclass(frozen=True)
class LinkageCell:
    column: str
    framework: str
    target_id: str | None
    title: str
    score: float
    strength: str


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

    def to_csv(self, path: str | Path) -> Path:
        """One row per (item, framework, ranked target); UTF-8 with BOM so Excel reads Thai.

        Text that a spreadsheet would run as a formula is neutralised
        (see :mod:`plansearch.report.tables`).
        """
        from ..report.tables import write_csv

        return write_csv(self, path)

    def to_html(self, path: str | Path, *, title: str | None = None) -> Path:
        """A self-contained HTML report in Thai (see :mod:`plansearch.report.html`)."""
        from ..report.html import write_html

        return write_html(self, path, title=title)

    def to_excel(self, path: str | Path) -> Path:
        """An .xlsx workbook: summary, linkage table and a sheet per framework."""
        from ..report.excel import write_excel

        return write_excel(self, path)

    def heatmap_png(self, path: str | Path, framework: str | None = None) -> Path:
        """A PNG heatmap of local strategies × targets (Thai labels rendered)."""
        from ..report.heatmap import write_heatmap_png

        return write_heatmap_png(self, path, framework=framework)


def _atomic_write_text(path: Path, text: str) -> None:
    from ..fileio import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
