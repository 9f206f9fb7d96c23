"""A folder of plan documents → parsed plans → one JSONL file of sections.

>>> plans = load_corpus("corpus/raw")                      # doctest: +SKIP
>>> write_sections(plans, "corpus/sections.jsonl")         # doctest: +SKIP
245
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, PlanSearchError
from .parse.parser import parse_plan
from .parse.readers import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES
from .sections import Plan, Section, write_jsonl


class CorpusWarning(UserWarning):
    """A document of the corpus was skipped (the message says which and why)."""


@dataclass(frozen=True)
class CorpusResult:
    """Parsed plans plus the files that could not be parsed, as ``(path, reason)``."""

    plans: tuple[Plan, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def sections(self) -> list[Section]:
        return list(iter_sections(self.plans))


def find_documents(path: str | Path) -> list[Path]:
    """Supported documents under ``path`` (recursive, hidden files skipped, sorted)."""
    root = Path(path)
    if not root.exists():
        raise InputError(f"{root}: no such file or directory")
    if root.is_file():
        return [root]
    files = [
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def ingest_corpus(
    path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, ocr: bool = False
) -> CorpusResult:
    """Parse every supported document under ``path``; unreadable ones are listed in
    :attr:`CorpusResult.skipped` with the reason instead of stopping the run.
    ``ocr=True`` reads scanned PDFs with Tesseract (see :func:`plansearch.parse_plan`)."""
    files = find_documents(path)
    if not files:
        raise InputError(
            f"{path}: no {'/'.join(s.lstrip('.') for s in SUPPORTED_SUFFIXES)} files found"
        )
    plans: list[Plan] = []
    skipped: list[tuple[str, str]] = []
    for f in files:
        try:
            plans.append(parse_plan(f, max_bytes=max_bytes, ocr=ocr))
        except (PlanSearchError, OSError) as exc:
            skipped.append((str(f), str(exc)))
    return CorpusResult(tuple(plans), tuple(skipped))


def load_corpus(
    path: str | Path,
    *,
    strict: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    ocr: bool = False,
) -> list[Plan]:
    """Parse a directory of plans (``.txt`` in any Thai encoding, ``.pdf``, ``.docx``,
    ``.doc`` when a converter is installed).

    Files that cannot be parsed (empty, binary, undecodable, too large) are skipped
    with one :class:`CorpusWarning` each, or raise with ``strict=True``.

    >>> [p.org for p in load_corpus("corpus/raw")][:2]   # doctest: +SKIP
    ['องค์การบริหารส่วนตำบลโขมง', 'องค์การบริหารส่วนตำบลบ้านอ้อน']
    """
    result = ingest_corpus(path, max_bytes=max_bytes, ocr=ocr)
    if result.skipped and strict:
        file, reason = result.skipped[0]
        raise InputError(f"{file} could not be parsed: {reason}")
    for file, reason in result.skipped:
        warnings.warn(f"skipped {file}: {reason}", CorpusWarning, stacklevel=2)
    return list(result.plans)


def iter_sections(plans: Iterable[Plan]) -> Iterator[Section]:
    for plan in plans:
        yield from plan.sections


def write_sections(plans: Iterable[Plan], path: str | Path) -> int:
    """Write the sections of all ``plans`` to a JSONL file; returns the count."""
    return write_jsonl(iter_sections(plans), path)
