"""Repair of the Thai text faults PDF extraction is known to produce.

PDF text layers store glyphs, not Thai spelling; extractors then return

* sara am decomposed (``ํ`` + ``า``) or doubled (``ำา``: pypdf's ``ตำาบล``), or written
  before its tone mark (``นำ้`` for ``น้ำ``),
* a space before a combining mark (``ความร ู้``, ``การบ ำรุง``),
* glyph codes from the Private Use Area that Thai fonts use for shifted marks
  (a tone mark moved left or down, ``ฐ``/``ญ`` without their tail): the Windows
  layout U+F700–U+F71A and the Apple one U+F884–U+F89E (``plansearch/parse/SOURCES.md``),
* a tone mark before the vowel mark of its letter (``ร`` ``้`` ``ู`` for ``รู้``: Thai
  spelling puts the tone mark last),
* a doubled combining mark (``่่``), or a control character where a glyph had no
  Unicode mapping.

:func:`repair_thai` fixes what can be fixed without guessing; :func:`damage_count`
counts what is left (the tests and ``benchmarks/bench_pdf.py`` report it).

>>> repair_thai("องค์การบริหารส่วนตำาบล นำ้า การบ ำรุง")
'องค์การบริหารส่วนตำบล น้ำ การบำรุง'
>>> repair_thai("จัดตังกลุ้่มผู้ใช้น้ำ")
'จัดตั้งกลุ่มผู้ใช้น้ำ'
>>> damage_count("ตำาบล ความร ู้")
2
"""

from __future__ import annotations

import re

#: Thai marks that attach to the character before them (above/below vowels, sara am,
#: tone marks, thanthakhat, nikhahit…).
COMBINING = (
    "\u0e31\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a"
    "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)
_TONES = "\u0e48\u0e49\u0e4a\u0e4b"

#: Private Use Area glyphs of pre-OpenType Thai fonts → the character they draw: the
#: Windows code points, then Apple's (both as listed in HarfBuzz's Thai shaper; see
#: plansearch/parse/SOURCES.md). SD = shifted down, SL = left, SDL = down-left,
#: RD = descender removed.
PUA_THAI: dict[int, str] = {
    0xF700: "\u0e10",  # ฐ without descender
    0xF701: "\u0e34",
    0xF702: "\u0e35",
    0xF703: "\u0e36",
    0xF704: "\u0e37",
    0xF705: "\u0e48",
    0xF706: "\u0e49",
    0xF707: "\u0e4a",
    0xF708: "\u0e4b",
    0xF709: "\u0e4c",
    0xF70A: "\u0e48",
    0xF70B: "\u0e49",
    0xF70C: "\u0e4a",
    0xF70D: "\u0e4b",
    0xF70E: "\u0e4c",
    0xF70F: "\u0e0d",  # ญ without descender
    0xF710: "\u0e31",
    0xF711: "\u0e4d",
    0xF712: "\u0e47",
    0xF713: "\u0e48",
    0xF714: "\u0e49",
    0xF715: "\u0e4a",
    0xF716: "\u0e4b",
    0xF717: "\u0e4c",
    0xF718: "\u0e38",
    0xF719: "\u0e39",
    0xF71A: "\u0e3a",
    # Apple (MacOS) layout
    0xF884: "\u0e31",  # SL
    0xF885: "\u0e34",
    0xF886: "\u0e35",
    0xF887: "\u0e36",
    0xF888: "\u0e37",
    0xF889: "\u0e47",
    0xF88A: "\u0e48",
    0xF88B: "\u0e48",  # SD
    0xF88C: "\u0e48",  # SDL
    0xF88D: "\u0e49",
    0xF88E: "\u0e49",
    0xF88F: "\u0e49",
    0xF890: "\u0e4a",
    0xF891: "\u0e4a",
    0xF892: "\u0e4a",
    0xF893: "\u0e4b",
    0xF894: "\u0e4b",
    0xF895: "\u0e4b",
    0xF896: "\u0e4c",
    0xF897: "\u0e4c",
    0xF898: "\u0e4c",
    0xF899: "\u0e4d",  # SL
    0xF89A: "\u0e0d",  # RD: ญ without descender
    0xF89B: "\u0e38",  # SD
    0xF89C: "\u0e39",
    0xF89D: "\u0e3a",
    0xF89E: "\u0e10",  # RD: ฐ without descender
}
_PUA_TABLE = {k: v for k, v in PUA_THAI.items()}

_SPACE_BEFORE_MARK = re.compile(
    f"(?<=[\u0e01-\u0e2f\u0e30-\u0e3a\u0e40-\u0e4e]) +(?=[{COMBINING}])"
)
_NIKHAHIT_AA = re.compile(f"\u0e4d([{_TONES}]?)\u0e32")  # ํ (+tone) า → (tone) ำ
_AM_AA = re.compile(f"\u0e33([{_TONES}]?)\u0e32")  # ำ (+tone) า → (tone) ำ  (pypdf)
_AM_TONE = re.compile(f"\u0e33([{_TONES}])")  # ำ then tone → tone then ำ
_TONE_NIKHAHIT = re.compile(f"([{_TONES}])\u0e4d\u0e32")
#: two tone marks on one cluster: PDFium moved the first from the ั before it
_MOVED_TONE = re.compile(f"\u0e31([\u0e01-\u0e2e]{{1,3}}[\u0e34-\u0e39]?)([{_TONES}])([{_TONES}])")
#: a tone mark or thanthakhat before the vowel mark of the same letter (always misordered)
_TONE_VOWEL = re.compile(f"([{_TONES}\u0e4c])([\u0e31\u0e34-\u0e3a\u0e47])")
_DOUBLED = re.compile(f"([{COMBINING}])\\1+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PUA = re.compile("[\ue000-\uf8ff]")

#: what :func:`damage_count` counts: ``ำา``/``ํา``, a mark after a space or at the start,
#: Private Use Area characters, control characters
_DAMAGE = re.compile(
    f"\u0e33\u0e32|\u0e4d\u0e32|(?:^|(?<=[\\s]))[{COMBINING}]|[\ue000-\uf8ff]"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]",
    re.MULTILINE,
)


def repair_thai(text: str) -> str:
    """Undo the known extraction faults (see the module docstring); idempotent."""
    if _PUA.search(text):
        text = text.translate(_PUA_TABLE)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    text = _SPACE_BEFORE_MARK.sub("", text)
    text = _TONE_NIKHAHIT.sub("\\1\u0e33", text)
    text = _NIKHAHIT_AA.sub("\\1\u0e33", text)
    text = _AM_AA.sub("\\1\u0e33", text)
    text = _AM_TONE.sub("\\1\u0e33", text)
    text = _TONE_VOWEL.sub("\\2\\1", text)
    text = _DOUBLED.sub("\\1", text)
    return _MOVED_TONE.sub("\u0e31\\2\\1\\3", text)


def damage_count(text: str) -> int:
    """Number of damaged Thai sequences left in ``text``."""
    return len(_DAMAGE.findall(text))
