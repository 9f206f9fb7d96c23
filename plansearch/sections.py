"""Core result types: :class:`Section` and :class:`Plan`.

A plan document is parsed into a flat list of typed sections that point to their
parents, so the hierarchy (strategy → tactic → project) survives serialisation to
JSONL and indexing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

#: Section kinds, in the order they usually appear in a Thai local development plan.
KINDS: tuple[str, ...] = (
    "vision",  # วิสัยทัศน์
    "mission",  # พันธกิจ
    "goal",  # เป้าประสงค์ / จุดมุ่งหมาย
    "objective",  # วัตถุประสงค์
    "target",  # เป้าหมาย
    "strategy",  # ยุทธศาสตร์ / ประเด็นยุทธศาสตร์
    "tactic",  # กลยุทธ์ / แนวทางการพัฒนา / แนวทางการดำเนินงาน
    "indicator",  # ตัวชี้วัด
    "policy_area",  # ด้านนโยบาย (นโยบายด้าน… / นโยบายที่ N of an executive's statement)
    "policy",  # นโยบายของผู้บริหาร: an item of a policy area, or of a flat policy list
    "project",  # โครงการ
)

#: Planning levels, from the top of the hierarchy down to the local administration.
LEVELS: tuple[str, ...] = (
    "national",  # ยุทธศาสตร์ชาติ 20 ปี
    "nesdp",  # แผนพัฒนาเศรษฐกิจและสังคมแห่งชาติ
    "ministry",  # กระทรวง
    "department",  # กรม (e.g. กรมส่งเสริมการปกครองท้องถิ่น)
    "provincial_group",  # กลุ่มจังหวัด
    "province",  # จังหวัด
    "pao",  # องค์การบริหารส่วนจังหวัด / ยุทธศาสตร์ อปท. ในเขตจังหวัด
    "district",  # อำเภอ
    "local",  # อบต. / เทศบาล
)


def stable_id(*parts: object, prefix: str = "s") -> str:
    """A short id that depends only on ``parts`` (stable across runs and machines)."""
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:12]}"


@dataclass(frozen=True)
class Section:
    """One typed piece of a plan: a vision, a mission, a goal, a strategy, a tactic…

    ``span`` is the ``(start, end)`` character range in the *extracted* text of
    ``source`` (the decoded text file, or the repaired text layer of a PDF/DOCX:
    ``plansearch.parse.load_document(source).text``), so ``text[start:end]`` gives back
    what was parsed; ``page`` is the page it starts on when the source has pages.

    Example::

        >>> from plansearch import Section
        >>> s = Section.from_text("พัฒนาแหล่งน้ำเพื่อการเกษตร", org="อบต.โขมง")
        >>> s.kind, s.level
        ('goal', 'local')
    """

    id: str
    kind: str
    level: str
    title: str
    text: str
    number: str | None = None
    parent_id: str | None = None
    org: str | None = None
    province: str | None = None
    source: str | None = None
    span: tuple[int, int] | None = None
    path: str = ""
    page: int | None = None  # 1-based page of the span's start (PDF sources)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown section kind {self.kind!r}; expected one of {KINDS}")
        if self.level not in LEVELS:
            raise ValueError(f"unknown level {self.level!r}; expected one of {LEVELS}")
        if self.span is not None and not isinstance(self.span, tuple):
            object.__setattr__(self, "span", tuple(self.span))

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        org: str | None = None,
        province: str | None = None,
        kind: str = "goal",
        level: str = "local",
        id: str | None = None,
        title: str | None = None,
        source: str | None = None,
    ) -> Section:
        """Make a section from a plain string (no plan document needed).

        >>> Section.from_text("ส่งเสริมอาชีพผู้สูงอายุ", org="เทศบาลตำบลบ้านอ้อน").org
        'เทศบาลตำบลบ้านอ้อน'
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        clean = " ".join(text.split())
        if not clean:
            raise ValueError("text is empty")
        sid = id or stable_id(org or "", province or "", kind, level, clean)
        return cls(
            id=sid,
            kind=kind,
            level=level,
            title=title if title is not None else clean,
            text=clean,
            org=org,
            province=province,
            source=source,
            path=title if title is not None else clean[:60],
        )

    @property
    def content(self) -> str:
        """Title and body as one string (what is embedded and searched)."""
        if not self.text or self.text == self.title:
            return self.title
        if not self.title:
            return self.text
        if self.text.startswith(self.title):
            return self.text
        return f"{self.title} {self.text}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["span"] = list(self.span) if self.span is not None else None
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Section:
        """The section of a record written by :meth:`to_dict` (unknown keys are ignored).

        Raises ``TypeError``/``ValueError`` naming the field when a value has the wrong
        type, e.g. a title that is a number.

        >>> Section.from_dict({"id": "s1", "kind": "goal", "level": "local",
        ...                    "title": "ส่งเสริมอาชีพ", "text": "ส่งเสริมอาชีพ"}).title
        'ส่งเสริมอาชีพ'
        """
        if not isinstance(d, Mapping):
            raise TypeError(f"a section record is a JSON object, not {type(d).__name__}")
        data = {k: v for k, v in d.items() if k in _FIELDS}
        missing = [f for f in _REQUIRED if f not in data]
        if missing:
            raise ValueError(f"missing field {missing[0]!r}")
        for name, value in data.items():
            if name in ("span", "page"):
                continue
            if value is None and name not in _REQUIRED:
                continue
            if not isinstance(value, str):
                raise TypeError(f"field {name!r} must be text, not {type(value).__name__}")
        span = data.get("span")
        if span is not None:
            if (
                not isinstance(span, (list, tuple))
                or len(span) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in span)
                or not 0 <= span[0] <= span[1]
            ):
                raise ValueError("field 'span' must be [start, end] with 0 <= start <= end")
            data["span"] = (int(span[0]), int(span[1]))
        page = data.get("page")
        if page is not None and (not isinstance(page, int) or isinstance(page, bool) or page < 1):
            raise ValueError("field 'page' must be a page number (1, 2, …) or null")
        return cls(**data)

    def with_(self, **changes: Any) -> Section:
        """A copy with some fields changed (sections are immutable)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Plan:
    """A parsed development plan: who wrote it, where it came from, and its sections."""

    org: str | None
    province: str | None
    source: str | None
    sections: tuple[Section, ...] = field(default_factory=tuple)
    #: what the parser found and every sign of a loss (``plansearch.parse.ParseQuality``,
    #: set by ``parse_plan``; ``plansearch.parse.assess_quality(plan.sections)`` otherwise)
    quality: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.sections, tuple):
            object.__setattr__(self, "sections", tuple(self.sections))

    def __len__(self) -> int:
        return len(self.sections)

    def __iter__(self) -> Iterator[Section]:
        return iter(self.sections)

    def of(self, kind: str | None = None, level: str | None = None) -> list[Section]:
        """Sections of one kind and/or level, in document order.

        >>> plan.of("tactic", level="local")  # doctest: +SKIP
        """
        return [
            s
            for s in self.sections
            if (kind is None or s.kind == kind) and (level is None or s.level == level)
        ]

    def get(self, section_id: str) -> Section | None:
        for s in self.sections:
            if s.id == section_id:
                return s
        return None

    def children(self, section: Section | str) -> list[Section]:
        sid = section if isinstance(section, str) else section.id
        return [s for s in self.sections if s.parent_id == sid]

    def counts(self) -> dict[tuple[str, str], int]:
        """Number of sections per ``(level, kind)``."""
        out: dict[tuple[str, str], int] = {}
        for s in self.sections:
            out[(s.level, s.kind)] = out.get((s.level, s.kind), 0) + 1
        return out


_FIELDS = frozenset(Section.__dataclass_fields__)
_REQUIRED = ("id", "kind", "level", "title", "text")


def write_jsonl(sections: Iterable[Section], path: str | Path) -> int:
    """Write sections as JSON lines (UTF-8, Thai kept readable). Returns the count."""
    n = 0
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for s in sections:
            fh.write(json.dumps(s.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    tmp.replace(p)
    return n


def read_jsonl(path: str | Path) -> list[Section]:
    """Read sections written by :func:`write_jsonl`.

    A line that is not a section record (not a JSON object, a title that is a number,
    bytes that are not UTF-8…) raises :class:`~plansearch.errors.SectionRecordError`
    naming ``file:line``.
    """
    from .errors import SectionRecordError

    out: list[Section] = []
    with Path(path).open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8").strip()
            except UnicodeDecodeError as exc:
                raise SectionRecordError(
                    f"{path}:{lineno}: ข้อมูลไม่ใช่ UTF-8 / not valid UTF-8 (byte {exc.start}); "
                    "save the file as UTF-8"
                ) from exc
            if not line:
                continue
            try:
                out.append(Section.from_dict(json.loads(line)))
            except (ValueError, TypeError, RecursionError) as exc:
                # JSONDecodeError and over-long integers are ValueErrors
                raise SectionRecordError(
                    f"{path}:{lineno}: ไม่ใช่ระเบียนหัวข้อแผน / not a valid section record "
                    f"({str(exc)[:200]})"
                ) from exc
    return out
