"""Generated policy-style plans: one executive policy statement, many layouts.

A municipality's policy list (``นโยบายของผู้บริหาร``) is written in many ways: areas
numbered ``1.``/``๑.``/``(1)``, or labelled ``นโยบายที่ 1``/``ด้านที่ ๑``, or plain
``นโยบายด้าน…`` headings; with or without ``มีดังนี้``; items numbered ``1.1``/``1)``/
``(1)``/``ก.``/bullets; items with sub-items; long items wrapped over two lines; a
preamble or none; alone or inside a normal strategy plan. :func:`render` writes one
layout and returns the text with the structure a reader should find in it, so tests
measure the parser on every layout instead of tuning it to one fixture.

>>> doc = render(PolicyLayout(), seed=1)
>>> doc.areas[0].title.startswith("นโยบายด้าน"), len(doc.areas) >= 3
(True, True)
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, fields

#: policy domains (the areas of Thai local executives' policy statements)
DOMAINS = (
    "โครงสร้างพื้นฐาน",
    "เศรษฐกิจและการท่องเที่ยว",
    "สังคมและคุณภาพชีวิต",
    "การศึกษา ศาสนา และวัฒนธรรม",
    "สาธารณสุขและการป้องกันโรค",
    "ทรัพยากรธรรมชาติและสิ่งแวดล้อม",
    "การบริหารจัดการบ้านเมืองที่ดี",
    "ความปลอดภัยในชีวิตและทรัพย์สิน",
)
#: items: a verb and an object, recombined per document (none starts with plan vocabulary)
VERBS = ("ก่อสร้างและปรับปรุง", "ส่งเสริมและสนับสนุน", "พัฒนา", "จัดให้มี", "ฟื้นฟูและดูแล", "รณรงค์")
OBJECTS = (
    "ถนนและท่อระบายน้ำในชุมชนให้ได้มาตรฐาน",
    "ระบบประปาหมู่บ้านให้มีน้ำสะอาดเพียงพอตลอดปี",
    "ไฟฟ้าสาธารณะให้ทั่วถึงทุกชุมชน",
    "กลุ่มอาชีพและวิสาหกิจชุมชนให้มีรายได้เพิ่มขึ้น",
    "ตลาดชุมชนและผลิตภัณฑ์ท้องถิ่น",
    "สวัสดิการผู้สูงอายุ ผู้พิการ และผู้ด้อยโอกาส",
    "ศูนย์พัฒนาเด็กเล็กให้ได้มาตรฐาน",
    "ประเพณีท้องถิ่นและวันสำคัญทางศาสนา",
    "การป้องกันและควบคุมโรคติดต่อในชุมชน",
    "อาสาสมัครสาธารณสุขประจำหมู่บ้าน",
    "การคัดแยกขยะและลดขยะต้นทาง",
    "แหล่งน้ำธรรมชาติและลำห้วยสาธารณะ",
    "การบริการประชาชนด้วยความโปร่งใส",
    "การมีส่วนร่วมของประชาชนในการพัฒนาท้องถิ่น",
    "การป้องกันและบรรเทาสาธารณภัย",
    "กล้องวงจรปิดบริเวณจุดเสี่ยง",
)
#: the second line of a long (wrapped) item
WRAP_TAILS = (
    "โดยประสานความร่วมมือกับหน่วยงานที่เกี่ยวข้องและประชาชนในพื้นที่อย่างต่อเนื่อง",
    "เพื่อให้ประชาชนได้รับประโยชน์อย่างทั่วถึงและเป็นธรรมทุกหมู่บ้าน",
)
_LETTERS = "กขคงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ"
_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
SUBS = ("สำรวจความต้องการของชุมชน", "จัดทำแผนงานร่วมกับชุมชน", "ติดตามและรายงานผลทุกปี")

AREA_STYLES = ("dot", "policy_no", "side_no", "paren", "plain")
AREA_NAMES = ("policy", "side", "bare", "mixed")
ANNOUNCES = ("none", "all", "some")
ITEM_STYLES = ("dotted", "rparen", "paren", "dot", "letter", "bullet")
SUB_STYLES = ("none", "dotted", "paren", "bullet")
PREAMBLES = ("none", "statement", "heading")
EMBEDS = ("alone", "in_plan", "in_plan_then_goals")


@dataclass(frozen=True)
class PolicyLayout:
    """How one policy statement is written (see the module docstring)."""

    area_style: str = "dot"  # 1. / นโยบายที่ 1 / ด้านที่ 1 / (1) / unnumbered heading
    area_name: str = "policy"  # นโยบายด้านX / ด้านX / X (after a label) / a mix
    announce: str = "none"  # "มีดังนี้" after no / every / some area headings
    item_style: str = "dotted"  # 1.1 / 1) / (1) / 1. / ก. / -
    sub_style: str = "none"  # sub-items under the first item of each area
    thai_digits: bool = False
    blank_lines: bool = False
    wrap: bool = False  # the first item of each area wraps over two lines
    preamble: str = "statement"
    embed: str = "alone"  # alone, or after the strategies of a normal plan
    continue_numbers: bool = False  # items numbered on across areas (1) 2) | 3) 4))
    label_break: bool = False  # "นโยบายที่ 1" on its own line, the name on the next
    furniture: bool = False  # page numbers and rules between the lines

    def valid(self) -> bool:
        """Whether the layout is one a plan could use (no two levels numbered alike)."""
        if self.area_name == "bare" and self.area_style not in ("policy_no", "side_no"):
            return False
        if self.item_style == "dot" and self.area_style in ("dot", "plain"):
            return False  # "1." areas with "1." items: not a layout anyone reads
        if self.item_style == "paren" and self.area_style == "paren":
            return False
        if self.item_style == "dotted" and self.area_style not in ("dot", "paren", "plain"):
            return False  # "1.1" needs a numbered area to hang from
        if self.item_style == "dotted" and self.area_style == "plain":
            return False
        if self.sub_style == "dotted" and self.item_style != "dotted":
            return False
        if self.sub_style == "paren" and (self.item_style == "paren" or self.area_style == "paren"):
            return False
        if self.sub_style == "bullet" and self.item_style == "bullet":
            return False
        if self.preamble == "none" and self.area_name == "side" and self.area_style != "side_no":
            return False  # "1. ด้านX" with nothing that says policy: a reader cannot tell
        if self.continue_numbers and self.item_style in ("dotted", "bullet"):
            return False  # 1.1 restarts with its area; bullets have no numbers
        if self.label_break and self.area_style not in ("policy_no", "side_no"):
            return False
        return not (self.embed != "alone" and self.preamble == "none")

    @property
    def name(self) -> str:
        return "-".join(str(getattr(self, f.name)) for f in fields(self))


@dataclass(frozen=True)
class Item:
    text: str  # the whole item (a wrapped item's two lines joined by a space)
    first_line: str
    subs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    number: str | None
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class PolicyDoc:
    layout: PolicyLayout
    text: str
    areas: tuple[Area, ...]
    strategies: int = 0  # of the surrounding plan
    tactics: int = 0
    goals: int = 0
    lines: tuple[str, ...] = ()  # the lines written (Arabic digits)
    item_lines: tuple[tuple[int, ...], ...] = ()  # per area, the line of each item
    markers: tuple[tuple[str, ...], ...] = ()  # per area, each item's marker


def _marker(style: str, area: int, item: int) -> str:
    if style == "dotted":
        return f"{area}.{item} "
    if style == "rparen":
        return f"{item}) "
    if style == "paren":
        return f"({item}) "
    if style == "dot":
        return f"{item}. "
    if style == "letter":
        return _LETTERS[item - 1] + ". "
    return "- "


def _sub_marker(style: str, area: int, item: int, sub: int) -> str:
    if style == "dotted":
        return f"{area}.{item}.{sub} "
    if style == "paren":
        return f"({sub}) "
    return "• "


def _area_heading(layout: PolicyLayout, n: int, name: str, announce: bool) -> tuple[str, str]:
    """(heading line, expected title)."""
    tail = " มีดังนี้" if announce else ""
    if layout.label_break:
        label = "นโยบายที่" if layout.area_style == "policy_no" else "ด้านที่"
        return f"{label} {n}\n{name}{tail}", name
    if layout.area_style == "dot":
        return f"{n}. {name}{tail}", name
    if layout.area_style == "paren":
        return f"({n}) {name}{tail}", name
    if layout.area_style == "policy_no":
        return f"นโยบายที่ {n} {name}{tail}", name
    if layout.area_style == "side_no":
        return f"ด้านที่ {n} {name}{tail}", name
    return f"{name}{tail}", name


def render(layout: PolicyLayout, seed: int = 0) -> PolicyDoc:
    """The text of one policy statement in ``layout`` and the structure it holds."""
    if not layout.valid():
        raise ValueError(f"not a usable layout: {layout.name}")
    rng = random.Random(seed)
    n_areas = rng.randint(3, 6)
    domains = rng.sample(DOMAINS, n_areas)
    objects = list(OBJECTS)
    rng.shuffle(objects)
    pool = itertools.cycle(objects)
    lines: list[str] = []
    areas: list[Area] = []
    strategies = tactics = goals = 0
    number = 0  # the last item number (numbering may go on across areas)
    all_item_lines: list[tuple[int, ...]] = []
    all_markers: list[tuple[str, ...]] = []
    page = 0
    if layout.embed != "alone":
        lines += [
            "วิสัยทัศน์",
            "“ชุมชนน่าอยู่ เศรษฐกิจมั่นคง ประชาชนมีคุณภาพชีวิตที่ดี”",
            "ยุทธศาสตร์ที่ 1 การพัฒนาโครงสร้างพื้นฐาน",
            "แนวทางการพัฒนา",
            "1.1 ก่อสร้างและซ่อมแซมถนนภายในตำบล",
            "1.2 พัฒนาแหล่งน้ำเพื่อการเกษตร",
            "ยุทธศาสตร์ที่ 2 การพัฒนาคุณภาพชีวิต",
            "แนวทางการพัฒนา",
            "2.1 ส่งเสริมสุขภาพของประชาชน",
            "2.2 ส่งเสริมการศึกษาของเด็กและเยาวชน",
        ]
        strategies, tactics = 2, 4
    if layout.preamble == "statement":
        lines.append("นายกองค์การบริหารส่วนตำบลได้แถลงนโยบายต่อสภา เพื่อใช้เป็นแนวทางในการพัฒนาท้องถิ่น ดังนี้")
    elif layout.preamble == "heading":
        lines.append("นโยบายการพัฒนาของผู้บริหารท้องถิ่น")
    for a, domain in enumerate(domains, 1):
        if layout.area_name == "mixed":
            name = f"นโยบายด้าน{domain}" if a % 2 else f"ด้าน{domain}"
        elif layout.area_name == "policy":
            name = f"นโยบายด้าน{domain}"
        elif layout.area_name == "side":
            name = f"ด้าน{domain}"
        else:
            name = domain
        announce = layout.announce == "all" or (layout.announce == "some" and a % 2 == 0)
        heading, title = _area_heading(layout, a, name, announce)
        if layout.furniture and a % 2 == 0:  # a page break: its number, a rule
            page += 1
            lines += [f"- {page} -" if page % 2 else f"หน้า {page}", "-" * 20]
        lines += heading.split("\n")
        items: list[Item] = []
        item_at: list[int] = []
        item_markers: list[str] = []
        if not layout.continue_numbers:
            number = 0
        for _ in range(rng.randint(2, 4)):
            number += 1
            first = f"{rng.choice(VERBS)}{next(pool)}"
            item_at.append(len(lines))
            item_markers.append(_marker(layout.item_style, a, number))
            lines.append(item_markers[-1] + first)
            text = first
            if layout.wrap and not items:
                tail = rng.choice(WRAP_TAILS)
                lines.append(tail)
                text = f"{first} {tail}"
            subs: tuple[str, ...] = ()
            if layout.sub_style != "none" and not items:
                subs = tuple(SUBS[: rng.randint(2, 3)])
                lines += [
                    _sub_marker(layout.sub_style, a, number, s) + sub
                    for s, sub in enumerate(subs, 1)
                ]
            items.append(Item(text, first, subs))
        area_no = None if layout.area_style == "plain" else str(a)
        areas.append(Area(area_no, title, tuple(items)))
        all_item_lines.append(tuple(item_at))
        all_markers.append(tuple(item_markers))
    if layout.embed == "in_plan_then_goals":
        lines += [
            "เป้าประสงค์",
            "1. ประชาชนมีคุณภาพชีวิตที่ดีขึ้น",
            "2. ชุมชนมีความเข้มแข็งและพึ่งพาตนเองได้",
        ]
        goals = 2
    return PolicyDoc(
        layout,
        _join(layout, lines),
        tuple(areas),
        strategies,
        tactics,
        goals,
        tuple(lines),
        tuple(all_item_lines),
        tuple(all_markers),
    )


def _join(layout: PolicyLayout, lines: list[str]) -> str:
    text = ("\n\n" if layout.blank_lines else "\n").join(lines) + "\n"
    return text.translate(_THAI_DIGITS) if layout.thai_digits else text


#: the losses :func:`mutate` makes
MUTATIONS = ("remove", "glue", "repeat")


def mutate(doc: PolicyDoc, how: str, rng: random.Random) -> str | None:
    """The text of ``doc`` with one loss: an item ``remove``d, an item's line ``glue``d
    to the one before (the way a PDF joins lines), or an item numbered as the one before
    (``repeat``). ``None`` when the layout cannot show that loss in its numbers: bulleted
    items, or an area with fewer than three items. Only items after the first of their
    area change (the first may hold a wrapped line and sub-items)."""
    if how not in MUTATIONS:
        raise ValueError(f"unknown mutation {how!r}; one of {MUTATIONS}")
    if doc.layout.item_style == "bullet":
        return None
    areas = [a for a, at in enumerate(doc.item_lines) if len(at) >= 3]
    if not areas:
        return None
    a = rng.choice(areas)
    at, markers = doc.item_lines[a], doc.markers[a]
    # a middle item: a loss after the last item leaves every number in order
    k = rng.randrange(1, len(at) - 1)
    lines = list(doc.lines)
    if how == "remove":
        lines[at[k]] = ""
    elif how == "glue":
        lines[at[k] - 1] = f"{lines[at[k] - 1]} {lines[at[k]]}"
        lines[at[k]] = ""
    else:
        lines[at[k]] = markers[k - 1] + lines[at[k]][len(markers[k]) :]
    return _join(doc.layout, [ln for ln in lines if ln])


#: the values of each layout axis, in field order
AXES: tuple[tuple[object, ...], ...] = (
    AREA_STYLES,
    AREA_NAMES,
    ANNOUNCES,
    ITEM_STYLES,
    SUB_STYLES,
    (False, True),
    (False, True),
    (False, True),
    PREAMBLES,
    EMBEDS,
    (False, True),
    (False, True),
    (False, True),
)


def all_layouts() -> list[PolicyLayout]:
    """Every usable combination of the layout axes (tens of thousands)."""
    grid = itertools.product(*AXES)
    return [lay for lay in (PolicyLayout(*combo) for combo in grid) if lay.valid()]


def sample_layouts(n: int, seed: int = 0) -> list[PolicyLayout]:
    """``n`` different usable layouts drawn at random (the same ones for the same seed)."""
    rng = random.Random(seed)
    seen: dict[PolicyLayout, None] = {}
    for _ in range(50 * n):
        if len(seen) == n:
            break
        lay = PolicyLayout(*(rng.choice(values) for values in AXES))
        if lay.valid():
            seen[lay] = None
    return list(seen)
