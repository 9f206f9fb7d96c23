"""Build a realistic :class:`Alignment` from the result dataclasses, for report tests.

The scores are deterministic (derived from a hash plus a designated "true" target per
local item) so the report tests do not depend on the alignment engine or a model.
One tactic carries hostile markup (``<script>…</script>`` and ``<img onerror>``), one
target title tries to break out of an HTML attribute, and one item is an orphan.
"""

from __future__ import annotations

import hashlib

from plansearch.alignment.results import (
    Alignment,
    Evidence,
    FrameworkInfo,
    ItemAlignment,
    LinkageCell,
    LinkageRow,
    Match,
    NearDuplicate,
    TargetCoverage,
    Thresholds,
)
from plansearch.sections import Section

XSS_SCRIPT = "<script>window.__pwned=1</script>"
XSS_IMG = "<img src=x onerror=window.__pwned=2>"
ATTR_BREAK = '" onmouseover="window.__pwned=3'
ORG = "องค์การบริหารส่วนตำบลโขมง"
PROVINCE = "จันทบุรี"

NATIONAL = [
    ("NS1", "ยุทธศาสตร์ชาติด้านความมั่นคง"),
    ("NS2", "ยุทธศาสตร์ชาติด้านการสร้างความสามารถในการแข่งขัน"),
    ("NS3", "ยุทธศาสตร์ชาติด้านการพัฒนาและเสริมสร้างศักยภาพทรัพยากรมนุษย์"),
    ("NS4", "ยุทธศาสตร์ชาติด้านการสร้างโอกาสและความเสมอภาคทางสังคม"),
    ("NS5", "ยุทธศาสตร์ชาติด้านการสร้างการเติบโตบนคุณภาพชีวิตที่เป็นมิตรต่อสิ่งแวดล้อม"),
    ("NS6", "ยุทธศาสตร์ชาติด้านการปรับสมดุลและพัฒนาระบบการบริหารจัดการภาครัฐ"),
]
MASTER_PLANS = {
    "NS1": ("MP01", "แผนแม่บทประเด็นความมั่นคง"),
    "NS2": ("MP08", "แผนแม่บทประเด็นอุตสาหกรรมและบริการแห่งอนาคต"),
    "NS3": ("MP12", "แผนแม่บทประเด็นการพัฒนาการเรียนรู้"),
    "NS4": ("MP17", "แผนแม่บทประเด็นความเสมอภาคและหลักประกันทางสังคม"),
    "NS5": ("MP18", "แผนแม่บทประเด็นการเติบโตอย่างยั่งยืน"),
    "NS6": ("MP20", "แผนแม่บทประเด็นการบริการประชาชนและประสิทธิภาพภาครัฐ"),
}
NESDP13 = [(f"M{i}", f"หมุดหมายที่ {i}") for i in range(1, 14)]
NESDP13[0] = ("M1", "ไทยเป็นประเทศชั้นนำด้านสินค้าเกษตรและเกษตรแปรรูปมูลค่าสูง")
NESDP13[7] = ("M8", "ไทยมีพื้นที่และเมืองอัจฉริยะที่น่าอยู่ ปลอดภัย เติบโตได้อย่างยั่งยืน")
NESDP13[11] = ("M12", "ไทยมีกำลังคนสมรรถนะสูง มุ่งเรียนรู้อย่างต่อเนื่อง")
NESDP13[12] = ("M13", "ไทยมีภาครัฐที่ทันสมัย มีประสิทธิภาพ และตอบโจทย์ประชาชน")
SDG = [(f"SDG{i}", f"เป้าหมายการพัฒนาที่ยั่งยืนที่ {i}") for i in range(1, 18)]
SDG[5] = ("SDG6", "น้ำสะอาดและการสุขาภิบาล")
SDG[2] = ("SDG3", "การมีสุขภาวะที่ดี")
SDG[3] = ("SDG4", "การศึกษาที่มีคุณภาพ")
SDG[15] = ("SDG16", "สังคมสงบสุข ยุติธรรม & ไม่แบ่งแยก")
PROVINCE_FW = [
    ("CB1", "พัฒนาการเกษตรและผลไม้คุณภาพสู่มาตรฐานสากล"),
    ("CB2", "ส่งเสริมการท่องเที่ยวและการค้าชายแดน"),
    ("CB3", "พัฒนาคุณภาพชีวิตและสังคมที่มั่นคง " + ATTR_BREAK),
    ("CB4", "บริหารจัดการทรัพยากรธรรมชาติและสิ่งแวดล้อมอย่างยั่งยืน"),
]
PAO_FW = [
    ("PAO1", "การพัฒนาโครงสร้างพื้นฐาน"),
    ("PAO2", "การพัฒนาคุณภาพชีวิตและสังคม"),
    ("PAO3", "การพัฒนาการบริหารจัดการที่ดี"),
]
FRAMEWORKS = [
    ("national", "ยุทธศาสตร์ชาติ 20 ปี (พ.ศ. 2561–2580)", "national", "ยุทธศาสตร์ชาติ", NATIONAL),
    ("nesdp13", "แผนพัฒนาเศรษฐกิจและสังคมแห่งชาติ ฉบับที่ 13", "nesdp", "หมุดหมาย", NESDP13),
    ("sdg", "เป้าหมายการพัฒนาที่ยั่งยืน (SDGs)", "national", "SDG", SDG),
    ("province", "ยุทธศาสตร์จังหวัดจันทบุรี", "province", "ยุทธศาสตร์จังหวัด", PROVINCE_FW),
    ("pao", "ยุทธศาสตร์ อบจ.จันทบุรี", "pao", "ยุทธศาสตร์ อปท.ในเขตจังหวัด", PAO_FW),
]

