"""Deterministic synthetic *national* corpus of Thai local-plan sections.

    python benchmarks/synthetic_corpus.py --n 100000 --seed 0 --out /tmp/national.jsonl

Thailand has about 7,850 local administrations, each with a plan of 200–500
sections. To benchmark at that scale without the real documents, this module
builds plans for synthetic organisations by recombining and varying the seed
corpus (``corpus/sections.jsonl``): each organisation gets a name (อบต. /
เทศบาลตำบล + a composed place name), a province, villages (หมู่ที่ N บ้าน…),
and sections whose texts are seed sections of the same kind (the seed
organisation's name swapped for the new one) or filled tactic/project templates
with numbers (widths, lengths, budgets). The output is a list of valid
:class:`plansearch.Section` objects with stable ids; the same ``(n, seed)``
always gives the same sections, and a larger ``n`` with the same seed extends a
smaller one (section ``i`` depends only on ``seed`` and its organisation).

>>> secs = generate(5, seed=0)
>>> len(secs), secs[0].level
(5, 'local')
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plansearch.sections import Section, stable_id, write_jsonl

SEED_SECTIONS = Path(__file__).resolve().parent.parent / "corpus" / "sections.jsonl"

PROVINCES: tuple[str, ...] = (
    "กระบี่", "กาญจนบุรี", "กาฬสินธุ์", "กำแพงเพชร", "ขอนแก่น", "จันทบุรี", "ฉะเชิงเทรา",
    "ชลบุรี", "ชัยนาท", "ชัยภูมิ", "ชุมพร", "เชียงราย", "เชียงใหม่", "ตรัง", "ตราด", "ตาก",
    "นครนายก", "นครปฐม", "นครพนม", "นครราชสีมา", "นครศรีธรรมราช", "นครสวรรค์", "นนทบุรี",
    "นราธิวาส", "น่าน", "บึงกาฬ", "บุรีรัมย์", "ปทุมธานี", "ประจวบคีรีขันธ์", "ปราจีนบุรี",
    "ปัตตานี", "พระนครศรีอยุธยา", "พะเยา", "พังงา", "พัทลุง", "พิจิตร", "พิษณุโลก",
    "เพชรบุรี", "เพชรบูรณ์", "แพร่", "ภูเก็ต", "มหาสารคาม", "มุกดาหาร", "แม่ฮ่องสอน",
    "ยโสธร", "ยะลา", "ร้อยเอ็ด", "ระนอง", "ระยอง", "ราชบุรี", "ลพบุรี", "ลำปาง", "ลำพูน",
    "เลย", "ศรีสะเกษ", "สกลนคร", "สงขลา", "สตูล", "สมุทรปราการ", "สมุทรสงคราม",
    "สมุทรสาคร", "สระแก้ว", "สระบุรี", "สิงห์บุรี", "สุโขทัย", "สุพรรณบุรี", "สุราษฎร์ธานี",
    "สุรินทร์", "หนองคาย", "หนองบัวลำภู", "อ่างทอง", "อำนาจเจริญ", "อุดรธานี", "อุตรดิตถ์",
    "อุทัยธานี", "อุบลราชธานี",
)  # fmt: skip
_PLACE_HEAD = (
    "หนอง", "บ้าน", "ดอน", "โนน", "ห้วย", "ท่า", "บึง", "นา", "โคก", "วัง", "ทุ่ง", "สระ",
    "ป่า", "บาง", "คลอง", "ลำ", "เขา", "ดง", "แม่", "เวียง", "หาด", "เกาะ", "บ่อ", "สวน",
)  # fmt: skip
_PLACE_TAIL = (
    "แก", "ใหญ่", "น้อย", "ทอง", "ใหม่", "เก่า", "ยาว", "บัว", "หิน", "ไผ่", "โพธิ์", "ขาม",
    "จิก", "แดง", "คำ", "ม่วง", "สูง", "กลาง", "ตะเคียน", "มะม่วง", "หว้า", "ยาง", "งิ้ว",
    "ศาลา", "ผึ้ง", "เสือ", "ช้าง", "กุ่ม", "สะแก", "ตาล", "ขี้เหล็ก", "มะขาม", "เตย", "กอก",
    "แสง", "ทราย", "หลวง", "พัฒนา", "สามัคคี", "เจริญ", "สำราญ", "ศรี", "ทองคำ", "นาค",
)  # fmt: skip
_ORG_PREFIX = ("องค์การบริหารส่วนตำบล", "เทศบาลตำบล", "อบต.", "เทศบาลเมือง")
_ORG_WEIGHTS = (0.62, 0.3, 0.05, 0.03)

#: Tactic / project templates (filled with villages, places and numbers).
TEMPLATES: tuple[str, ...] = (
    "ก่อสร้างถนนคอนกรีตเสริมเหล็ก {moo} กว้าง {w} เมตร ยาว {l} เมตร หนา 0.15 เมตร",
    "ปรับปรุงถนนลูกรังสายบ้าน{place} {moo} ระยะทาง {km} กิโลเมตร",
    "ซ่อมแซมถนนแอสฟัลท์ติกคอนกรีต สายบ้าน{place} - บ้าน{place2}",
    "ขยายเขตระบบประปาหมู่บ้าน {moo} เพื่อให้ประชาชนมีน้ำสะอาดอุปโภคบริโภคอย่างทั่วถึง",
    "ก่อสร้างระบบประปาผิวดินขนาดใหญ่ {moo} งบประมาณ {baht} บาท",
    "ขุดลอกลำห้วย{place} {moo} เพื่อเพิ่มปริมาณกักเก็บน้ำเพื่อการเกษตร",
    "ขุดเจาะบ่อบาดาลเพื่อการเกษตร {moo} จำนวน {k} บ่อ",
    "ขยายเขตไฟฟ้าแรงต่ำและติดตั้งไฟฟ้าส่องสว่างสาธารณะ {moo}",
    "ก่อสร้างรางระบายน้ำคอนกรีตเสริมเหล็กพร้อมบ่อพัก {moo} ยาว {l} เมตร",
    "ส่งเสริมและสนับสนุนเบี้ยยังชีพผู้สูงอายุ ผู้พิการ และผู้ป่วยเอดส์ จำนวน {k} ราย",
    "จัดกิจกรรมโรงเรียนผู้สูงอายุตำบล{place} เพื่อส่งเสริมสุขภาพกายและใจ",
    "สนับสนุนอาหารกลางวันและอาหารเสริม (นม) ศูนย์พัฒนาเด็กเล็กบ้าน{place}",
    "ปรับปรุงศูนย์พัฒนาเด็กเล็กบ้าน{place} ให้ได้มาตรฐาน",
    "รณรงค์ป้องกันและควบคุมโรคไข้เลือดออก ทุกหมู่บ้านในเขต{org}",
    "ส่งเสริมการคัดแยกขยะมูลฝอยต้นทางและธนาคารขยะชุมชน {moo}",
    "จัดหาถังขยะและรถเก็บขนขยะมูลฝอย งบประมาณ {baht} บาท",
    "ส่งเสริมการปลูกป่าและอนุรักษ์ทรัพยากรธรรมชาติป่า{place}",
    "ส่งเสริมอาชีพกลุ่มสตรีแม่บ้าน{place} การแปรรูปผลิตภัณฑ์ทางการเกษตร",
    "สนับสนุนวิสาหกิจชุมชนและผลิตภัณฑ์หนึ่งตำบลหนึ่งผลิตภัณฑ์ (OTOP) ของตำบล{place}",
    "ส่งเสริมการท่องเที่ยวเชิงเกษตรและวัฒนธรรมบ้าน{place}",
    "จัดงานประเพณีลอยกระทงและสงกรานต์ สืบสานวัฒนธรรมท้องถิ่น{place}",
    "ส่งเสริมการแข่งขันกีฬาเยาวชนและประชาชนต้านยาเสพติด ตำบล{place} ครั้งที่ {k}",
    "ฝึกอบรมอาสาสมัครป้องกันภัยฝ่ายพลเรือน (อปพร.) จำนวน {k} คน",
    "ติดตั้งกล้องวงจรปิด (CCTV) บริเวณทางแยก {moo}",
    "จัดซื้อรถบรรทุกน้ำอเนกประสงค์ เพื่อบรรเทาสาธารณภัย งบประมาณ {baht} บาท",
    "พัฒนาศักยภาพบุคลากรของ{org} และส่งเสริมการมีส่วนร่วมของประชาชน",
    "จัดทำแผนที่ภาษีและทะเบียนทรัพย์สิน เพิ่มประสิทธิภาพการจัดเก็บรายได้",
    "ปรับปรุงอาคารสำนักงาน{org} และจัดหาครุภัณฑ์คอมพิวเตอร์",
    "ส่งเสริมการเลี้ยงโคเนื้อและสัตว์เศรษฐกิจ กลุ่มเกษตรกรบ้าน{place}",
    "ก่อสร้างฝายชะลอน้ำลำห้วย{place} {moo}",
)  # fmt: skip
_KIND_WEIGHTS = (
    ("project", 0.38), ("tactic", 0.22), ("goal", 0.1), ("indicator", 0.08),
    ("strategy", 0.06), ("mission", 0.06), ("objective", 0.04), ("policy", 0.04),
    ("target", 0.01), ("vision", 0.01),
)  # fmt: skip
SECTIONS_PER_ORG = (200, 500)


@lru_cache(maxsize=1)
def seed_texts() -> dict[str, tuple[tuple[str, str | None], ...]]:
    """Seed-corpus local sections by kind: ``(text, org)`` pairs."""
    by_kind: dict[str, list[tuple[str, str | None]]] = {}
    with SEED_SECTIONS.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            if d["level"] != "local" or not d["text"].strip():
                continue
            by_kind.setdefault(d["kind"], []).append((d["text"], d.get("org")))
    return {k: tuple(v) for k, v in by_kind.items()}


def _place(rng: random.Random) -> str:
    name = rng.choice(_PLACE_HEAD) + rng.choice(_PLACE_TAIL)
    if rng.random() < 0.25:
        name += rng.choice(_PLACE_TAIL)
    return name


def _org(rng: random.Random) -> tuple[str, str, str]:
    """``(org name, place, province)`` of a synthetic organisation."""
    place = _place(rng)
    prefix = rng.choices(_ORG_PREFIX, _ORG_WEIGHTS)[0]
    return prefix + place, place, rng.choice(PROVINCES)


def _fill(template: str, rng: random.Random, org: str, villages: list[str]) -> str:
    v = rng.randrange(len(villages))
    return template.format(
        moo=f"หมู่ที่ {v + 1} บ้าน{villages[v]}",
        place=villages[v],
        place2=villages[rng.randrange(len(villages))],
        org=org,
        w=rng.choice((3, 4, 5, 6)),
        l=rng.randrange(50, 1500, 10),
        km=f"{rng.randrange(5, 80) / 10:.1f}",
        baht=f"{rng.randrange(50, 5000) * 1000:,}",
        k=rng.randrange(2, 300),
    )


def _vary(
    text: str, seed_org: str | None, rng: random.Random, org: str, villages: list[str]
) -> str:
    if seed_org:
        text = text.replace(seed_org, org)
    r = rng.random()
    if r < 0.25:
        v = rng.randrange(len(villages))
        text = f"{text} หมู่ที่ {v + 1} บ้าน{villages[v]}"
    elif r < 0.35:
        text = f"{text} ในเขต{org}"
    return text


def iter_sections(n: int, *, seed: int = 0) -> Iterator[Section]:
    """Yield ``n`` synthetic local sections (organisation by organisation)."""
    if n < 0:
        raise ValueError("n must be ≥ 0")
    seeds = seed_texts()
    kinds = [k for k, _ in _KIND_WEIGHTS]
    weights = [w for _, w in _KIND_WEIGHTS]
    made = 0
    org_no = 0
    while made < n:
        rng = random.Random(f"{seed}:{org_no}")
        org, _place_name, province = _org(rng)
        villages = [_place(rng) for _ in range(rng.randrange(5, 21))]
        size = rng.randrange(SECTIONS_PER_ORG[0], SECTIONS_PER_ORG[1] + 1)
        strategy_id: str | None = None
        for j in range(min(size, n - made)):
            kind = rng.choices(kinds, weights)[0]
            pool = seeds.get(kind)
            if kind == "project" or not pool or (kind == "tactic" and rng.random() < 0.5):
                text = _fill(rng.choice(TEMPLATES), rng, org, villages)
            else:
                base, seed_org = rng.choice(pool)
                text = _vary(base, seed_org, rng, org, villages)
            sid = stable_id("synthetic", seed, org_no, j)
            parent = strategy_id if kind in ("tactic", "project", "goal", "indicator") else None
            yield Section(
                id=sid, kind=kind, level="local", title=text, text=text,
                number=str(j + 1), parent_id=parent, org=org, province=province,
                source=f"synthetic:{seed}:{org_no}", path=text[:60],
            )  # fmt: skip
            if kind == "strategy":
                strategy_id = sid
            made += 1
        org_no += 1


def generate(n: int, *, seed: int = 0) -> list[Section]:
    """``n`` synthetic local sections as a list (see :func:`iter_sections`).

    >>> [s.org for s in generate(2, seed=1)] == [s.org for s in generate(2, seed=1)]
    True
    """
    return list(iter_sections(n, seed=seed))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="number of sections")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True, help="output JSONL file")
    a = ap.parse_args(argv)
    count = write_jsonl(iter_sections(a.n, seed=a.seed), a.out)
    print(f"wrote {count} sections to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
