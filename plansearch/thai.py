"""Thai text utilities shared by every stage: light normalisation and word segmentation.

Thai is written without spaces between words, so regex/whitespace tokenisers break it
into meaningless fragments (``"น้ำประปาหมู่บ้าน"`` would be one "word"). Every lexical
step in plansearch (BM25, key terms, TF-IDF baselines) goes through :func:`tokenize`,
which uses PyThaiNLP's dictionary-based ``newmm`` segmenter.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Characters that PDF/web extraction leaves behind and that carry no meaning
#: (zero-width space/joiners, direction marks, word joiner, BOM, soft hyphen): the one
#: set every module uses.
ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"
_ZERO_WIDTH = dict.fromkeys(map(ord, ZERO_WIDTH_CHARS), None)
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_THAI_CHAR = re.compile(r"[\u0e00-\u0e7f]")
_WORDLIKE = re.compile(r"[\w\u0e00-\u0e7f]", re.UNICODE)

#: Words too common in plan text to discriminate between sections
#: (in addition to PyThaiNLP's general Thai stopword list).
PLAN_STOPWORDS: frozenset[str] = frozenset(
    {
        "การ",
        "ความ",
        "ให้",
        "มี",
        "และ",
        "ของ",
        "ที่",
        "ใน",
        "เพื่อ",
        "โดย",
        "เป็น",
        "ด้าน",
        "ส่งเสริม",
        "พัฒนา",
        "การพัฒนา",
        "สนับสนุน",
        "ดำเนินการ",
        "ดำเนินงาน",
        "แนวทาง",
        "ยุทธศาสตร์",
        "กลยุทธ์",
        "ประสิทธิภาพ",
        "อย่าง",
        "ต่างๆ",
        "ต่าง",
        "ๆ",
        "ทั้ง",
        "รวมทั้ง",
    }
)


def thai_digits_to_arabic(text: str) -> str:
    """``"๑๒"`` → ``"12"``."""
    return text.translate(_THAI_DIGITS)


def clean_text(text: str) -> str:
    """NFC-normalise, drop zero-width characters and fold runs of spaces.

    Line breaks are kept (the parser needs them); use :func:`fold_whitespace` to
    collapse a passage to one line.
    """
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def fold_whitespace(text: str) -> str:
    """Collapse all whitespace (including newlines) to single spaces."""
    return " ".join(text.split())


def fold_for_matching(text: str) -> str:
    """One-line, lower-cased text with Arabic digits: what word and phrase matching see.

    >>> fold_for_matching("ถนน  สาย ๑ \u200bหมู่ที่ ๒")
    'ถนน สาย 1 หมู่ที่ 2'
    """
    return thai_digits_to_arabic(fold_whitespace(clean_text(text))).lower()


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal or in a fixed-width label.

    Thai vowel and tone marks above/below a consonant (and other combining or
    zero-width characters) take no column; wide East Asian characters take two.

    >>> display_width("ผู้สูงอายุ"), display_width("abc"), display_width("漢字")
    (6, 3, 4)
    """
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def thai_ratio(text: str) -> float:
    """Share of letters in ``text`` that are Thai (0.0 for text without letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _THAI_CHAR.match(c)) / len(letters)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords()) | PLAN_STOPWORDS


@lru_cache(maxsize=200_000)
def _segment(text: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(text, engine="newmm", keep_whitespace=False))


def tokenize(text: str, *, drop_stopwords: bool = True) -> list[str]:
    """Segment Thai (and mixed Thai/Latin) text into lower-cased words.

    Thai digits become Arabic, punctuation is dropped, and (by default) very common
    function words and plan boilerplate are removed.

    >>> tokenize("ก่อสร้างถนนคอนกรีตเสริมเหล็ก")
    ['ก่อสร้าง', 'ถนน', 'คอนกรีตเสริมเหล็ก']
    """
    text = fold_for_matching(text)
    if not text:
        return []
    stop = _stopwords() if drop_stopwords else frozenset()
    out: list[str] = []
    for tok in _segment(text):
        tok = tok.strip()
        if not tok or not _WORDLIKE.search(tok) or tok in stop:
            continue
        out.append(tok)
    return out
