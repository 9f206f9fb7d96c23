"""Alignment of local plans against reference frameworks.

For now this package exposes the reference frameworks (see
:mod:`plansearch.align.references`)::

    >>> from plansearch.align import reference
    >>> reference("nesdp13").get("M1").type
    'milestone'
"""

from __future__ import annotations

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

__all__ = [
    "BUILTINS",
    "Reference",
    "Target",
    "available_references",
    "load_reference",
    "reference",
    "reference_from_dict",
    "reference_from_sections",
]
