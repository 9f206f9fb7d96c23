"""Alignment of local plans with the frameworks above them, one way through:

    align (pipeline) → prepare → evidence → calibrate → results

* :mod:`.pipeline` — :func:`plansearch.align`: resolves the frameworks through the
  registry (:mod:`plansearch.frameworks`), reads the plan's items (:mod:`.items`) and
  runs the stages below;
* :mod:`.prepare` — a framework embedded once (bare targets borrow knowledge:
  :mod:`.bare`; the organisation's own name left out: :mod:`.subject`), no scoring;
* :mod:`.evidence` / :mod:`.lexical` — pure functions from vectors and words to a named
  :class:`~.evidence.FrameworkEvidence`; the planner's corrections vote
  (:mod:`.examples`);
* :mod:`.calibrate` — evidence → score, share and strength label;
* :mod:`.results` — the frozen result types, assembled from the evidence;
* :mod:`.scorecard` — every constant, with its provenance (``scorecard.json``);
  :mod:`.settings` — what a user chooses;
* :mod:`.bulk` / :mod:`.distributed` — matrix-only alignment for national-scale batches;
* similar goals and near-duplicate passages live in :mod:`plansearch.search.similar`.

Example::

    >>> from plansearch.alignment import AlignSettings
    >>> AlignSettings().effective_thresholds.strong
    0.85
"""

from __future__ import annotations

from .examples import Example, ExampleError
from .scorecard import ScoreCard, score_card
from .settings import AlignSettings, SettingsError, Thresholds

__all__ = [
    "AlignSettings",
    "Example",
    "ExampleError",
    "ScoreCard",
    "SettingsError",
    "Thresholds",
    "score_card",
]
