"""The organisation every local-government statement is about, removed before embedding.

Nearly every tactic of a department or local plan names local government itself
("เสริมสร้างขีดความสามารถแก่องค์กรปกครองส่วนท้องถิ่น…", "…ของกรมส่งเสริมการปกครองท้องถิ่น"):
the subject of the whole document, not what one statement is about. An embedding model
reads the phrase as content, so a target whose title happens to name it ("การบริหารและ
พัฒนาทรัพยากรบุคคลของกรมส่งเสริมการปกครองส่วนท้องถิ่นและองค์กรปกครองส่วนท้องถิ่น")
attracts every item that does. :func:`without_subject` removes these names of the class of
organisation (not the name of one municipality) from the texts alignment embeds — items,
their context and the targets' nodes — when ``AlignSettings.drop_subject`` is on; the
lexical evidence already ignores such words through the idf of the framework's texts.

>>> without_subject("เสริมสร้างขีดความสามารถแก่องค์กรปกครองส่วนท้องถิ่นในระดับพื้นที่")
'เสริมสร้างขีดความสามารถแก่ ในระดับพื้นที่'
>>> without_subject("องค์กรปกครองส่วนท้องถิ่น")  # nothing else left: kept as it is
'องค์กรปกครองส่วนท้องถิ่น'
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Names of local government as a class of organisation and of the department that
#: oversees it (พระราชบัญญัติกำหนดแผนและขั้นตอนการกระจายอำนาจให้แก่องค์กรปกครองส่วนท้องถิ่น
#: พ.ศ. 2542 uses "องค์กรปกครองส่วนท้องถิ่น"; กรมส่งเสริมการปกครองท้องถิ่น, สถ.).
SUBJECT_PHRASES: tuple[str, ...] = (
    "กรมส่งเสริมการปกครองส่วนท้องถิ่น",
    "กรมส่งเสริมการปกครองท้องถิ่น",
    "องค์กรปกครองส่วนท้องถิ่น",
    "องค์การปกครองส่วนท้องถิ่น",
    "อปท.",
    "อปท",
)
_PATTERN = re.compile("|".join(re.escape(p) for p in SUBJECT_PHRASES))
#: Fewest characters of other text a statement must keep for the names to be removed.
MIN_LEFT = 8


def without_subject(text: str) -> str:
    """``text`` without the names of local government as an organisation (each replaced
    by a space, whitespace folded); unchanged when fewer than ``MIN_LEFT`` characters of
    anything else would remain."""
    if not _PATTERN.search(text):
        return text
    out = " ".join(_PATTERN.sub(" ", text).split())
    return out if len(out.replace(" ", "")) >= MIN_LEFT else text


def embedded_text(drop_subject: bool) -> Callable[[str], str]:
    """What alignment embeds of a text: :func:`without_subject` when ``drop_subject``
    (``AlignSettings.drop_subject``), else the text itself."""
    return without_subject if drop_subject else str
