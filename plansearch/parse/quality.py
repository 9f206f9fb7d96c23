"""Parse quality: what a parse found and every sign that something was lost.

One source for the command line (``plansearch ingest``), the API and the workbench:
:func:`assess_quality` looks at a plan's sections (and, when given, the text they were
read from) and returns a :class:`ParseQuality` with counts and a tuple of
:class:`QualityFlag`. Each flag has a code, the sections it concerns, a Thai message
with English alongside, and where one exists a :class:`QualityFix` that repairs a whole
level in one step. :func:`~plansearch.parse_plan` keeps the result on ``plan.quality``.

Flags (``code``):

* ``no_structure`` – nothing was read as a plan section;
* ``org_not_found`` / ``province_not_found`` – identity not in the text;
* ``numbered_headings_not_strategies`` – no strategies, but numbered items with numbered
  items under them (fix: those headings become strategies, their items tactics);
* ``no_strategies`` – no strategies although the plan has many numbered items;
* ``no_tactics`` – strategies (or policy areas) but nothing in the tactic role;
* ``numbering_gap`` / ``numbering_repeat`` – numbers within one parent skip or repeat
  (``2`` with no ``1``; ``1, 2, 2, 4``): an item was lost or glued to another;
* ``glued_item`` – the next item's number inside an item's text, or an item several
  times longer than its siblings;
* ``numbered_lines_not_read`` – a strategy without tactics whose text has numbered
  lines under it that no section holds (needs the text);
* ``strategy_without_tactics`` – a strategy without tactics while others have them;
* ``tactic_without_strategy`` – a tactic under no known strategy;
* ``cut_title`` – a title so long the parser cut it, with another item's number in it;
* ``guessed_headings`` – strategies recognised by their table column, not their words;
* ``damaged_thai`` – damaged Thai sequences left in the text.

``ok`` is true only when nothing is flagged and the plan has a strategy-role level
(``strategy`` or ``policy_area``: the registry's block model,
:func:`plansearch.frameworks.kind_roles`).

>>> from plansearch import parse_plan
>>> q = parse_plan("ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\\nกลยุทธ์\\n2. ส่งเสริมอาชีพ",
...                org="อบต.ทดสอบ", province="ลำปาง").quality
>>> q.found, q.ok
((('strategy', 1), ('tactic', 1)), False)
>>> q.flags[0].code, q.flags[0].message
('numbering_gap', 'เลขลำดับเริ่มที่ 2 ไม่ใช่ 1 (ไม่พบข้อ 1) — รายการอาจตกหล่นหรือถูกรวมกับข้ออื่น')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from ..labels import KIND_TH
from ..sections import KINDS, Section
from ..thai import thai_digits_to_arabic
from .normalize import is_debris_line
from .thai_repair import damage_count
from .vocabulary import (
    _THAI_LETTERS,
    STRATEGY_NUMBERED,
    is_heading_remainder,
    match_term,
    parse_marker,
)

#: a title at least this long that ends with "…" was cut by the parser (MAX_TITLE):
#: it probably swallowed several items
LONG_TITLE = 400
#: an item is "glued" when longer than this many times its siblings' median …
GLUED_RATIO = 3.0
#: … and longer than this many characters
GLUED_MIN_CHARS = 300
#: siblings needed (besides the item) before its length is compared with theirs
GLUED_MIN_SIBLINGS = 2
#: numbered sections that make a plan without strategies suspicious
MANY_NUMBERED = 5
#: the canonical kinds a "treat as strategies" fix proposes
STRATEGY_KIND = "strategy"
TACTIC_KIND = "tactic"

_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
#: a list number inside a text (" 2. ", " (3) ", " 4) "): a second item glued on
_INLINE_ITEM = re.compile(r"\s(?:\(\d{1,2}\)|\d{1,2}\)|\d{1,2}\.(?![\d.]))\s*[^\s\d]")


@dataclass(frozen=True)
class QualityFix:
    """One step that repairs a flag for a whole level: new kinds for these sections.

    ``kinds`` is a tuple of ``(section id, new kind)``; parents stay as they are.
    """

    label: str  # Thai
    label_en: str
    kinds: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "label_en": self.label_en,
            "kinds": [{"id": sid, "kind": kind} for sid, kind in self.kinds],
        }


@dataclass(frozen=True)
class QualityFlag:
    """One thing a planner should check: a code, the sections it concerns (ids, the
    first is where to look), a Thai message with English alongside, and a fix when one
    step can repair it."""

    code: str
    sections: tuple[str, ...]
    message: str  # Thai
    message_en: str
    fix: QualityFix | None = None

    @property
    def text(self) -> str:
        """``"ไทย / English"`` on one line."""
        return f"{self.message} / {self.message_en}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "sections": list(self.sections),
            "message": self.message,
            "message_en": self.message_en,
            "fix": self.fix.to_dict() if self.fix is not None else None,
        }


@dataclass(frozen=True)
class ParseQuality:
    """What one parse found and what looked wrong (see the module docstring).

    ``found``: sections per kind (plan order of kinds); ``strategies``/``tactics``: local
    sections in the strategy and tactic roles; ``flags``: everything to check. The parse
    facts (``format``, ``pages``, ``lines``, ``dropped_lines``, ``notes``) are set by
    :func:`~plansearch.parse_plan` and empty when only sections were assessed.
    """

    found: tuple[tuple[str, int], ...]
    strategies: int
    tactics: int
    flags: tuple[QualityFlag, ...]
    org: str | None = None
    province: str | None = None
    format: str | None = None
    pages: int | None = None
    lines: int = 0
    dropped_lines: int = 0  # lines skipped as page furniture
    notes: tuple[str, ...] = ()

    @property
    def sections(self) -> int:
        return sum(n for _, n in self.found)

    @property
    def ok(self) -> bool:
        """Nothing flagged, and the plan has a strategy-role level."""
        return not self.flags and self.strategies > 0

    def count(self, kind: str) -> int:
        return dict(self.found).get(kind, 0)

    def codes(self) -> tuple[str, ...]:
        """The flags' codes, in order (a code may repeat: one flag per finding)."""
        return tuple(f.code for f in self.flags)

    def summary(self, sections: Iterable[Section] = ()) -> str:
        """Lines for the command line: what was found, then the flags, Thai first. Flags
        with the same message are one line with their count; given the plan's
        ``sections``, the line names the first few sections concerned."""
        found = ", ".join(f"{KIND_TH.get(k, k)} {n}" for k, n in self.found) or "—"
        head = self.format or "sections"
        if self.pages:
            head += f", {self.pages} pages"
        lines = [
            f"พบ / found: {found} ({head}; {self.lines} lines, "
            f"{self.dropped_lines} dropped as page furniture)"
        ]
        lines += [f"  note: {n}" for n in self.notes]
        names = {s.id: _name(s) for s in sections}
        groups: dict[str, list[QualityFlag]] = {}
        for f in self.flags:
            groups.setdefault(f.text, []).append(f)
        for text, flags in groups.items():
            count = f" ×{len(flags)}" if len(flags) > 1 else ""
            where = [names[f.sections[0]] for f in flags if f.sections and f.sections[0] in names]
            shown = "; ".join(where[:3]) + ("; …" if len(where) > 3 else "")
            lines.append(f"  ! {text}{count}" + (f": {shown}" if shown else ""))
            for f in flags:
                if f.fix is not None:
                    lines.append(
                        f"    → แก้ได้ในขั้นเดียว / one-step fix: {f.fix.label} / "
                        f"{f.fix.label_en} ({len(f.fix.kinds)} sections)"
                    )
        if self.ok:
            lines.append("  ไม่พบปัญหา / no problem found")
        elif not self.flags:
            lines.append("  ไม่มียุทธศาสตร์หรือด้านนโยบาย / no strategy-role level")
        return "\n".join(lines)

    def issues(self) -> list[dict[str, str]]:
        """One line per flag that concerns sections: ``{"key": first section id,
        "issue": Thai message}`` (what the workbench lists, each linked to its section)."""
        return [{"key": f.sections[0], "issue": f.message} for f in self.flags if f.sections]

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> ParseQuality:
        """The inverse of ``dataclasses.asdict`` (how a parse in a worker process sends
        its quality back as JSON)."""

        def fix(raw: Any) -> QualityFix | None:
            if raw is None:
                return None
            kinds = tuple((str(a), str(b)) for a, b in raw["kinds"])
            return QualityFix(raw["label"], raw["label_en"], kinds)

        flags = tuple(
            QualityFlag(
                f["code"], tuple(f["sections"]), f["message"], f["message_en"], fix(f.get("fix"))
            )
            for f in data.get("flags", ())
        )
        found = tuple((str(k), int(n)) for k, n in data.get("found", ()))
        rest = {k: v for k, v in data.items() if k not in ("found", "flags", "notes")}
        return cls(found=found, flags=flags, notes=tuple(data.get("notes", ())), **rest)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the API and ``plansearch ingest --json``: ``sections``,
        ``counts`` (per kind), ``strategies``/``tactics`` (role counts), ``issues``
        (:meth:`issues`), ``ok``, ``flags`` (every flag with its fix) and the parse facts.
        """
        return {
            "sections": self.sections,
            "counts": dict(self.found),
            "strategies": self.strategies,
            "tactics": self.tactics,
            "issues": self.issues(),
            "ok": self.ok,
            "org": self.org,
            "province": self.province,
            "format": self.format,
            "pages": self.pages,
            "lines": self.lines,
            "dropped_lines": self.dropped_lines,
            "notes": list(self.notes),
            "flags": [f.to_dict() for f in self.flags],
        }


def assess_quality(
    sections: Iterable[Section],
    text: str | None = None,
    *,
    roles: Mapping[str, str] | None = None,
    org: str | None = None,
    province: str | None = None,
    guessed: Sequence[str] = (),
    format: str | None = None,
    pages: int | None = None,
    lines: int = 0,
    dropped_lines: int = 0,
    notes: Sequence[str] = (),
) -> ParseQuality:
    """Assess a parse from its sections (document order) and, when given, the ``text``
    their spans index (``load_document(source).text``).

    ``roles`` maps kinds to ``"strategy"``/``"tactic"`` (default: the registry's block
    model, :func:`plansearch.frameworks.kind_roles`). ``org``/``province`` default to the first
    found on the sections. ``guessed``: ids of sections the parser took as headings
    from their table column alone. The other keywords are parse facts, kept as given.

    >>> from plansearch import Section
    >>> a = Section("s1", "strategy", "local", "การพัฒนาเศรษฐกิจ", "การพัฒนาเศรษฐกิจ",
    ...             number="1", org="อบต.ทดสอบ", province="ลำปาง")
    >>> t = Section("t1", "tactic", "local", "ส่งเสริมอาชีพ", "ส่งเสริมอาชีพ", number="1",
    ...             parent_id="s1", org="อบต.ทดสอบ", province="ลำปาง")
    >>> assess_quality([a, t]).ok
    True
    >>> [f.code for f in assess_quality([a]).flags]
    ['no_tactics']
    """
    secs = list(sections)
    if roles is None:
        from ..frameworks.registry import kind_roles

        roles = kind_roles()
    role = dict(roles)
    if org is None:
        org = next((s.org for s in secs if s.org), None)
    if province is None:
        province = next((s.province for s in secs if s.province), None)
    counts: dict[str, int] = {}
    for s in secs:
        counts[s.kind] = counts.get(s.kind, 0) + 1
    local = [s for s in secs if s.level == "local"]
    strategies = [s for s in local if role.get(s.kind) == "strategy"]
    tactics = [s for s in local if role.get(s.kind) == "tactic"]
    ctx = _Context(secs, role, text)
    flags: list[QualityFlag] = []
    flags += _identity(secs, org, province)
    flags += _levels(ctx, local, strategies, tactics)
    missing = _missing_tactics(ctx, strategies)
    lost_lines = {f.sections[0] for f in missing if f.code == "numbered_lines_not_read"}
    flags += _numbering(ctx)
    flags += _glued(ctx, skip=lost_lines)
    flags += missing
    flags += _orphans(ctx, strategies, tactics)
    flags += _cut_titles(secs)
    flags += _guessed(ctx, guessed)
    flags += _damaged(secs)
    return ParseQuality(
        found=tuple(sorted(counts.items(), key=lambda kv: _KIND_ORDER.get(kv[0], 99))),
        strategies=len(strategies),
        tactics=len(tactics),
        flags=tuple(flags),
        org=org,
        province=province,
        format=format,
        pages=pages,
        lines=lines,
        dropped_lines=dropped_lines,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------


@dataclass
class _Context:
    sections: list[Section]
    role: dict[str, str]
    text: str | None
    by_id: dict[str, Section] = field(init=False)
    children: dict[str, list[Section]] = field(init=False)
    last_below: dict[str, Section] = field(init=False)  # last descendant in text order

    def __post_init__(self) -> None:
        self.by_id = {s.id: s for s in self.sections}
        self.children = {}
        for s in self.sections:
            if s.parent_id is not None and s.parent_id in self.by_id:
                self.children.setdefault(s.parent_id, []).append(s)
        self.last_below = {}
        for s in reversed(self.sections):
            seen = {s.id}
            p = self.by_id.get(s.parent_id) if s.parent_id else None
            while p is not None and p.id not in seen and p.id not in self.last_below:
                self.last_below[p.id] = s
                seen.add(p.id)
                p = self.by_id.get(p.parent_id) if p.parent_id else None

    def kids(self, s: Section) -> list[Section]:
        return self.children.get(s.id, [])

    def descendants(self, s: Section) -> set[str]:
        out: set[str] = set()
        todo = [s]
        while todo:
            for c in self.kids(todo.pop()):
                if c.id not in out:
                    out.add(c.id)
                    todo.append(c)
        return out


def _name(s: Section) -> str:
    head = f"{s.number} " if s.number else ""
    title = s.title if len(s.title) <= 50 else s.title[:49] + "…"
    return f"{KIND_TH.get(s.kind, s.kind)} {head}{title}"


def _identity(secs: list[Section], org: str | None, province: str | None) -> list[QualityFlag]:
    out: list[QualityFlag] = []
    if not secs:
        out.append(
            QualityFlag(
                "no_structure",
                (),
                "ไม่พบโครงสร้างแผน (วิสัยทัศน์ ยุทธศาสตร์ แนวทาง…)",
                "no plan structure found",
            )
        )
        return out
    if org is None:
        out.append(
            QualityFlag(
                "org_not_found",
                (),
                "ไม่พบชื่อหน่วยงาน (ระบุ org=… หรือ --org)",
                "organisation not found (pass org=… or --org)",
            )
        )
    if province is None:
        out.append(
            QualityFlag(
                "province_not_found",
                (),
                "ไม่พบจังหวัด (ระบุ province=… หรือ --province)",
                "province not found (pass province=… or --province)",
            )
        )
    return out


def _levels(
    ctx: _Context, local: list[Section], strategies: list[Section], tactics: list[Section]
) -> list[QualityFlag]:
    if not local:
        return []
    if strategies:
        if tactics:
            return []
        ids = tuple(s.id for s in strategies)
        return [
            QualityFlag(
                "no_tactics",
                ids,
                f"พบยุทธศาสตร์/ด้านนโยบาย {len(ids)} รายการ แต่ไม่พบกลยุทธ์/แนวทางหรือรายการนโยบาย"
                " — ตรวจว่าส่วนนี้ของเอกสารถูกอ่านครบหรือไม่",
                f"{len(ids)} strategies (or policy areas) but nothing in the tactic role: "
                "check that this part of the document was read",
            )
        ]
    numbered = [s for s in local if s.number]
    kinds = {s.kind for s in numbered}
    headings = [
        s
        for s in numbered
        if s.parent_id is None and any(c.kind == s.kind and c.number for c in ctx.kids(s))
    ]
    if headings:
        # the whole level: every top numbered section of the headings' kinds
        level = [
            s for s in numbered if s.parent_id is None and s.kind in {h.kind for h in headings}
        ]
        changes: list[tuple[str, str]] = []
        for h in level:
            if h.kind != STRATEGY_KIND:
                changes.append((h.id, STRATEGY_KIND))
            changes += [(c.id, TACTIC_KIND) for c in ctx.kids(h) if c.kind == h.kind != TACTIC_KIND]
        return [
            QualityFlag(
                "numbered_headings_not_strategies",
                tuple(h.id for h in level),
                f"ไม่พบยุทธศาสตร์ แต่มีหัวข้อมีเลขลำดับ {len(level)} หัวข้อที่มีรายการย่อยอยู่ภายใต้"
                " — อาจเป็นยุทธศาสตร์และกลยุทธ์/แนวทาง",
                f"no strategies, but {len(level)} numbered headings have numbered items "
                "under them: they may be the strategies and their tactics",
                QualityFix(
                    "ถือว่าหัวข้อมีเลขลำดับเหล่านี้เป็นยุทธศาสตร์ และรายการย่อยเป็นกลยุทธ์/แนวทาง",
                    "treat these numbered headings as strategies and their items as tactics",
                    tuple(changes),
                ),
            )
        ]
    if len(numbered) >= MANY_NUMBERED:
        ordered = sorted(kinds, key=lambda k: _KIND_ORDER.get(k, 99))
        what = ", ".join(KIND_TH.get(k, k) for k in ordered)
        return [
            QualityFlag(
                "no_strategies",
                tuple(s.id for s in numbered),
                f"ไม่พบยุทธศาสตร์ แม้มีรายการมีเลขลำดับ {len(numbered)} รายการ ({what})"
                " — ตรวจว่าเอกสารมีส่วนยุทธศาสตร์หรือไม่",
                f"no strategies although {len(numbered)} numbered items were read "
                f"({', '.join(ordered)}): check whether the document has a strategy part",
            )
        ]
    return []


def _number_parts(number: str | None) -> tuple[tuple[str, ...], int] | None:
    """(prefix, last) of a section number: ``"1.2"`` → ``(("1",), 2)``; ``"ข"`` →
    ``((), 2)``; ``None`` or anything else → ``None``."""
    if not number:
        return None
    number = thai_digits_to_arabic(number).strip().rstrip(".")
    if len(number) == 1 and number in _THAI_LETTERS:
        return ("letter",), _THAI_LETTERS.index(number) + 1
    parts = number.split(".")
    if not all(p.isdigit() for p in parts):
        return None
    return tuple(parts[:-1]), int(parts[-1])


@dataclass
class _Run:
    prev: Section | None = None
    prev_n: int = 0
    top: int = 0  # the highest number seen in this run
    slack: int = 0  # unnumbered siblings since the last number (a digit lost in print)


def _numbering(ctx: _Context) -> list[QualityFlag]:
    """Gaps and repeats among the numbers of siblings (same parent, kind and number
    prefix). A list that starts again at 1 is a new list; unnumbered siblings (a digit
    lost in print: ``. ให้มีน้ำ…``) hold the places they stand in."""
    groups: dict[tuple[object, ...], list[Section]] = {}
    last: dict[tuple[object, ...], int] = {}
    # a list may go on from the one before: "2. เป้าหมาย…" after "1. วัตถุประสงค์…" under
    # one parent, or items numbered on across areas (นโยบายที่ 1: 1) 2) | นโยบายที่ 2: 3))
    continued: set[str] = set()
    for s in ctx.sections:
        parent = s.parent_id if s.parent_id in ctx.by_id else None
        groups.setdefault((parent or ("top", s.level), s.kind), []).append(s)
        parts = _number_parts(s.number)
        if parts is None:
            continue
        keys: list[tuple[object, ...]] = [("kind", s.level, s.kind, parts[0])]
        if parent is not None:
            keys.append(("under", parent, parts[0]))
        if any(last.get(k) == parts[1] - 1 for k in keys):
            continued.add(s.id)
        for k in keys:
            last[k] = parts[1]
    out: list[QualityFlag] = []
    for members in groups.values():
        runs: dict[tuple[str, ...], _Run] = {}
        prefix: tuple[str, ...] = ()
        pending = 0  # unnumbered siblings before the first number
        for s in members:
            parts = _number_parts(s.number)
            if parts is None:
                if runs:
                    runs[prefix].slack += 1
                else:
                    pending += 1
                continue
            prefix, n = parts
            run = runs.setdefault(prefix, _Run())
            if (n == 1 and run.top != 1) or run.prev is None:
                if n - 1 > pending and s.id not in continued:
                    missing = "1" if n == 2 else f"1–{n - 1}"
                    out.append(
                        QualityFlag(
                            "numbering_gap",
                            (s.id,),
                            f"เลขลำดับเริ่มที่ {n} ไม่ใช่ 1 (ไม่พบข้อ {missing})"
                            " — รายการอาจตกหล่นหรือถูกรวมกับข้ออื่น",
                            f"numbering starts at {n}, not 1 (no {missing}): an item may be "
                            "lost or glued to another",
                        )
                    )
                runs[prefix] = _Run(s, n, n)
                continue
            prev = run.prev
            if n <= run.top:
                out.append(
                    QualityFlag(
                        "numbering_repeat",
                        (s.id, prev.id),
                        f"เลขลำดับ {n} ซ้ำหรือย้อนกลับ (หลังข้อ {run.prev_n}) — อาจมีรายการตกหล่น"
                        "หรืออ่านผิดลำดับ",
                        f"number {n} repeats or goes back (after {run.prev_n}): an item may "
                        "be lost or read out of order",
                    )
                )
            elif n > run.top + 1 + run.slack:
                top = run.top
                missing = str(top + 1) if n == top + 2 else f"{top + 1}–{n - 1}"
                out.append(
                    QualityFlag(
                        "numbering_gap",
                        (s.id, prev.id),
                        f"เลขลำดับข้ามจาก {top} ไปเป็น {n} (ไม่พบข้อ {missing})"
                        " — รายการอาจตกหล่นหรือถูกรวมกับข้อก่อนหน้า",
                        f"numbering jumps from {top} to {n} (no {missing}): an item may be "
                        "lost or glued to the one before",
                    )
                )
            runs[prefix] = _Run(s, n, max(run.top, n))
    return out


def _next_markers(number: str | None) -> tuple[str, ...]:
    """How the item after ``number`` would be numbered: ``"1.2"`` → ``("1.3",)``,
    ``"2"`` → ``("3.", "3)", "(3)")``, ``"ข"`` → ``("ค.", "ค)")``."""
    parts = _number_parts(number)
    if parts is None:
        return ()
    prefix, n = parts
    if prefix == ("letter",):
        if n >= len(_THAI_LETTERS):
            return ()
        letter = _THAI_LETTERS[n]
        return (f"{letter}.", f"{letter})", f"({letter})")
    if prefix:
        return (".".join((*prefix, str(n + 1))),)
    return (f"{n + 1}.", f"{n + 1})", f"({n + 1})")


def _glued_next(ctx: _Context, s: Section) -> tuple[str, Section] | None:
    """The next item's number inside this item's text or its last sub-item's (``… 1.2
    ก่อสร้าง…`` in item 1.1): that line was joined to this one. (marker, where)"""
    markers = _next_markers(s.number)
    if not markers:
        return None
    pattern = re.compile(r"(?<=\s)(" + "|".join(map(re.escape, markers)) + r")(?![\d.])\s*[^\s\d]")
    # the joined line ends this item's text, or its last sub-item's
    last = ctx.last_below.get(s.id)
    for o in (s,) if last is None else (s, last):
        m = pattern.search(thai_digits_to_arabic(o.text))
        if m is not None:
            return m.group(1), o
    return None


def _glued(ctx: _Context, skip: set[str]) -> list[QualityFlag]:
    """Items with the next item's number inside, or several times longer than their
    siblings (``skip``: sections already flagged for numbered lines glued into them)."""
    out: list[QualityFlag] = []
    for s in ctx.sections:
        found = None if s.id in skip else _glued_next(ctx, s)
        if found is not None:
            marker, where = found
            out.append(
                QualityFlag(
                    "glued_item",
                    (s.id,) if where.id == s.id else (s.id, where.id),
                    f"มีเลขข้อถัดไป “{marker}” อยู่ในเนื้อความ — ข้อถัดไปอาจถูกรวมเข้ากับข้อนี้",
                    f"the next item's number “{marker}” is inside its text: the next item "
                    "may be glued to this one",
                )
            )
    flagged = {f.sections[0] for f in out}
    groups: dict[tuple[object, ...], list[Section]] = {}
    for s in ctx.sections:
        parent = s.parent_id if s.parent_id in ctx.by_id else None
        groups.setdefault((parent or ("top", s.level), s.kind), []).append(s)
    for members in groups.values():
        if len(members) <= GLUED_MIN_SIBLINGS:
            continue
        sizes = [len(s.text) for s in members]
        for i, s in enumerate(members):
            if s.id in flagged or s.id in skip:
                continue
            typical = median(sizes[:i] + sizes[i + 1 :])
            if sizes[i] > GLUED_MIN_CHARS and sizes[i] > GLUED_RATIO * typical:
                out.append(
                    QualityFlag(
                        "glued_item",
                        (s.id,),
                        f"ยาว {sizes[i]} ตัวอักษร มากกว่า {sizes[i] / max(typical, 1):.0f} เท่าของ"
                        "รายการอื่นในระดับเดียวกัน — อาจมีหลายข้อรวมกันอยู่",
                        f"{sizes[i]} characters, {sizes[i] / max(typical, 1):.0f}× its siblings' "
                        "median: several items may be glued together",
                    )
                )
    return out


def _numbered_lines_under(ctx: _Context, s: Section) -> list[str]:
    """Numbered lines of the text from the second line of ``s`` to the next section
    outside it that no other section holds (headings and page furniture aside): lines
    glued into ``s`` count, they are lost items too."""
    text = ctx.text
    if text is None or s.span is None or s.span[1] > len(text):
        return []
    inside = ctx.descendants(s)
    first_line_end = text.find("\n", s.span[0], s.span[1])
    start = s.span[1] if first_line_end < 0 else first_line_end + 1
    end = len(text)
    spans: list[tuple[int, int]] = []
    for o in ctx.sections:
        if o.span is None or o.id == s.id:
            continue
        spans.append(o.span)
        if o.id not in inside and o.span[0] >= s.span[1]:
            end = min(end, o.span[0])
    if end <= start or end > len(text):
        return []
    out: list[str] = []
    pos = start
    for raw in text[start:end].split("\n"):
        a = pos + len(raw) - len(raw.lstrip())
        pos += len(raw) + 1
        line = thai_digits_to_arabic(raw).strip()
        cell = line.split("\t", 1)[0].strip()
        if not cell or is_debris_line(line) or any(x <= a < y for x, y in spans):
            continue
        m = parse_marker(cell)
        if m is None or m.lost:
            continue
        rest = cell[m.end :].strip()
        if not rest or STRATEGY_NUMBERED.match(rest):
            continue
        tm = match_term(rest)
        if tm is not None and (tm.kind is None or is_heading_remainder(tm.remainder)):
            continue  # "2.3.5 กลยุทธ์": a heading, not an item
        out.append(cell)
    return out


def _missing_tactics(ctx: _Context, strategies: list[Section]) -> list[QualityFlag]:
    def has_tactics(s: Section) -> bool:
        return any(ctx.role.get(c.kind) == "tactic" for c in ctx.kids(s))

    with_tactics = {s.kind for s in strategies if has_tactics(s)}
    # what the others of a kind hold (ยุทธศาสตร์ → กลยุทธ์/แนวทาง, ด้านนโยบาย → นโยบาย)
    held: dict[str, str] = {}
    for s in strategies:
        for c in ctx.kids(s):
            if ctx.role.get(c.kind) == "tactic":
                held.setdefault(s.kind, c.kind)
    out: list[QualityFlag] = []
    for s in strategies:
        if has_tactics(s):
            continue
        lost = _numbered_lines_under(ctx, s)
        if lost:
            example = lost[0] if len(lost[0]) <= 60 else lost[0][:59] + "…"
            out.append(
                QualityFlag(
                    "numbered_lines_not_read",
                    (s.id,),
                    f"ไม่มีกลยุทธ์/แนวทางภายใต้ แต่ในเอกสารมีบรรทัดที่มีเลขลำดับ {len(lost)} บรรทัด"
                    f"ใต้หัวข้อนี้ที่ไม่ได้อ่านเป็นรายการ (เช่น “{example}”)",
                    f"no tactics, but the text has {len(lost)} numbered lines under it that "
                    f"no section holds (e.g. “{example}”)",
                )
            )
        elif s.kind in with_tactics:
            kind, child = KIND_TH.get(s.kind, s.kind), KIND_TH.get(held[s.kind], held[s.kind])
            out.append(
                QualityFlag(
                    "strategy_without_tactics",
                    (s.id,),
                    f"{kind}ไม่มี{child}ภายใต้ ({kind}อื่นมี)",
                    f"a {s.kind} with no {held[s.kind]} under it (the others have some)",
                )
            )
    return out


def _orphans(ctx: _Context, strategies: list[Section], tactics: list[Section]) -> list[QualityFlag]:
    if not strategies:
        return []  # the missing strategy level is flagged once, not per item
    return [
        QualityFlag(
            "tactic_without_strategy",
            (t.id,),
            f"{KIND_TH.get(t.kind, t.kind)}ไม่ทราบว่าอยู่ใต้ยุทธศาสตร์ใด",
            f"a {t.kind} under no known strategy",
        )
        for t in tactics
        if t.parent_id is None or t.parent_id not in ctx.by_id
    ]


def _cut_titles(secs: list[Section]) -> list[QualityFlag]:
    """Titles the parser cut that hold a second item's number (``… 2. …``): one long
    paragraph is one item, a numbered one inside is a glued list."""
    return [
        QualityFlag(
            "cut_title",
            (s.id,),
            "หัวข้อยาวจนถูกตัดและมีเลขข้ออื่นอยู่ภายใน (อาจรวมหลายข้อไว้ด้วยกัน)",
            "a title so long it was cut, with another item's number inside (several items "
            "may be glued together)",
        )
        for s in secs
        if len(s.title) >= LONG_TITLE
        and s.title.endswith("…")
        and _INLINE_ITEM.search(thai_digits_to_arabic(s.text), 1)
    ]


def _guessed(ctx: _Context, guessed: Sequence[str]) -> list[QualityFlag]:
    """Strategies the parser took from their table column alone (no plan word)."""
    ids = [sid for sid in guessed if sid in ctx.by_id]
    if not ids:
        return []
    shown = "; ".join(_name(ctx.by_id[i])[:60] for i in ids[:3])
    return [
        QualityFlag(
            "guessed_headings",
            tuple(ids),
            f"{len(ids)} หัวข้อที่ถือเป็นยุทธศาสตร์จากคอลัมน์ตาราง ไม่ใช่จากคำในแผน: {shown}",
            f"{len(ids)} headings taken as strategies from their table column, not their words",
        )
    ]


def _damaged(secs: list[Section]) -> list[QualityFlag]:
    hit = [(s.id, damage_count(s.text)) for s in secs]
    hit = [(sid, n) for sid, n in hit if n]
    if not hit:
        return []
    total = sum(n for _, n in hit)
    return [
        QualityFlag(
            "damaged_thai",
            tuple(sid for sid, _ in hit),
            f"{total} ตำแหน่งอักษรไทยเสียหาย",
            f"{total} damaged Thai sequences left",
        )
    ]
