"""Property tests: whatever the text, the parser's output is well-formed."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plansearch import Plan, parse_plan
from plansearch.errors import PlanSearchError
from plansearch.parse.normalize import clean_fragment

# pieces of real plan vocabulary, numbering styles and debris, recombined at random
PIECES = [
    "ยุทธศาสตร์ที่ 1 ",
    "ยุทธศาสตร์ที่ ๒ ",
    "ประเด็นยุทธศาสตร์",
    "ประเด็นยุทธศาสตร์ที่ 3 ด้าน",
    "ยุทธศาสตร์ด้าน",
    "กลยุทธ์",
    "กลยุทธ์ :",
    "แนวทางการพัฒนา",
    "แนวทางการดำเนินงาน",
    "วิสัยทัศน์",
    "พันธกิจ",
    "เป้าประสงค์ :",
    "เป้าหมาย (Goal)",
    "จุดมุ่งหมาย",
    "ตัวชี้วัด",
    "วัตถุประสงค์ เพื่อ",
    "นโยบายด้าน",
    "โครงการ",
    "ค่านิยมร่วม",
    "หมายถึง",
    "ดังนี้",
    ". ",
    ".๑ ",
    "1. ",
    "๑๐. ",
    "1.1 ",
    "3.1",
    "(1) ",
    "(๒) ",
    "12) ",
    "ก. ",
    "- ",
    "- ๑๖ ",
    "ส่งเสริมอาชีพ",
    "พัฒนาแหล่งน้ำ",
    "การท่องเที่ยว",
    "“",
    "”",
    "อบต.",
    "เทศบาลตำบล",
    "จังหวัดลำปาง",
    "ยุทธศาสตร์ชาติ",
    "ยุทธศาสตร์การพัฒนาประเทศ มี ๕ ยุทธศาสตร์ ดังนี้",
    "ยุทธศาสตร์การพัฒนากลุ่มจังหวัด",
    "แผนยุทธศาสตร์กรมส่งเสริมการปกครองท้องถิ่น",
    "องค์การบริหารส่วนจังหวัด",
    "บทที่ 2",
    "๒.๓.๕ ",
    "Print this page",
    "*****",
    "Copyright ©",
    "\n",
    "\n",
    "\n",
    "\n\n",
    "\t",
    "\r\n",
    "\u200b",
    "\ufeff",
    "\u00a0",
    "  ",
]
plan_like = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)
any_text = st.one_of(
    plan_like, st.text(max_size=400), st.text(alphabet="ก๑1.()- \n\t", max_size=200)
)


def check_well_formed(text: str, plan: Plan) -> None:
    ids = [s.id for s in plan]
    assert len(ids) == len(set(ids))
    seen: set[str] = set()
    for s in plan:
        assert s.parent_id is None or s.parent_id in seen
        seen.add(s.id)
        assert s.title and s.title == s.title.strip()
        assert s.source is None
        a, b = s.span
        assert 0 <= a < b <= len(text)
        assert clean_fragment(text[a:b])  # the span covers real characters


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_never_crashes_and_output_is_well_formed(text: str) -> None:
    try:
        plan = parse_plan(text)
    except PlanSearchError:
        assert not text.strip() or "\n" not in text  # only empty or path-like input
        return
    check_well_formed(text, plan)
    again = parse_plan(text)
    assert [s.id for s in again] == [s.id for s in plan]  # stable


@settings(max_examples=150, deadline=None)
@given(plan_like, st.data())
def test_zero_width_and_crlf_do_not_change_structure(text: str, data: st.DataObject) -> None:
    """Inserting zero-width characters and turning \\n into \\r\\n keeps every section,
    and each span still covers the same characters once the noise is removed."""
    clean = text.replace("\r", "").replace("\u200b", "").replace("\ufeff", "")
    if not clean.strip():
        return
    noisy_chars: list[str] = []
    for ch in clean:
        if data.draw(st.booleans()):
            noisy_chars.append(data.draw(st.sampled_from(["\u200b", "\u200c", "\u00ad"])))
        noisy_chars.append("\r\n" if ch == "\n" else ch)
    noisy = "".join(noisy_chars)
    try:
        a = parse_plan(clean)
    except PlanSearchError:
        return
    b = parse_plan(noisy)
    assert [(s.kind, s.level, s.number, s.title, s.parent_id is None) for s in a] == [
        (s.kind, s.level, s.number, s.title, s.parent_id is None) for s in b
    ]

    def strip(x: str) -> str:
        return x.replace("\r", "").replace("\u200b", "").replace("\u200c", "").replace("\u00ad", "")

    for sa, sb in zip(a, b, strict=True):
        assert clean[sa.span[0] : sa.span[1]] == strip(noisy[sb.span[0] : sb.span[1]])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1.", "(1)", "1)", "ก.", "-", ".", "1.1", "๑.", "- ๑"]),
            st.sampled_from(["ส่งเสริมอาชีพ", "พัฒนาถนน", "ขุดลอกคลอง", "จัดอบรม"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_mixed_numbering_under_a_heading_gives_tactics_in_order(items: list) -> None:
    text = "แนวทางการพัฒนา\n" + "\n".join(f"{m} {t}" for m, t in items)
    plan = parse_plan(text)
    check_well_formed(text, plan)
    assert {s.kind for s in plan} <= {"tactic"}
    titles = [s.title for s in plan]
    assert titles == [t for t in titles if t in {t for _, t in items}]
    starts = [s.span[0] for s in plan]
    assert starts == sorted(starts)  # document order
