"""Per-document quality report: what the parser found and what looked wrong.

Kept on :attr:`plansearch.Plan.quality`; ``plansearch ingest`` prints
:meth:`ParseQuality.summary`.

>>> from plansearch import parse_plan
>>> q = parse_plan("ยุทธศาสตร์ที่ 1 การพัฒนาเศรษฐกิจ\\nกลยุทธ์\\n1. ส่งเสริมอาชีพ").quality
>>> q.found
(('strategy', 1), ('tactic', 1))
>>> q.ok
False
>>> q.warnings[0]
'ไม่พบชื่อหน่วยงาน / organisation not found (pass org=… or --org)'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParseQuality:
    """What one parse found (counts per kind, org, pages) and what looked wrong.

    ``dropped_lines``: lines skipped as page furniture (menus, page numbers, running
    headers, tables of contents); ``guessed_headings``: headings recognised by their
    shape (a short numbered line followed by numbered items) rather than by the plan
    vocabulary; ``orphans``: tactics/goals/projects without a parent although the plan
    has strategies; ``damaged_thai``: damaged Thai sequences left in section texts.
    """

    format: str
    found: tuple[tuple[str, int], ...]
    org: str | None
    province: str | None
    pages: int | None = None
    lines: int = 0
    dropped_lines: int = 0
    guessed_headings: tuple[str, ...] = ()
    orphans: int = 0
    damaged_thai: int = 0
    notes: tuple[str, ...] = ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """Things a reader should check, Thai first with English alongside."""
        out: list[str] = []
        if self.org is None:
            out.append("ไม่พบชื่อหน่วยงาน / organisation not found (pass org=… or --org)")
        if self.province is None:
            out.append("ไม่พบจังหวัด / province not found (pass province=… or --province)")
        if not self.found:
            out.append("ไม่พบโครงสร้างแผน / no plan structure found")
        if self.orphans:
            out.append(f"{self.orphans} รายการไม่มียุทธศาสตร์แม่ / items without a parent strategy")
        if self.guessed_headings:
            out.append(
                f"{len(self.guessed_headings)} หัวข้อที่อนุมานจากรูปแบบ / headings guessed "
                f"from their shape: {'; '.join(h[:40] for h in self.guessed_headings[:3])}"
            )
        if self.damaged_thai:
            out.append(f"{self.damaged_thai} ตำแหน่งอักษรไทยเสียหาย / damaged Thai sequences left")
        return tuple(out)

    @property
    def ok(self) -> bool:
        return not self.warnings

    def count(self, kind: str) -> int:
        return dict(self.found).get(kind, 0)

    def summary(self) -> str:
        """A few lines for the command line."""
        found = ", ".join(f"{k} {n}" for k, n in self.found) or "—"
        head = f"{self.format}"
        if self.pages:
            head += f", {self.pages} pages"
        lines = [
            f"พบ / found: {found} ({head}; {self.lines} lines, "
            f"{self.dropped_lines} dropped as page furniture)"
        ]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  ! {w}" for w in self.warnings]
        return "\n".join(lines)
