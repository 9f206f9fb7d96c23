"""Calibrate: evidence → a score in (0, 1), a share of the item's evidence, a strength label.

Within one framework an item's evidence (z units, :mod:`.evidence`) becomes

* a **score** by a logistic, ``1 / (1 + exp(−(evidence − midpoint) / scale))``, which ranks;
* a **share** by a softmax with the card's temperature (fitted by
  ``benchmarks/fit_calibration.py`` on the frameworks' and plans' own hierarchies, never
  on labelled data), so shares behave as probabilities of being the right target and
  sum to 1 over the framework's targets;
* a **strength label** cut from the share (:func:`strength_labels`).

>>> import numpy as np
>>> from plansearch.alignment.scorecard import score_card
>>> card = score_card()
>>> strength_labels(np.array([[3.0, 0.5, 0.1]]), card, card.thresholds).tolist()
[['strong', 'none', 'none']]
"""

from __future__ import annotations

import numpy as np

from .scorecard import ScoreCard, Thresholds

#: Strength labels, strongest first (codes 0..3 in :func:`strength_labels`).
STRENGTH_CODES: tuple[str, ...] = ("strong", "partial", "weak", "none")


def logistic(x: np.ndarray, card: ScoreCard) -> np.ndarray:
    """Evidence → score in (0, 1); ``card.logistic_midpoint`` maps to 0.5."""
    return (
        1.0 / (1.0 + np.exp(np.clip(-(x - card.logistic_midpoint) / card.logistic_scale, -80, 80)))
    ).astype(np.float32)


def shares(ev: np.ndarray, temperature: float) -> np.ndarray:
    """Row softmax of ``ev / temperature``: each target's share of an item's evidence.

    Within one framework the shares sum to 1, whatever the framework's size or how
    high its raw scores run, so the same share means the same thing everywhere.
    """
    x = np.asarray(ev, dtype=np.float64) / temperature
    if x.shape[1] == 0:
        return x.astype(np.float32)
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def strength_labels(
    ev: np.ndarray, card: ScoreCard, thresholds: Thresholds, share: np.ndarray | None = None
) -> np.ndarray:
    """Strength label of every (item, target) of one framework: ``(items, targets)`` str.

    The label depends on the target's share of the item's evidence (:func:`shares` with
    ``card.temperature``): ``share ≥ thresholds.strong`` is strong, ``≥ partial``
    partial, ``≥ weak`` weak. Strong and partial also need evidence above generic local
    text (> 0), else the link is at most weak (in a framework of two or three specific
    strategies, a share says little on its own). The top-ranked target is at least weak
    when the item's evidence for it is above generic local text or its share is at least
    ``card.stand_out`` times a uniform share: a link the method ranks first is "none"
    only when it neither stands out among the framework's targets nor beats generic
    local text. ``share`` is :func:`shares` of ``ev`` when the caller has it already.
    """
    p = shares(ev, card.temperature) if share is None else share
    th = thresholds
    code = np.where(p >= th.strong, 0, np.where(p >= th.partial, 1, np.where(p >= th.weak, 2, 3)))
    # a link no stronger than generic local text is at most weak, however few or weak
    # its rivals (a province's two strategies must not split every item "strong")
    code = np.where((code < 2) & (ev <= 0), 2, code)
    if ev.shape[1]:
        top = np.argmax(ev, axis=1)
        rows = np.arange(len(ev))
        stands_out = p[rows, top] >= card.stand_out / ev.shape[1]
        floor = (ev[rows, top] > 0) | stands_out
        code[rows, top] = np.where(floor, np.minimum(code[rows, top], 2), code[rows, top])
    return np.array(STRENGTH_CODES, dtype=object)[code]


def topk_stable(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``k`` largest values and their columns, ties by lower column.

    Same order as ``np.argsort(-row, kind="stable")[:k]`` without sorting whole rows.
    """
    n, t = scores.shape
    k = min(k, t)
    if k == 0:
        return np.zeros((n, 0), np.int32), np.zeros((n, 0), scores.dtype)
    if k < t:
        kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1]
        above = scores > kth[:, None]
        need = k - above.sum(axis=1)
        tie = scores == kth[:, None]
        pick = above | (tie & (np.cumsum(tie, axis=1) <= need[:, None]))
        cols = np.nonzero(pick)[1].reshape(n, k)
    else:
        cols = np.broadcast_to(np.arange(t), (n, t))
    vals = np.take_along_axis(scores, cols, axis=1)
    o = np.argsort(-vals, axis=1, kind="stable")
    return (
        np.take_along_axis(cols, o, axis=1).astype(np.int32),
        np.take_along_axis(vals, o, axis=1),
    )
