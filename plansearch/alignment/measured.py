"""What the strength labels were measured to mean: the report's method line says it.

``benchmarks/quality.py --update-method-line`` measures, on the labelled development
set and leave one plan out (anything trained on plans re-trained without the held-out
plan), how often a top link labelled "strong" is right (precision) and how many items
get that label (coverage), per framework and on the plans' own frameworks. The numbers
are stored in ``measurements/strength.json`` with the embedder and settings they
were measured with; :func:`strength_note` repeats them in every ``Alignment.method``
made with the same embedder and settings, and says plainly when they do not apply.

>>> strength_note("some-other-model", "000000000000").startswith("ระดับ")
True
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

#: Framework names as the note prints them (Thai first).
LABELS: dict[str, str] = {
    "national": "ยุทธศาสตร์ชาติ",
    "masterplan": "แผนแม่บท",
    "nesdp13": "หมุดหมาย",
    "sdg": "SDGs",
    "custom": "กรอบของแผนเอง (own frameworks)",
}


@lru_cache(maxsize=1)
def measured() -> dict[str, Any]:
    """The stored measurement (empty when the file is missing or unreadable)."""
    try:
        raw = (
            resources.files("plansearch.alignment")
            .joinpath("measurements/strength.json")
            .read_text("utf-8")
        )
        data = json.loads(raw)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def strength_note(embedder_fingerprint: str, settings_fingerprint: str) -> str:
    """One sentence for the method line: measured precision / coverage of "strong"."""
    m = measured()
    rows = m.get("frameworks") or {}
    if (
        not rows
        or m.get("embedder") != embedder_fingerprint
        or m.get("settings") != settings_fingerprint
    ):
        return (
            "ระดับ 'strong' ยังไม่ได้วัดกับแบบจำลองและค่าตั้งนี้ / strength labels not "
            "measured for this model and settings"
        )
    parts = []
    for name, r in rows.items():
        try:
            p, c = float(r["precision"]), float(r["coverage"])
        except (KeyError, TypeError, ValueError):
            continue
        parts.append(f"{LABELS.get(name, name)} {p:.2f} / {c:.0%}")
    return (
        f"'strong' วัดแล้ว (ความแม่นยำ / สัดส่วนรายการ, ชุดพัฒนา เว้นทีละแผน, "
        f"{m.get('date', '?')}) / measured precision / coverage of 'strong', "
        f"leave-one-plan-out: " + ", ".join(parts)
    )
