"""Parsing Thai development plans: bytes → text → normalised lines → typed sections.

* :mod:`.readers` – one reader per format (text, PDF, DOCX, .doc) returning blocks
* :mod:`.thai_repair` – repair of Thai PDF extraction faults
* :mod:`.normalize` – working copy with an offset map back to the original, debris
* :mod:`.vocabulary` – heading terms, planning-level cues, numbering markers
* :mod:`.identity` – organisation name and province
* :mod:`.parser` – :func:`parse_plan`
* :mod:`.quality` – :func:`assess_quality` → :class:`ParseQuality` (counts and
  :class:`QualityFlag` s with their :class:`QualityFix`), kept on ``plan.quality``

>>> from plansearch.parse import parse_plan
>>> parse_plan("พันธกิจ\\n1. พัฒนาแหล่งน้ำ").of("mission")[0].title
'พัฒนาแหล่งน้ำ'
"""

from __future__ import annotations

from .parser import parse_plan
from .quality import ParseQuality, QualityFix, QualityFlag, assess_quality
from .readers import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    Block,
    ExtractedDocument,
    decode_bytes,
    extract_bytes,
    load_document,
    read_document,
)
from .thai_repair import damage_count, repair_thai

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "Block",
    "ExtractedDocument",
    "ParseQuality",
    "QualityFix",
    "QualityFlag",
    "assess_quality",
    "damage_count",
    "decode_bytes",
    "extract_bytes",
    "load_document",
    "parse_plan",
    "read_document",
    "repair_thai",
]