#: (title, {framework: true target}, tactics: [(title, text, {framework: true target})])
PLAN = [
    (
        "ยุทธศาสตร์การพัฒนาโครงสร้างพื้นฐาน",
        {"national": "NS2", "nesdp13": "M8", "sdg": "SDG6", "province": "CB2", "pao": "PAO1"},
        [
            ("ก่อสร้างและปรับปรุงถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน", "", {}),
            ("พัฒนาแหล่งน้ำเพื่อการเกษตรและการอุปโภคบริโภค", "", {"sdg": "SDG6"}),
        ],
    ),
    (
        "ยุทธศาสตร์การพัฒนาคุณภาพชีวิต",
        {"national": "NS4", "nesdp13": "M12", "sdg": "SDG3", "province": "CB3", "pao": "PAO2"},
        [
            ("ส่งเสริมสุขภาพและป้องกันโรคติดต่อในชุมชน", "", {}),
            (
                "ส่งเสริมการศึกษาและศูนย์พัฒนาเด็กเล็ก",
                "จัดการศึกษาปฐมวัย " + XSS_SCRIPT + " และกิจกรรม " + XSS_IMG,
                {"national": "NS3", "sdg": "SDG4"},
            ),
        ],
    ),
    (
        "ยุทธศาสตร์การพัฒนาเศรษฐกิจและการเกษตร",
        {"national": "NS2", "nesdp13": "M1", "sdg": "SDG8", "province": "CB1", "pao": "PAO1"},
        [("ส่งเสริมกลุ่มอาชีพและวิสาหกิจชุมชนแปรรูปผลไม้", "", {})],
    ),
    (
        "ยุทธศาสตร์การบริหารจัดการบ้านเมืองที่ดี",
        {"national": "NS6", "nesdp13": "M13", "sdg": "SDG16", "province": "CB3", "pao": "PAO3"},
        [
            ("พัฒนาบุคลากรและระบบบริการประชาชนด้วยเทคโนโลยีดิจิทัล", "", {}),
            ("จัดงานประเพณีลอยกระทงประจำปี", "", {"orphan": "yes"}),
        ],
    ),
]

THRESHOLDS = Thresholds(strong=0.6, partial=0.45, weak=0.3)


def _noise(*parts: str) -> float:
    h = hashlib.sha1("|".join(parts).encode("utf-8")).digest()
    return h[0] / 255.0


def _score(item_id: str, fw: str, tid: str, true_id: str | None, orphan: bool) -> float:
    if orphan:
        return round(0.05 + 0.2 * _noise(item_id, fw, tid), 4)
    base = 0.1 + 0.3 * _noise(item_id, fw, tid)
    if tid == true_id:
        base = 0.55 + 0.35 * _noise("true", item_id, fw)
    return round(min(base, 1.0), 4)


