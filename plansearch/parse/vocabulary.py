"""Heading vocabulary of Thai development plans: which words open which kind of section,
which phrases say that a quoted framework belongs to another planning level, and how
list items are numbered.

Everything here works on *normalised* lines (Thai digits already Arabic, see
:mod:`plansearch.parse.normalize`). Nothing here knows about a particular document.

>>> match_term("เป้าประสงค์ :").kind
'goal'
>>> level_cue("ยุทธศาสตร์การพัฒนากลุ่มจังหวัด ภาคตะวันออก มี 2 ยุทธศาสตร์ ดังนี้")
'provincial_group'
>>> parse_marker("3.1ยุทธศาสตร์การสร้างมูลค่าเพิ่มแก่อัญมณี").number
'3.1'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------
# kind vocabulary
# ---------------------------------------------------------------------------

#: Phrases that open a section of a given kind (matched at the start of a line,
#: longest phrase first). Misspellings seen in real plans are listed on purpose.
KIND_TERMS: dict[str, str] = {
    "วิสัยทัศน์": "vision",
    "วิศัยทัศน์": "vision",
    "วิสัยทัศน์การพัฒนา": "vision",
    "พันธกิจ": "mission",
    "พันธกิจการพัฒนา": "mission",
    "เป้าประสงค์": "goal",
    "เป้าประสงค์การพัฒนา": "goal",
    "จุดมุ่งหมาย": "goal",
    "จุดมุ่งหมายการพัฒนา": "goal",
    "จุดมุ่งหมายเพื่อการพัฒนา": "goal",
    "วัตถุประสงค์": "objective",
    "เป้าหมาย": "target",
    "เป้าหมายการพัฒนา": "target",
    "ค่าเป้าหมาย": "target",
    "ยุทธศาสตร์": "strategy",
    "ยุทธศาสตร์การพัฒนา": "strategy",
    "ประเด็นยุทธศาสตร์": "strategy",
    "ประเด็นยุทธศาสตร์การพัฒนา": "strategy",
    "กรอบยุทธศาสตร์": "strategy",
    "กลยุทธ์": "tactic",
    "กลยุทธ": "tactic",
    "แนวทาง": "tactic",
    "แนวทางการพัฒนา": "tactic",
    "แนวทางการดำเนินงาน": "tactic",
    "แนวทางการดำเนินการ": "tactic",
    "มาตรการ": "tactic",
    "ตัวชี้วัด": "indicator",
    "ตัวบ่งชี้": "indicator",
    "นโยบาย": "policy",
    "นโยบายของผู้บริหาร": "policy",
    "นโยบายการพัฒนาของผู้บริหาร": "policy",
    "โครงการ": "project",
    "บัญชีโครงการ": "project",
    "บัญชีโครงการพัฒนา": "project",
}

#: Headings that look like plan vocabulary but introduce something that is *not*
#: one of the section kinds (values, SWOT, positioning…). They stop the current list.
STOP_TERMS: tuple[str, ...] = (
    "ค่านิยม",
    "ค่านิยมร่วม",
    "จุดยืนทางยุทธศาสตร์",
    "จุดแข็ง",
    "จุดอ่อน",
    "โอกาส",
    "อุปสรรค",
    "สารบัญ",
    "คำนำ",
    "บทนำ",
    "ความเชื่อมโยง",
    "ความสัมพันธ์",
    "การวิเคราะห์",
    "สภาพทั่วไป",
    "ข้อมูลพื้นฐาน",
    "ข้อมูลทั่วไป",
    "ผลการดำเนินงาน",
    "การติดตามและประเมินผล",
    "ระบบราชการ",
    "วัตถุประสงค์ของการจัดทำ",
    "ภาคผนวก",
    # other columns of the standard plan tables (ยท./ผ. forms): not section kinds
    "หน่วยงานรับผิดชอบ",
    "หน่วยงานที่รับผิดชอบ",
    "งบประมาณ",
    "ผลที่คาดว่าจะได้รับ",
    "ผลผลิตของโครงการ",
)

#: English glosses that settle the kind of an ambiguous Thai heading,
#: e.g. ``เป้าหมาย (Goal)`` is a goal, not a target.
GLOSSES: dict[str, str] = {
    "vision": "vision",
    "mission": "mission",
    "missions": "mission",
    "goal": "goal",
    "goals": "goal",
    "objective": "objective",
    "objectives": "objective",
    "target": "target",
    "targets": "target",
    "strategy": "strategy",
    "strategic issue": "strategy",
    "strategic issues": "strategy",
    "tactic": "tactic",
    "tactics": "tactic",
    "strategies": "tactic",
    "indicator": "indicator",
    "indicators": "indicator",
    "kpi": "indicator",
    "kpis": "indicator",
    "policy": "policy",
    "project": "project",
    "projects": "project",
}

_ALL_TERMS = sorted(
    [(t, k) for t, k in KIND_TERMS.items()] + [(t, None) for t in STOP_TERMS],
    key=lambda tk: -len(tk[0]),
)
_TERM_KIND: dict[str, str | None] = dict(_ALL_TERMS)
# longest alternative first, so a regex match is the longest phrase at that position
_TERM_RE = re.compile("|".join(re.escape(t) for t, _ in _ALL_TERMS))
_GLOSS_RE = re.compile(r"^\s*\(\s*([A-Za-z][A-Za-z ]{1,30}?)\s*\)")
_SEPARATORS = " \t:：-–—/|.,"


@dataclass(frozen=True)
class TermMatch:
    """A vocabulary phrase at the start of a line."""

    term: str
    kind: str | None  # None for a stop term
    remainder: str  # the rest of the line, gloss and separators removed
    gloss: str | None = None


def match_term(text: str) -> TermMatch | None:
    """The longest vocabulary phrase that ``text`` starts with (``None`` if none).

    >>> m = match_term("เป้าหมาย (Goal)")
    >>> (m.term, m.kind, m.remainder)
    ('เป้าหมาย', 'goal', '')
    """
    found = _TERM_RE.match(text)
    if found is None:
        return None
    term = found.group(0)
    kind = _TERM_KIND[term]
    rest = text[len(term) :]
    gloss = None
    g = _GLOSS_RE.match(rest)
    if g:
        gloss = g.group(1).strip().lower()
        rest = rest[g.end() :]
        if kind is not None and gloss in GLOSSES:
            kind = GLOSSES[gloss]
    return TermMatch(term, kind, rest.strip(_SEPARATORS), gloss)


def find_terms(text: str) -> list[tuple[int, str, str | None]]:
    """Every vocabulary phrase inside ``text`` as ``(position, term, kind)``; a stop
    term hides the kind terms it contains (``จุดยืนทางยุทธศาสตร์`` is no strategy)."""
    return [(m.start(), m.group(0), _TERM_KIND[m.group(0)]) for m in _TERM_RE.finditer(text)]


# ---------------------------------------------------------------------------
# announcements ("... ดังนี้") and qualifiers
# ---------------------------------------------------------------------------

_ANNOUNCE_RE = re.compile(r"(ดังนี้|ดังต่อไปนี้|ประกอบด้วย|ได้แก่|ดังต่อไปนี้คือ)\s*[:：]?\s*$")
#: Words that may follow a heading term without turning the line into content
#: (``จุดมุ่งหมายเพื่อการพัฒนา``, ``พันธกิจการพัฒนาท้องถิ่น``, ``วัตถุประสงค์ของโครงการ``).
_QUALIFIER_START = ("ของ", "การพัฒนา", "เพื่อการพัฒนา", "ประจำ", "ระดับ", "ใน", "และ", "หลัก")
_QUOTES = "\"'“”‘’«»"
_QUALIFIED_OWNER = re.compile(r"^(?:เพื่อ)?(?:การพัฒนา|การบริหาร|การบริหารงาน)\s*ของ")
#: "… มีดังนี้" at the end of a numbered area heading (not part of its title)
ANNOUNCE_TAIL = re.compile(r"\s*(?:มี|โดยมี|ซึ่งมี)?\s*(?:ดังนี้|ดังต่อไปนี้)\s*[:：]?\s*$")


def announced_kind(text: str) -> tuple[bool, str | None]:
    """Whether ``text`` announces a list (ends with ดังนี้/ประกอบด้วย/ได้แก่) and, if so,
    the kind named just before that word (``None`` when no kind is named).

    >>> announced_kind("โดยมีวัตถุประสงค์ดังนี้")
    (True, 'objective')
    >>> announced_kind("นายกได้แถลงนโยบายต่อสภา เพื่อใช้เป็นแนวทางในการพัฒนา ดังนี้")
    (True, 'policy')
    """
    m = _ANNOUNCE_RE.search(text)
    if not m:
        return False, None
    end = m.start()
    # "X เพื่อ(ใช้เป็นแนวทาง…) ดังนี้" announces X, not what the purpose clause names
    purpose = text.find("เพื่อ", 0, end)
    if purpose > 0:
        kind = _last_kind(text[max(0, purpose - 40) : purpose])
        if kind is not None:
            return True, kind
    return True, _last_kind(text[max(0, end - 40) : end])


def _last_kind(window: str) -> str | None:
    kind = None
    for _, _, k in find_terms(window):
        kind = k  # the last one wins (a stop term yields None)
    return kind


def is_announcement(text: str) -> bool:
    return _ANNOUNCE_RE.search(text) is not None


def is_heading_remainder(rest: str) -> bool:
    """Whether what follows a heading term is only a qualifier (so the line is a heading,
    not a one-line section with content)."""
    if not rest:
        return True
    if rest[0] in _QUOTES:
        return False
    if match_term(rest) is not None:  # "วิสัยทัศน์ / พันธกิจ", "ยุทธศาสตร์ เป้าประสงค์ และกลยุทธ์"
        return True
    if rest.startswith("ของ") and len(rest) <= 120:
        return True
    # "นโยบายการพัฒนาของนายกเทศมนตรี…": a qualifier, then whose plan it is
    if _QUALIFIED_OWNER.match(rest) and len(rest) <= 120:
        return True
    if rest.startswith("ด้าน"):  # "นโยบายด้านสังคม" names a domain: it is content
        return False
    if len(rest) <= 30 and len(rest.split()) <= 2:
        return any(rest.startswith(q) for q in _QUALIFIER_START) or len(rest) <= 12
    return False


def is_definition(text: str) -> bool:
    """``วิสัยทัศน์ (Vision) หมายถึง ...`` explains a term; it is not plan content."""
    i = text.find("หมายถึง")
    return 0 <= i <= 60


# ---------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------

#: ``ยุทธศาสตร์ที่ 1 ...`` / ``ประเด็นยุทธศาสตร์ที่ 2 ...`` / ``ยุทธศาสตร์การพัฒนาที่ 3``
STRATEGY_NUMBERED = re.compile(
    r"^(?P<label>(?:ประเด็น)?ยุทธศาสตร์(?:การพัฒนา)?(?:ด้าน)?\s*ที่\s*(?P<num>\d{1,3}))"
    r"\s*[:.\-–)]?\s*(?P<title>.*)$"
)
#: ``ยุทธศาสตร์ด้าน...`` / ``ยุทธศาสตร์การพัฒนาด้าน...``
STRATEGY_NAMED = re.compile(r"^(?:ประเด็น)?ยุทธศาสตร์(?:การพัฒนา)?\s*ด้าน\S")


# ---------------------------------------------------------------------------
# policy areas (an executive's policy statement: areas, each with numbered items)
# ---------------------------------------------------------------------------

#: ``นโยบายที่ 1 ...`` / ``นโยบายการพัฒนาที่ 2 ...`` / ``ด้านที่ 3 ...`` (an area label)
POLICY_NUMBERED = re.compile(
    r"^(?P<label>(?P<word>นโยบาย(?:การพัฒนา)?|ด้าน)\s*ที่\s*(?P<num>\d{1,3}))"
    r"(?![\d.])\s*[:.\-–)]?\s*(?P<title>.*)$"
)
#: a title that names a policy area: ``นโยบายด้านสังคม`` / ``ด้านการศึกษา``
POLICY_AREA_NAME = re.compile(r"^(?:นโยบาย(?:การพัฒนา)?\s*)?ด้าน\S")


# ---------------------------------------------------------------------------
# planning levels
# ---------------------------------------------------------------------------

#: (regex, level). Where several cues occur, the earliest (then longest) wins, so
#: "ยุทธศาสตร์การพัฒนาขององค์การบริหารส่วนจังหวัด" is ``pao`` and not ``province``.
LEVEL_CUES: tuple[tuple[str, str], ...] = (
    (r"ยุทธศาสตร์ชาติ", "national"),
    (r"ยุทธศาสตร์(?:การพัฒนา)?ประเทศ(?!ไทย)", "national"),
    (r"แผนแม่บทภายใต้ยุทธศาสตร์ชาติ", "national"),
    (r"นโยบาย(?:ของ)?รัฐบาล", "national"),
    (r"แผนพัฒนา(?:การ)?เศรษฐกิจและสังคมแห่งชาติ", "nesdp"),
    (r"แผนฯ\s*ฉบับที่", "nesdp"),
    (r"กลุ่มจังหวัด", "provincial_group"),
    (r"องค์การบริหารส่วนจังหวัด", "pao"),
    (r"อบจ\.", "pao"),
    (r"(?:องค์กรปกครองส่วนท้องถิ่น|อปท\.?)\s*ใน\s*เขต\s*จังหวัด", "pao"),
    (r"กรมส่งเสริมการปกครอง(?:ส่วน)?ท้องถิ่น", "department"),
    (r"แผน(?:ยุทธศาสตร์|ปฏิบัติราชการ)?\s*กรม", "department"),
    (r"กระทรวง", "ministry"),
    (r"(?:ยุทธศาสตร์|แผนพัฒนา|แผน)(?:การพัฒนา)?(?:ของ)?\s*จังหวัด", "province"),
    (r"(?:ยุทธศาสตร์|แผนพัฒนา|แผน)(?:การพัฒนา)?(?:ของ)?\s*อำเภอ", "district"),
    (r"องค์(?:การ|กร)\s*บริ(?:หาร|การ)\s*ส่วน\s*ตำบล", "local"),
    (r"อบต\.", "local"),
    (r"เทศบาล", "local"),
    (r"แผนพัฒนาท้องถิ่น", "local"),
    (r"แผนพัฒนาตำบล", "local"),
    (r"แผนพัฒนา(?:สาม|สี่|ห้า)ปี", "local"),
    (r"ผู้บริหารท้องถิ่น", "local"),
)
_LEVEL_RE = re.compile("|".join(f"(?P<c{i}>{rx})" for i, (rx, _) in enumerate(LEVEL_CUES)))


def level_cue(text: str) -> str | None:
    """The planning level a heading names, or ``None``.

    >>> level_cue("แผนยุทธศาสตร์กรมส่งเสริมการปกครองท้องถิ่น พ.ศ. 2560 - 2569")
    'department'
    """
    m = _LEVEL_RE.search(text)
    if not m:
        return None
    return LEVEL_CUES[int(m.lastgroup[1:])][1]  # type: ignore[index]


def level_cue_position(text: str) -> int:
    m = _LEVEL_RE.search(text)
    return m.start() if m else -1


# words that make a line a heading about a plan (needed before a level cue counts)
PLAN_WORDS = (
    "ยุทธศาสตร์",
    "ประเด็นยุทธศาสตร์",
    "แผน",
    "กรอบ",
    "นโยบาย",
    "วิสัยทัศน์",
    "พันธกิจ",
    "เป้าประสงค์",
    "แนวทาง",
    "กลยุทธ์",
    "บทที่",
)


# ---------------------------------------------------------------------------
# numbering markers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """The numbering at the start of a line.

    ``style`` groups markers that belong to the same list level (``("dot", 1)`` for
    ``1.`` and for a ``.`` whose digit was lost, ``("dot", 2)`` for ``1.1``,
    ``("paren",)`` for ``(1)``, ``("rparen",)`` for ``1)``, ``("letter",)`` for ``ก.``,
    ``("bullet",)`` for ``-``). ``number`` is the Arabic number (``None`` if lost or a
    bullet); ``first`` is the last component as an int (for "does a list start at 1").
    """

    style: tuple[str, ...] | tuple[str, int]
    number: str | None
    depth: int | None  # outline depth for dotted numbers, None otherwise
    end: int  # where the text after the marker starts
    lost: bool = False
    first: int | None = None


_THAI_LETTERS = "กขคงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ"
_NUM = r"\d{1,3}"
_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    # (1)  – (๑)
    (re.compile(rf"^[-•*·]?\s*\(\s*({_NUM})\s*\)\s*"), "paren"),
    # (ก)
    (re.compile(rf"^\(\s*([{_THAI_LETTERS}])\s*\)\s*"), "pletter"),
    # 1.2.3 / 1.2.3. / 3.1ยุทธศาสตร์
    (re.compile(rf"^[-•*·]?\s*({_NUM}(?:\.{_NUM})+)\.?(?=\s|[^\d\s.])\s*"), "dot"),
    # 1. / 5.นโยบาย
    (re.compile(rf"^[-•*·]?\s*({_NUM})\.(?=\s|[^\d\s.])\s*"), "dot"),
    # 12)
    (re.compile(rf"^[-•*·]?\s*({_NUM})\)\s*"), "rparen"),
    # ก. / ข)
    (re.compile(rf"^([{_THAI_LETTERS}])[.)]\s+"), "letter"),
    # .1 / .๑ (PDF lost the first digit)
    (re.compile(rf"^\.\s*({_NUM})(?=\s|[^\d\s.])\s*"), "lostsub"),
    # . วิสัยทัศน์ / .จุดมุ่งหมาย (PDF lost the whole number)
    (re.compile(r"^\.(?=\s*[^\s\d.])\s*"), "lost"),
    # - 16 การบริหาร... (a bullet followed by a bare number)
    (re.compile(rf"^[-•*·]\s*({_NUM})\s+(?=\D)"), "bnum"),
    # - text / • text
    (re.compile(r"^[-•*·]\s+(?=\S)"), "bullet"),
)


def parse_marker(line: str) -> Marker | None:
    """Numbering at the start of a (stripped, normalised) line, or ``None``.

    >>> parse_marker(". วิสัยทัศน์").lost
    True
    >>> parse_marker("(2) สร้างสรรค์มาตรการ").style
    ('paren',)
    """
    for rx, kind in _MARKERS:
        m = rx.match(line)
        if not m:
            continue
        if kind == "dot":
            num = m.group(1)
            parts = num.split(".")
            return Marker(("dot", len(parts)), num, len(parts), m.end(), first=int(parts[-1]))
        if kind == "lostsub":
            return Marker(("dot", 2), None, 2, m.end(), lost=True, first=int(m.group(1)))
        if kind == "lost":
            return Marker(("dot", 1), None, 1, m.end(), lost=True)
        if kind in ("paren", "rparen"):
            return Marker((kind,), m.group(1), None, m.end(), first=int(m.group(1)))
        if kind == "bnum":
            return Marker(("dot", 1), m.group(1), 1, m.end(), first=int(m.group(1)))
        if kind in ("letter", "pletter"):
            letter = m.group(1)
            return Marker((kind,), letter, None, m.end(), first=_THAI_LETTERS.index(letter) + 1)
        return Marker(("bullet",), None, None, m.end())
    return None
