"""Parsing Thai development plans: bytes → text → normalised lines → typed sections.

* :mod:`.readers` – decode text files (UTF-8/16, TIS-620/cp874), PDF and DOCX
* :mod:`.normalize` – working copy with an offset map back to the original, debris
* :mod:`.vocabulary` – heading terms, planning-level cues, numbering markers
* :mod:`.identity` – organisation name and province
* :mod:`.parser` – :func:`parse_plan`

>>> from plansearch.parse import parse_plan
>>> parse_plan("พันธกิจ\\n1. พัฒนาแหล่งน้ำ").of("mission")[0].title
'พัฒนาแหล่งน้ำ'
"""

from __future__ import annotations

from .parser import parse_plan
from .readers import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, decode_bytes, read_document

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "decode_bytes",
    "parse_plan",
    "read_document",
]