def make_alignment(*, top_k: int = 3, with_items: bool = True) -> Alignment:
    """A plan of 4 strategies / 7 tactics aligned against 5 frameworks."""
    infos = tuple(
        FrameworkInfo(
            name=n,
            title=t,
            level=lvl,
            column=col,
            target_ids=tuple(i for i, _ in targets),
            target_titles=tuple(tt for _, tt in targets),
        )
        for n, t, lvl, col, targets in FRAMEWORKS
    )
    sections: list[tuple[Section, dict[str, str], bool]] = []
    for si, (stitle, strue, tactics) in enumerate(PLAN, 1):
        strat = Section(
            id=f"loc-s{si}",
            kind="strategy",
            level="local",
            title=stitle,
            text=stitle,
            number=str(si),
            org=ORG,
            province=PROVINCE,
            source="003_khamong.txt",
            path=stitle,
        )
        sections.append((strat, strue, False))
        for ti, (ttitle, ttext, ttrue) in enumerate(tactics, 1):
            tac = Section(
                id=f"loc-s{si}-t{ti}",
                kind="tactic",
                level="local",
                title=ttitle,
                text=ttext or ttitle,
                number=f"{si}.{ti}",
                parent_id=strat.id,
                org=ORG,
                province=PROVINCE,
                source="003_khamong.txt",
                path=f"{stitle} > {ttitle}",
            )
            sections.append((tac, {**strue, **ttrue}, "orphan" in ttrue))
    if not with_items:
        sections = []

    items: list[ItemAlignment] = []
    for sec, truth, orphan in sections:
        all_matches: list[tuple[Match, ...]] = []
        all_scores: list[tuple[float, ...]] = []
        for info in infos:
            scores = tuple(
                _score(sec.id, info.name, tid, truth.get(info.name), orphan)
                for tid in info.target_ids
            )
            order = sorted(range(len(scores)), key=lambda k: -scores[k])[:top_k]
            ms = []
            for rank, k in enumerate(order, 1):
                tid = info.target_ids[k]
                sub_id, sub_title = MASTER_PLANS.get(tid, (f"{tid}.1", f"ประเด็นย่อยของ {tid}"))
                ms.append(
                    Match(
                        framework=info.name,
                        target_id=tid,
                        target_title=info.target_titles[k],
                        score=scores[k],
                        strength=THRESHOLDS.label(scores[k]),
                        share=scores[k],  # the fixture's labels are cut from this value
                        rank=rank,
                        dense=round(scores[k] * 0.9, 4),
                        lexical=round(scores[k] * 0.5, 4),
                        evidence=Evidence(
                            sub_id=sub_id,
                            sub_title=sub_title,
                            sub_type="master_plan" if tid in MASTER_PLANS else "sub",
                            shared_terms=("พัฒนา", "ชุมชน") if rank == 1 else ("พัฒนา",),
                            related_terms=("คุณภาพชีวิต",),
                            context=sec.path.split(" > ")[0] if sec.kind == "tactic" else "",
                        ),
                    )
                )
            all_matches.append(tuple(ms))
            all_scores.append(scores)
        items.append(
            ItemAlignment(
                item=sec,
                matches=tuple(all_matches),
                frameworks=tuple(i.name for i in infos),
                scores=tuple(all_scores),
            )
        )

    coverage: list[TargetCoverage] = []
    for info in infos:
        for tid, ttitle in zip(info.target_ids, info.target_titles, strict=True):
            firsts = [it.best(info.name) for it in items]
            mine = [m for m in firsts if m is not None and m.target_id == tid]
            allscores = [it.scores_for(info.name)[info.target_ids.index(tid)] for it in items]
            coverage.append(
                TargetCoverage(
                    framework=info.name,
                    target_id=tid,
                    title=ttitle,
                    strong=sum(m.strength == "strong" for m in mine),
                    partial=sum(m.strength == "partial" for m in mine),
                    weak=sum(m.strength == "weak" for m in mine),
                    max_score=max(allscores, default=0.0),
                    max_share=max(allscores, default=0.0),
                    supporters=tuple(
                        it.item.id
                        for it in items
                        if (b := it.best(info.name)) is not None and b.target_id == tid
                    ),
                )
            )

    linkage: list[LinkageRow] = []
    for it in items:
        if it.item.kind != "strategy":
            continue
        cells = []
        for info in infos:
            m = it.best(info.name)
            assert m is not None
            cells.append(
                LinkageCell(
                    info.column,
                    info.name,
                    m.target_id,
                    m.target_title,
                    m.score,
                    m.strength,
                    m.share,
                )
            )
            if info.name == "national":
                cells.append(
                    LinkageCell(
                        "แผนแม่บท",
                        "national",
                        m.evidence.sub_id,
                        m.evidence.sub_title,
                        m.score,
                        m.strength,
                        m.share,
                    )
                )
        linkage.append(LinkageRow(strategy=it.item, cells=tuple(cells)))

    other = Section.from_text(
        "ก่อสร้างและปรับปรุงถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน",
        org="องค์การบริหารส่วนตำบลพลับพลา",
        province=PROVINCE,
        kind="tactic",
    )
    dups = (NearDuplicate(a=items[1].item, b=other, similarity=0.9731),) if items else ()
    return Alignment(
        items=tuple(items),
        frameworks=infos,
        coverage=tuple(coverage),
        linkage=tuple(linkage),
        thresholds=THRESHOLDS,
        org=ORG,
        province=PROVINCE,
        source="corpus/raw/003_khamong.txt",
        near_duplicates=dups,
        method="hybrid: e5-small dense + BM25 lexical, subtree scoring (test fixture)",
        meta=(("top_k", str(top_k)), ("model", "test-fixture")),
    )


#: Text a spreadsheet would run as a formula (issue 12, defect 7).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "  =", "\uff1d", "\uff0b", "\u3000@")
#: Fields that are structure, not text from a plan or framework (kept as they are).
_STRUCTURAL = frozenset({"kind", "level", "strength", "sub_type", "meta", "span", "method"})


def formula_text(text: str) -> str:
    """``text`` with a formula-looking prefix, the same prefix for the same text."""
    import zlib

    return FORMULA_PREFIXES[zlib.crc32(text.encode()) % len(FORMULA_PREFIXES)] + text


def hostile_formulas(value):
    """A copy of an alignment (or any of its parts) where every text field — titles,
    texts, ids, framework names and columns, terms — starts like a formula."""
    import dataclasses

    if isinstance(value, str):
        return formula_text(value)
    if isinstance(value, tuple):
        return tuple(hostile_formulas(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: hostile_formulas(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.init and f.name not in _STRUCTURAL
        }
        return dataclasses.replace(value, **changes)
    return value
