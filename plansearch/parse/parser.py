"""Thai development plan → typed, hierarchical :class:`~plansearch.Section` objects.

The parser reads a document line by line with a small state machine driven by the
heading vocabulary in :mod:`plansearch.parse.vocabulary` (no per-document rules):

* **frames** – a heading that names another planning level (``ยุทธศาสตร์ชาติ``,
  ``ยุทธศาสตร์การพัฒนากลุ่มจังหวัด…``, ``แผนยุทธศาสตร์กรมส่งเสริมการปกครองท้องถิ่น``…)
  opens a frame; everything until the next frame heading (or an outline heading at the
  same or a higher level, or a new chapter) gets that ``level``. The plan's own
  sections are ``local``.
* **lists** – a heading such as ``พันธกิจ``, ``เป้าประสงค์ :``, ``กลยุทธ์``,
  ``แนวทางการดำเนินงาน``, or a sentence ending in ``…ดังนี้`` that names a kind,
  says what the following numbered items are. Numbering styles (``1.``/``1.1``/
  ``(1)``/``1)``/``ก.``/``-``/PDF-mangled ``.``) form nested levels: a style seen before
  returns to its level, a new style nests under the previous item (and must start at 1).
  A child list under its own heading (``1.1 …`` / ``โครงการ`` / ``1) 2)``) ends where
  the numbering it interrupted goes on (``1.2``); projects listed after a tactic belong
  to that tactic.
* **strategies** – ``ยุทธศาสตร์ที่ N …``, ``ประเด็นยุทธศาสตร์ที่ N …``,
  ``ยุทธศาสตร์ด้าน…`` and numbered ``ยุทธศาสตร์…`` items; tactics, goals, objectives,
  targets, indicators and projects listed under an open strategy get it as parent.
  A strategy listed twice in the same frame (summary list, then detail) is kept once.
* **policy statements** – an executive's policy list (``1. นโยบายด้าน… มีดังนี้``,
  ``นโยบายที่ 2 …``, ``ด้านที่ 3 …`` or an unnumbered ``นโยบายด้าน…`` line, after a
  policy heading or ``…ได้แถลงนโยบาย… ดังนี้``) is two levels: each area is a
  ``policy_area`` (the strategy role) and its numbered or bulleted items are ``policy``
  sections under it (the tactic role), their sub-items under them. Items may be numbered
  on across areas (``1) 2)`` | ``3) 4)``), as tactics may across strategies.
* **one-line sections** – ``วัตถุประสงค์ เพื่อ…`` / ``เป้าหมายการพัฒนา …``.
* **paragraphs** – lines that are neither items nor headings continue the open item
  when they directly follow it, or when the list goes on after them; otherwise they
  are prose and are not sections. Definitions (``วิสัยทัศน์ หมายถึง …``) are skipped.

>>> plan = parse_plan("พันธกิจ\\n1. พัฒนาแหล่งน้ำ\\n2. ส่งเสริมอาชีพ", org="อบต.ทดสอบ")
>>> [(s.kind, s.number, s.title) for s in plan]
[('mission', '1', 'พัฒนาแหล่งน้ำ'), ('mission', '2', 'ส่งเสริมอาชีพ')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from ..errors import EmptyDocumentError, InputError
from ..sections import Plan, Section, stable_id
from ..thai import fold_for_matching
from .identity import detect_org, detect_province
from .normalize import Line, NormalizedText, clean_fragment, debris_lines
from .quality import ParseQuality, assess_quality
from .readers import DEFAULT_MAX_BYTES, Block, ExtractedDocument, extract_bytes, load_document
from .thai_repair import repair_thai
from .vocabulary import (
    ANNOUNCE_TAIL,
    PLAN_WORDS,
    POLICY_AREA_NAME,
    POLICY_NUMBERED,
    STRATEGY_NAMED,
    STRATEGY_NUMBERED,
    Marker,
    announced_kind,
    is_announcement,
    is_definition,
    is_heading_remainder,
    level_cue,
    level_cue_position,
    match_term,
    parse_marker,
)

#: kinds whose items belong to the strategy they are listed under
CHILD_KINDS = frozenset({"tactic", "goal", "objective", "target", "indicator", "project"})
#: kinds a table column header can name
TABLE_KINDS = frozenset({"strategy", "tactic", "goal", "indicator", "project", "target"})
#: kinds that start a new part of the plan (they close the open strategy)
TOP_KINDS = frozenset({"vision", "mission", "policy", "strategy"})
#: a paragraph after an item continues it if it is one line at most this long
SHORT_CONTINUATION = 160
#: an unnumbered paragraph right under a heading is that heading's section if at most
#: this long (a vision statement may be a long narrative)
MAX_STATEMENT = 300
MAX_VISION = 5000
MAX_TITLE = 500
#: an unnumbered line naming a policy area (``นโยบายด้านสังคม``) is a heading if this short
MAX_AREA_HEADING = 150
_CHAPTER = re.compile(r"^(?:บทที่|ส่วนที่|ภาคที่)\s*\d+")
#: a line that only names the organisation and where it is (a letterhead, not content)
_ADDRESS = re.compile(
    r"^(?:เทศบาล|องค์การบริหารส่วน|อบต\.|อบจ\.)\S*(?:\s+(?:หมู่ที่\s*\d+|ตำบล|อำเภอ|จังหวัด|จ\.|อ\.)\S*)+$"
)
_QUOTES_STRIP = " \"'“”‘’«»:：-–—,;"
_SPACES = re.compile(r"\s+")


@dataclass(eq=False)
class _Draft:
    kind: str
    level: str
    number: str | None
    parts: list[tuple[int, int]]
    parent: _Draft | None = None
    label: str | None = None  # "ยุทธศาสตร์ที่ 2" for strategies numbered in words
    frame_heading: str | None = None
    list_heading: str | None = None
    key_title: str = ""  # normalised title used to merge repeated strategies
    label_only: bool = False  # the first part is only the label ("ยุทธศาสตร์ที่ 1")
    area: bool = False  # a policy area by its heading (นโยบายที่ 1 / unnumbered นโยบายด้าน…)
    title: str = ""
    text: str = ""
    id: str = ""


@dataclass
class _OuterList:
    """The list a child-kind heading (``โครงการ``, ``ตัวชี้วัด``…) interrupted, kept so that
    its numbering can go on after the child list (``1.1`` … ``1) 2)`` … ``1.2``)."""

    kind: str | None
    heading: str | None
    items: int
    styles: list[tuple[object, ...]]
    stack: list[_Draft]


@dataclass
class _State:
    frame_level: str = "local"
    frame_depth: int | None = None
    frame_id: int = 0
    frame_heading: str | None = None
    list_kind: str | None = None
    list_heading: str | None = None
    list_items: int = 0
    styles: list[tuple[object, ...]] = field(default_factory=list)
    #: style and number of the last item one level under the top (its numbering may
    #: go on under the next top item: areas 1) 2) | 3) 4))
    last_child: tuple[tuple[object, ...], int | None] | None = None
    stack: list[_Draft] = field(default_factory=list)
    strategy: _Draft | None = None
    strategy_depth: int | None = None  # outline depth of the heading that opened it
    open_item: _Draft | None = None
    outer: _OuterList | None = None  # the list interrupted by the current child list
    list_parent: _Draft | None = None  # parent of a child list's top items (else strategy)
    adjacent: bool = False  # no blank line since the open item's last line
    pending: list[list[Line]] = field(default_factory=list)
    para_break: bool = True
    prev_text: bool = False  # the previous line was paragraph text


class _Builder:
    def __init__(self, nt: NormalizedText, doc: ExtractedDocument | None = None) -> None:
        self.nt = nt
        self.doc = doc
        self.s = _State()
        self.drafts: list[_Draft] = []
        self.strategies: dict[int, list[_Draft]] = {}
        self.in_table = False
        self.dropped = 0
        self.lines_seen = 0
        self.guessed: list[_Draft] = []  # strategies only because of their table column

    # -- helpers -------------------------------------------------------------
    def clean(self, start: int, end: int) -> str:
        a, b = self.nt.span(start, end)
        return clean_fragment(self.nt.original[a:b])

    def _title_of(self, start: int, end: int) -> str:
        return self.clean(start, end).strip(_QUOTES_STRIP)

    def _new(self, kind: str, number: str | None, start: int, end: int, **kw: object) -> _Draft:
        d = _Draft(
            kind=kind,
            level=self.s.frame_level,
            number=number,
            parts=[(start, end)],
            frame_heading=self.s.frame_heading,
            **kw,  # type: ignore[arg-type]
        )
        self.drafts.append(d)
        self.s.open_item = d
        self.s.adjacent = True
        return d

    def _close_strategy(self) -> None:
        self.s.strategy = None
        self.s.strategy_depth = None
        self.s.outer = None
        self.s.list_parent = None

    def _child_parent(self) -> _Draft | None:
        """Parent of a top-level item of a child kind: the tactic a project list follows,
        else the open strategy."""
        return self.s.list_parent or self.s.strategy

    def _reset_frame(self) -> None:
        if self.s.frame_level != "local" or self.s.frame_heading is not None:
            self.s.frame_id += 1
        self.s.frame_level = "local"
        self.s.frame_depth = None
        self.s.frame_heading = None
        self._close_strategy()

    def _set_list(self, kind: str | None, heading: str | None) -> None:
        s = self.s
        s.list_kind = kind
        s.list_heading = heading
        s.list_items = 0
        s.styles = []
        s.stack = []
        s.last_child = None

    # -- paragraphs ----------------------------------------------------------
    def flush(self, same_list: bool) -> None:
        s = self.s
        paras, s.pending = s.pending, []
        if not paras:
            return
        if s.open_item is not None:
            for i, p in enumerate(paras):
                if same_list or (
                    i == 0 and len(p) == 1 and p[0].end - p[0].start <= SHORT_CONTINUATION
                ):
                    s.open_item.parts.extend((ln.start, ln.end) for ln in p)
                else:
                    break
            return
        if s.list_kind and s.list_kind != "strategy" and s.list_items == 0 and not same_list:
            p = paras[0]
            size = sum(ln.end - ln.start for ln in p)
            limit = MAX_VISION if s.list_kind == "vision" else MAX_STATEMENT
            if size <= limit and not _ADDRESS.match(self.clean(p[0].start, p[-1].end)):
                parent = self._child_parent() if s.list_kind in CHILD_KINDS else None
                d = self._new(
                    s.list_kind,
                    None,
                    p[0].start,
                    p[0].end,
                    parent=parent,
                    list_heading=s.list_heading,
                )
                d.parts.extend((ln.start, ln.end) for ln in p[1:])
                s.list_items += 1

    def text_line(self, ln: Line) -> None:
        s = self.s
        if self.in_table:
            return  # table cells that are not items or headings are data, not prose
        if s.open_item is not None and s.adjacent:
            s.open_item.parts.append((ln.start, ln.end))
        elif s.pending and not s.para_break:
            s.pending[-1].append(ln)
        else:
            s.pending.append([ln])
        s.para_break = False
        s.prev_text = True

    # -- structural events ---------------------------------------------------
    def header(self, title: str, depth: int | None, level: str | None, kind: str | None) -> None:
        s = self.s
        self.flush(same_list=False)
        if level is not None:
            s.frame_id += 1
            s.frame_level = level
            s.frame_depth = depth if depth is not None else None
            s.frame_heading = title if level != "local" else None
            self._close_strategy()
        elif depth is not None and s.frame_level != "local":
            if depth == 0 or (s.frame_depth is not None and depth <= s.frame_depth):
                self._reset_frame()
        if depth is not None and s.strategy is not None:
            if depth == 0 or (s.strategy_depth is not None and depth <= s.strategy_depth):
                self._close_strategy()
        if kind in TOP_KINDS:
            self._close_strategy()
        if kind == "strategy":
            s.strategy_depth = depth
        outer, list_parent = None, None
        if level is None and kind in CHILD_KINDS and s.strategy is not None:
            if s.stack:  # a child list inside a numbered list: the list may go on after it
                outer = _OuterList(s.list_kind, s.list_heading, s.list_items, s.styles, s.stack)
            else:
                outer = s.outer
            last = s.stack[-1] if s.stack else None
            if kind == "project" and last is not None and last.kind == "tactic":
                list_parent = last  # the projects of that tactic
        self._set_list(kind, title)
        s.outer, s.list_parent = outer, list_parent
        s.open_item = None
        s.adjacent = False

    def _starts_list(self, m: Marker) -> bool:
        return m.lost or m.first is None or m.first == 1

    def _resume_outer(self, m: Marker) -> bool:
        """A dotted number that continues the interrupted list's numbering (``1.2`` after
        ``1.1`` and its projects ``1) 2)``) closes the child list and goes back to it."""
        s = self.s
        o = s.outer
        if o is None or m.depth is None or m.number is None:
            return False
        for level, style in enumerate(o.styles):
            if style == m.style and level < len(o.stack):
                if _continues(o.stack[level].number, m.number):
                    s.list_kind, s.list_heading, s.list_items = o.kind, o.heading, o.items
                    s.styles, s.stack = o.styles, o.stack
                    s.outer = None
                    s.list_parent = None
                    return True
        return False

    def new_strategy(
        self, m: Marker | None, number: str | None, label: str | None, start: int, end: int
    ) -> None:
        s = self.s
        self.flush(same_list=s.list_kind == "strategy")
        if (
            m is not None
            and m.depth is not None
            and s.frame_level != "local"
            and s.frame_depth is not None
            and m.depth <= s.frame_depth
        ):
            self._reset_frame()
        if s.list_kind != "strategy":
            self._set_list("strategy", s.list_heading)
        key = _SPACES.sub("", self._title_of(start, end))
        style: tuple[object, ...] = m.style if m is not None else ("strategy",)
        if style not in s.styles:
            s.styles = [style]
        existing = self._find_strategy(number, key)
        if existing is not None:
            s.strategy = existing
            s.stack = [existing]
            s.open_item = None  # repeated heading: its lines are not added twice
            s.adjacent = False
            return
        d = self._new(
            "strategy", number, start, end, label=label, key_title=key, list_heading=s.list_heading
        )
        self.strategies.setdefault(s.frame_id, []).append(d)
        s.strategy = d
        s.stack = [d]
        s.list_items += 1

    def _find_strategy(self, number: str | None, key: str) -> _Draft | None:
        for d in self.strategies.get(self.s.frame_id, ()):
            if d.number != number:
                continue
            if number is None:
                if d.key_title == key:
                    return d
                continue
            n = min(len(d.key_title), len(key), 80)
            if n == 0 or SequenceMatcher(None, d.key_title[:n], key[:n]).ratio() >= 0.8:
                return d
        return None

    def policy_area(
        self, m: Marker | None, number: str | None, label: str | None, start: int, end: int
    ) -> None:
        """An area of a policy statement named by its heading (``นโยบายที่ 1 …``,
        ``ด้านที่ 2 …``, an unnumbered ``นโยบายด้าน…`` line): the top item of a policy
        list, whatever numbering its items use."""
        s = self.s
        self.flush(same_list=s.list_kind == "policy")
        if s.list_kind != "policy":
            self._close_strategy()
            self._set_list("policy", s.list_heading if s.list_kind is None else None)
        style: tuple[object, ...] = m.style if m is not None else ("policy_area",)
        if style in s.styles:
            del s.styles[s.styles.index(style) + 1 :]
        else:
            s.styles = [style]
        d = self._new("policy", number, start, end, label=label, list_heading=s.list_heading)
        d.area = True
        s.stack = [d]
        s.list_items += 1

    def item(self, ln: Line, m: Marker, start: int) -> None:
        s = self.s
        if m.style not in s.styles and not self._starts_list(m) and self._resume_outer(m):
            self.item(ln, m, start)
            return
        if m.style in s.styles:
            level = s.styles.index(m.style)
        elif s.styles and not self._starts_list(m):
            if not self._numbering_goes_on(m):
                self.text_line(ln)
                return
            level = 1
        else:
            level = len(s.styles)
        kind = s.list_kind
        assert kind is not None
        if level > 0 and kind == "strategy":
            kind = "tactic"
        if level == 0 and kind == "strategy":
            del s.styles[1:]
            self.new_strategy(m, m.number, None, start, ln.end)
            return
        self.flush(same_list=True)
        if level == len(s.styles):
            s.styles.append(m.style)
        del s.styles[level + 1 :]
        if level > 0 and len(s.stack) >= level:
            parent: _Draft | None = s.stack[level - 1]
        else:
            parent = self._child_parent() if kind in CHILD_KINDS else None
        d = self._new(kind, m.number, start, ln.end, parent=parent, list_heading=s.list_heading)
        del s.stack[level:]
        s.stack.append(d)
        s.list_items += 1
        if level == 1:
            s.last_child = (m.style, m.first)

    def _numbering_goes_on(self, m: Marker) -> bool:
        """Items under a new top item numbered on from those under the previous one
        (``นโยบายที่ 1`` 1) 2) ``นโยบายที่ 2`` 3) 4)): the same style, the next number."""
        s = self.s
        return (
            len(s.styles) == 1
            and len(s.stack) == 1
            and m.first is not None
            and s.last_child == (m.style, m.first - 1)
        )

    def _awaits_area_name(self) -> bool:
        """The open item is a policy area label alone (``นโยบายที่ 1``): the next
        unnumbered line is its name, even when it reads like an area (``ด้านสังคม``)."""
        d = self.s.open_item
        return d is not None and d.area and d.label_only and len(d.parts) == 1

    def inline(self, kind: str, start: int, end: int, number: str | None) -> None:
        s = self.s
        self.flush(same_list=False)
        if kind in TOP_KINDS:
            self._close_strategy()
        parent = self._child_parent() if kind in CHILD_KINDS else None
        if kind == "project" and s.stack and s.stack[-1].kind == "tactic":
            parent = s.stack[-1]  # "1) โครงการ…" listed under tactic 1.1
        self._new(kind, number, start, end, parent=parent)

    # -- one line ------------------------------------------------------------
    def line(self, ln: Line) -> None:
        s = self.s
        text = ln.text
        m = parse_marker(text)
        off = m.end if m is not None else 0
        rest = text[off:].lstrip()
        if not rest:
            return
        rstart = ln.start + (len(text) - len(rest))
        was_text = s.prev_text and not s.para_break
        s.prev_text = False
        depth = m.depth if m is not None else None
        if m is None and self._awaits_area_name():
            self.text_line(ln)
            return

        if _CHAPTER.match(rest):
            self.header(self._title_of(rstart, ln.end), 0, level_cue(rest), None)
            return
        tm = match_term(rest)
        if tm is not None and is_definition(rest):
            self.flush(same_list=False)
            s.adjacent = False
            return
        sm = STRATEGY_NUMBERED.match(rest)
        if sm is not None:
            label = _SPACES.sub(" ", sm.group("label"))
            if sm.group("title") and sm.group("title").strip(_QUOTES_STRIP):
                self.new_strategy(m, sm.group("num"), label, rstart + sm.start("title"), ln.end)
            else:  # "ยุทธศาสตร์ที่ 1" alone: the name follows on the next line
                self.new_strategy(m, sm.group("num"), label, rstart, rstart + sm.end("label"))
                if self.s.open_item is not None:
                    self.s.open_item.label_only = True
            return
        pm = POLICY_NUMBERED.match(rest)
        if pm is not None and (pm.group("word") != "ด้าน" or s.list_kind in (None, "policy")):
            # "นโยบายที่ 1 …" anywhere; "ด้านที่ 1 …" in a policy statement (or before any list)
            label = _SPACES.sub(" ", pm.group("label"))
            if pm.group("title").strip(_QUOTES_STRIP):
                self.policy_area(m, pm.group("num"), label, rstart + pm.start("title"), ln.end)
            else:
                self.policy_area(m, pm.group("num"), label, rstart, rstart + pm.end("label"))
                if s.open_item is not None:
                    s.open_item.label_only = True
            return
        level = level_cue(rest) if _may_be_frame_header(rest) else None
        if level is not None and self._is_frame_header(rest, tm):
            kind = tm.kind if tm is not None else None
            if is_announcement(rest):
                kind = announced_kind(rest)[1]
            self.header(self._title_of(rstart, ln.end), depth, level, kind)
            return
        if tm is not None:
            self._vocab_line(ln, m, tm.kind, tm.remainder, rest, rstart, was_text)
            return
        if (
            m is None
            and s.list_kind == "policy"
            and not was_text
            and POLICY_AREA_NAME.match(rest)
            and len(rest) <= MAX_AREA_HEADING
        ):
            self.policy_area(None, None, None, rstart, ln.end)  # "ด้านสังคม" in a policy list
            return
        if m is None and is_announcement(rest):
            kind = announced_kind(rest)[1]
            self.flush(same_list=False)
            if kind is not None:
                self.header(self._title_of(rstart, ln.end), None, None, kind)
            return
        if m is not None and s.list_kind is not None:
            self.item(ln, m, rstart)
            return
        self.text_line(ln)

    def _is_frame_header(self, rest: str, tm: object) -> bool:
        if not _may_be_frame_header(rest):
            return False
        pos = level_cue_position(rest)
        if rest.startswith(("ยุทธศาสตร์", "ประเด็นยุทธศาสตร์")):
            if STRATEGY_NAMED.match(rest):
                return False
            return is_announcement(rest) or pos <= 25
        return is_announcement(rest) or pos <= 60

    def _vocab_line(
        self,
        ln: Line,
        m: Marker | None,
        kind: str | None,
        remainder: str,
        rest: str,
        rstart: int,
        was_text: bool,
    ) -> None:
        s = self.s
        depth = m.depth if m is not None else None
        title = self._title_of(rstart, ln.end)
        if kind is None:  # a stop heading (ค่านิยม, จุดแข็ง, …)
            if is_heading_remainder(remainder) or len(rest) <= 60:
                self.header(title, depth, None, None)
            elif m is not None and s.list_kind is not None:
                self.item(ln, m, rstart)
            else:
                self.text_line(ln)
            return
        if kind == "strategy" and (
            STRATEGY_NAMED.match(rest)
            or (
                not is_heading_remainder(remainder)
                and not is_announcement(rest)
                and (m is not None or (len(rest) <= 200 and not was_text))
            )
        ):
            self.new_strategy(m, m.number if m is not None else None, None, rstart, ln.end)
            return
        if (
            m is None
            and kind == "policy"
            and POLICY_AREA_NAME.match(rest)
            and len(rest) <= MAX_AREA_HEADING
            and not was_text
        ):
            self.policy_area(None, None, None, rstart, ln.end)  # "นโยบายด้านสังคม" alone
            return
        if (
            m is not None
            and kind == "policy"
            and remainder.startswith("ด้าน")
            and s.list_kind != kind
            and self._starts_list(m)
        ):
            # "1. นโยบายด้าน…" after a preamble: the first area of a policy list
            self.flush(same_list=False)
            self._close_strategy()
            self._set_list(kind, None)
            s.open_item = None
            self.item(ln, m, rstart)
            return
        if (
            m is not None
            and remainder
            and s.list_kind == kind
            and (not is_announcement(rest) or remainder.startswith("ด้าน"))
        ):
            # "3. นโยบายด้านสังคม" (even "… มีดังนี้") inside a policy list: an area whose
            # numbered items follow
            self.item(ln, m, rstart)
            return
        if is_heading_remainder(remainder) or (is_announcement(rest) and len(rest) <= 200):
            if is_announcement(rest):
                kind = announced_kind(rest)[1] or kind
            self.header(title, depth, None, kind)
            return
        # content after the term
        if m is not None and s.list_kind == kind:
            self.item(ln, m, rstart)
        elif was_text:
            self.text_line(ln)  # a wrapped paragraph that happens to start with a term
        else:
            idx = rest.find(remainder) if remainder else -1
            start = rstart + idx if idx > 0 else rstart
            self.inline(kind, start, ln.end, m.number if m is not None else None)

    # -- tables --------------------------------------------------------------
    def table(self, cells: list[tuple[Line, Block]]) -> None:
        """One table of a structured document (DOCX): a header row naming kinds
        (ยุทธศาสตร์ | กลยุทธ์ | โครงการ) makes each column's cells sections of that kind
        under the cell to their left; other tables are read cell by cell."""
        s = self.s
        self.flush(same_list=False)
        rows: dict[int, dict[int, list[Line]]] = {}
        for ln, b in cells:
            rows.setdefault(b.row or 0, {}).setdefault(b.col or 0, []).append(ln)
        order = sorted(rows)
        kinds: dict[int, str] = {}
        for col, lines in rows[order[0]].items():
            text = " ".join(ln.text for ln in lines)
            tm = match_term(text)
            if tm is not None and tm.kind in TABLE_KINDS and len(text) <= 80:
                kinds[col] = tm.kind
        if len(kinds) >= 2 and set(kinds.values()) & {"strategy", "tactic"}:
            self._kind_table(rows, order[1:], kinds)
        else:
            s.adjacent = False
            s.para_break = True
            self.in_table = True
            for ln, _ in cells:
                self.line(ln)
                s.para_break = True
            self.in_table = False
        s.adjacent = False
        s.para_break = True
        s.open_item = None

    def _kind_table(
        self, rows: dict[int, dict[int, list[Line]]], data_rows: list[int], kinds: dict[int, str]
    ) -> None:
        s = self.s
        columns = sorted(kinds)
        current: dict[int, _Draft] = {}
        for r in data_rows:
            row = rows[r]
            for col in columns:
                lines = row.get(col)
                if not lines:
                    continue
                for deeper in [c for c in current if c > col]:
                    if row.get(deeper):
                        del current[deeper]
                kind = kinds[col]
                if kind == "strategy":
                    self._table_strategy(lines)
                    if s.strategy is not None:
                        current[col] = s.strategy
                    continue
                left = [c for c in current if c < col]
                parent = current[max(left)] if left else s.strategy
                last: _Draft | None = None
                for ln in lines:
                    m = parse_marker(ln.text)
                    rest = ln.text[m.end :].lstrip() if m is not None else ln.text
                    if not rest:
                        continue
                    rstart = ln.start + (len(ln.text) - len(rest))
                    if m is None and last is not None:
                        last.parts.append((ln.start, ln.end))
                        continue
                    number = m.number if m is not None else None
                    last = self._new(kind, number, rstart, ln.end, parent=parent)
                    current[col] = last
        self._close_strategy()
        self._set_list(None, None)

    def _table_strategy(self, lines: list[Line]) -> None:
        first = lines[0]
        m = parse_marker(first.text)
        rest = first.text[m.end :].lstrip() if m is not None else first.text
        rstart = first.start + (len(first.text) - len(rest))
        sm = STRATEGY_NUMBERED.match(rest)
        if sm is not None and sm.group("title").strip(_QUOTES_STRIP):
            label = _SPACES.sub(" ", sm.group("label"))
            self.new_strategy(m, sm.group("num"), label, rstart + sm.start("title"), first.end)
        elif sm is not None:
            label = _SPACES.sub(" ", sm.group("label"))
            self.new_strategy(m, sm.group("num"), label, rstart, rstart + sm.end("label"))
            if self.s.open_item is not None:
                self.s.open_item.label_only = True
        else:
            number = m.number if m is not None else None
            self.new_strategy(m, number, None, rstart, first.end)
            if match_term(rest) is None and self.s.strategy is not None:
                self.guessed.append(self.s.strategy)  # a strategy only because of its column
        d = self.s.open_item
        if d is not None:
            d.parts.extend((ln.start, ln.end) for ln in lines[1:])

    # -- driver --------------------------------------------------------------
    def _block(self, ln: Line) -> Block | None:
        if self.doc is None or not self.doc.blocks:
            return None
        return self.doc.block_at(self.nt.to_original(ln.start))

    def run(self) -> list[_Draft]:
        lines = list(self.nt.lines())
        skip = debris_lines(lines)
        self.dropped = len(skip)
        self.lines_seen = sum(1 for ln in lines if ln.text)
        s = self.s
        i = 0
        while i < len(lines):
            ln = lines[i]
            i += 1
            if ln.index in skip:
                continue
            if not ln.text:
                s.adjacent = False
                s.para_break = True
                s.prev_text = False
                continue
            b = self._block(ln)
            if b is not None and b.table is not None:
                cells = [(ln, b)]
                while i < len(lines):
                    nb = self._block(lines[i]) if lines[i].text else None
                    if lines[i].text and (nb is None or nb.table != b.table):
                        break
                    if nb is not None and lines[i].index not in skip:
                        cells.append((lines[i], nb))
                    i += 1
                self.table(cells)
                continue
            if ln.text.count("\t") >= 2:  # a table row: its cells are separate lines
                s.adjacent = False
                s.para_break = True
                self.in_table = True
                for cell in _cells(ln):
                    self.line(cell)
                    s.para_break = True
                self.in_table = False
                s.adjacent = False
                continue
            self.line(ln)
        self.flush(same_list=False)
        return self.drafts


def _continues(previous: str | None, number: str) -> bool:
    """``number`` is the next one after ``previous`` at the same depth (1.1 → 1.2)."""
    if previous is None:
        return False
    a, b = previous.split("."), number.split(".")
    return len(a) == len(b) and a[:-1] == b[:-1] and int(b[-1]) == int(a[-1]) + 1


def _may_be_frame_header(rest: str) -> bool:
    return len(rest) <= 220 and rest.startswith(PLAN_WORDS)


def _cells(ln: Line) -> list[Line]:
    out: list[Line] = []
    pos = ln.start
    for raw in ln.text.split("\t"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            out.append(Line(ln.index, pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    return out


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------


def _id_title(title: str) -> str:
    """A title as ids see it: repaired Thai, folded case and digits, no spaces (so ids
    survive better extraction: re-joined lines, repaired marks, spacing)."""
    return _SPACES.sub("", fold_for_matching(repair_thai(title)))[:200]


def _finish(
    drafts: list[_Draft],
    nt: NormalizedText,
    builder: _Builder,
    *,
    doc_key: str,
    source: str | None,
    org: str | None,
    province: str | None,
    doc: ExtractedDocument | None = None,
) -> tuple[Section, ...]:
    # titles and texts from the original characters
    kept: list[_Draft] = []
    for d in drafts:
        first = d.parts[0]
        title = builder._title_of(*first)
        rest = [builder.clean(a, b) for a, b in d.parts[1:]]
        if d.label_only:
            title = ""
        if not title and rest:
            title, rest = rest[0].strip(_QUOTES_STRIP), rest[1:]
        text = " ".join([title, *rest]).strip(_QUOTES_STRIP)
        if d.kind == "vision" and d.parts and len(text) <= MAX_STATEMENT:
            title = text  # a (quoted) vision statement wrapped over lines
        if (d.number is not None or d.area) and ANNOUNCE_TAIL.search(title):
            title = ANNOUNCE_TAIL.sub("", title)  # "1. นโยบายด้าน… มีดังนี้"
        if len(title) > MAX_TITLE:
            title = title[: MAX_TITLE - 1].rstrip() + "…"
        if not title and d.label:
            title = d.label
        if not title:
            continue
        d.title, d.text = title, text or title
        kept.append(d)
    alive = set(map(id, kept))
    _mark_policy_areas(kept)

    def live_parent(d: _Draft) -> _Draft | None:
        p = d.parent
        while p is not None and id(p) not in alive:
            p = p.parent
        return p

    # ids from the structure: document, level, kind, parent, normalised title
    seen: dict[tuple[str, ...], int] = {}
    for d in kept:
        parent = live_parent(d)
        key = (d.level, d.kind, parent.id if parent is not None else "", _id_title(d.title))
        seen[key] = seen.get(key, 0) + 1
        d.id = stable_id(doc_key, *key, seen[key])

    def segment(d: _Draft) -> str:
        if d.label:
            seg = f"{d.label} {d.title}" if d.title != d.label else d.label
        elif d.number:
            seg = f"{d.number} {d.title}"
        else:
            seg = d.title
        return seg if len(seg) <= 80 else seg[:79].rstrip() + "…"

    out: list[Section] = []
    for d in kept:
        chain: list[str] = []
        p: _Draft | None = d
        top = d
        while p is not None:
            chain.append(segment(p))
            top = p
            p = live_parent(p)
        chain.reverse()
        prefix: list[str] = []
        if d.frame_heading:
            prefix.append(d.frame_heading[:80])
        if top.kind != "strategy" and top.list_heading and top.list_heading not in prefix:
            prefix.append(top.list_heading[:80])
        parent = live_parent(d)
        span = nt.span(d.parts[0][0], d.parts[-1][1])
        out.append(
            Section(
                id=d.id,
                kind=d.kind,
                level=d.level,
                title=d.title,
                text=d.text,
                number=d.number,
                parent_id=parent.id if parent is not None else None,
                org=org,
                province=province,
                source=source,
                span=span,
                path=" › ".join(prefix + chain),
                page=doc.page_at(span[0]) if doc is not None else None,
            )
        )
    return tuple(out)


def _mark_policy_areas(drafts: list[_Draft]) -> None:
    """A policy at the top of its list is an area (``policy_area``, the strategy role);
    the policies under it are its items (``policy``, the tactic role). A flat list is a
    list of areas without items, so an item never stands without its area."""
    for d in drafts:
        if d.kind == "policy" and d.parent is None:
            d.kind = "policy_area"


def _resolve_source(
    source: str | Path | bytes | ExtractedDocument, max_bytes: int, ocr: bool = False
) -> tuple[ExtractedDocument, str | None]:
    """(extracted document, source path as given or None)."""
    if isinstance(source, ExtractedDocument):
        return source, None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return extract_bytes(bytes(source), max_bytes=max_bytes, ocr=ocr), None
    if isinstance(source, Path):
        return load_document(source, max_bytes=max_bytes, ocr=ocr), str(source)
    if not isinstance(source, str):
        raise TypeError(f"source must be a path, str or bytes, not {type(source).__name__}")
    if "\n" not in source and len(source) < 1024:
        try:
            is_file = Path(source).is_file()
        except (OSError, ValueError):
            is_file = False
        if is_file:
            return load_document(source, max_bytes=max_bytes, ocr=ocr), source
        if re.search(r"\.(?:txt|text|md|pdf|docx?)$", source, re.IGNORECASE) and (
            "/" in source or "\\" in source or " " not in source
        ):
            raise InputError(
                f"{source}: ไม่พบไฟล์ / no such file (pass the document text or an existing path)"
            )
    if len(source.encode("utf-8", "surrogatepass")) > max_bytes:
        raise InputError(f"the text is over the {max_bytes / 1e6:.1f} MB limit; raise max_bytes")
    return ExtractedDocument.plain(source), None


def _quality(
    plan_sections: tuple[Section, ...],
    doc: ExtractedDocument,
    builder: _Builder,
    org: str | None,
    province: str | None,
) -> ParseQuality:
    kept = {s.id for s in plan_sections}
    return assess_quality(
        plan_sections,
        doc.text,
        org=org,
        province=province,
        guessed=[d.id for d in builder.guessed if d.id in kept],
        format=doc.format,
        pages=doc.pages,
        lines=builder.lines_seen,
        dropped_lines=builder.dropped,
        notes=doc.notes,
    )


def parse_plan(
    source: str | Path | bytes | ExtractedDocument,
    *,
    org: str | None = None,
    province: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    ocr: bool = False,
) -> Plan:
    """Parse one Thai development plan into typed, hierarchical sections.

    ``source`` is a path (``str`` naming an existing file, or :class:`~pathlib.Path`;
    ``.txt`` in any Thai encoding, ``.pdf``, ``.docx``, ``.doc``), the document text
    itself, its raw bytes, or the document already extracted from them
    (:func:`plansearch.parse.readers.extract_bytes`). ``org``/``province`` override
    what is detected from the text. ``ocr=True`` reads a scanned PDF (no text layer)
    with Tesseract when it is installed with Thai data. Spans index the extracted text
    (:func:`plansearch.parse.load_document`); ``plan.quality`` reports what was found
    and what looked wrong.

    Raises :class:`~plansearch.EmptyDocumentError`, :class:`~plansearch.BinaryFileError`,
    :class:`~plansearch.EncodingError`, :class:`~plansearch.DocumentTooLargeError` or
    :class:`~plansearch.UnsupportedFormatError` for unusable input (all
    :class:`~plansearch.InputError`). A readable document without plan structure
    (e.g. English-only text) gives a plan with no sections.

    >>> plan = parse_plan("วิสัยทัศน์\\n“ชุมชนน่าอยู่ เศรษฐกิจพอเพียง”\\n"
    ...                   "ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ\\nแนวทางการพัฒนา\\n"
    ...                   "1.1 ส่งเสริมอาชีพ")
    >>> [(s.kind, s.title) for s in plan]  # doctest: +NORMALIZE_WHITESPACE
    [('vision', 'ชุมชนน่าอยู่ เศรษฐกิจพอเพียง'), ('strategy', 'การพัฒนาด้านเศรษฐกิจ'),
     ('tactic', 'ส่งเสริมอาชีพ')]
    >>> plan.of("tactic")[0].path
    'ยุทธศาสตร์ที่ 1 การพัฒนาด้านเศรษฐกิจ › 1.1 ส่งเสริมอาชีพ'
    """
    doc, path = _resolve_source(source, max_bytes, ocr)
    text = doc.text
    if not text.strip():
        raise EmptyDocumentError(f"{path or 'the text'}: ไฟล์ว่าง / is empty; nothing to parse")
    nt = NormalizedText.from_text(text)
    org = org if org is not None else detect_org(nt.text)
    province = province if province is not None else detect_province(nt.text, org)
    doc_key = Path(path).stem if path else f"text#{org or ''}"
    builder = _Builder(nt, doc)
    drafts = builder.run()
    sections = _finish(
        drafts, nt, builder, doc_key=doc_key, source=path, org=org, province=province, doc=doc
    )
    quality = _quality(sections, doc, builder, org, province)
    return Plan(org=org, province=province, source=path, sections=sections, quality=quality)
