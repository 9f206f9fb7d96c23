"""Alignment of local plans with the frameworks above them.

* :mod:`.references` — built-in frameworks (national strategy, NESDP, SDGs, DLA) and
  user frameworks from JSON/YAML/CSV;
* :mod:`.targets` / :mod:`.scoring` — a framework flattened into scored subtrees; the
  score itself is computed only in :mod:`.scoring`, with the constants of one
  :class:`~.settings.AlignSettings` (:mod:`.settings`);
* :mod:`.engine` — :func:`align`; :mod:`.results` — the frozen result types;
* similar goals and near-duplicate passages live in :mod:`plansearch.search.similar`;
* :mod:`.bulk` — matrix-only alignment for national-scale batches.

Example::

    >>> from plansearch.alignment import reference
    >>> reference("nesdp13").get("M1").type
    'milestone'
"""

from __future__ import annotations

from .examples import Example, ExampleError
from .references import (
    BUILTINS,
    Reference,
    Target,
    available_references,
    load_reference,
    reference,
    reference_from_dict,
    reference_from_sections,
)
from .settings import AlignSettings, SettingsError, Thresholds

__all__ = [
    "BUILTINS",
    "AlignSettings",
    "Example",
    "ExampleError",
    "Reference",
    "SettingsError",
    "Target",
    "Thresholds",
    "available_references",
    "load_reference",
    "reference",
    "reference_from_dict",
    "reference_from_sections",
]
