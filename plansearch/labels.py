"""Names and Thai labels shared by results and reports (a leaf module: imports nothing).

Kept apart so that :mod:`plansearch.report` depends on these words, not on the
alignment result types (no import cycle between ``alignment`` and ``report``).

>>> STRENGTH_TH["strong"], KIND_TH["tactic"]
('สอดคล้องมาก', 'กลยุทธ์/แนวทาง')
"""

from __future__ import annotations

#: Strength labels of a match, strongest first.
STRENGTHS: tuple[str, ...] = ("strong", "partial", "weak", "none")

#: Thai labels of the strengths, used in reports.
STRENGTH_TH: dict[str, str] = {
    "strong": "สอดคล้องมาก",
    "partial": "สอดคล้องบางส่วน",
    "weak": "สอดคล้องน้อย",
    "none": "ไม่สอดคล้อง",
}

#: Thai names of section kinds, as planners write them.
KIND_TH: dict[str, str] = {
    "vision": "วิสัยทัศน์",
    "mission": "พันธกิจ",
    "goal": "เป้าประสงค์",
    "objective": "วัตถุประสงค์",
    "target": "เป้าหมาย",
    "strategy": "ยุทธศาสตร์",
    "tactic": "กลยุทธ์/แนวทาง",
    "indicator": "ตัวชี้วัด",
    "policy_area": "ด้านนโยบาย",
    "policy": "นโยบาย",
    "project": "โครงการ",
}
