"""The planner's workflow end to end through the API (issue 21), hashing embedder.

Each test reproduces one defect the issue found: coverage over what alignment scores
and never aligning, the Excel round trip that records only the planner's edits (with a
concurrent browser decision), learning scoped to the organisation, the same document
uploaded twice, one organisation counted once, label and number agreeing in the
exports, each reader's own error, downloads named after the organisation, the progress
line counting every column.

Two organisations with the same plan text (seed 001 with its organisation renamed)
make learning visible: a decision on one moves the other's suggestions when, and only
when, the planner opts in.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

pytest.importorskip("fastapi", reason="pip install -e '.[web]'")
from fastapi.testclient import TestClient
from test_report_strength_scale import TH_TO_CODE, consistent
from test_web_api import SEED_001, SEED_003, TOKEN, H, copy_of, upload

from plansearch.frameworks import targets_of
from plansearch.web.app import create_app

ORG_A = "องค์การบริหารส่วนตำบลบ้านอ้อน"
ORG_B = "องค์การบริหารส่วนตำบลบ้านโคกงาม"


def other_org_text() -> str:
    """Seed 001 as another organisation's plan: the same items, another name."""
    return SEED_001.read_text(encoding="utf-8").replace("บ้านอ้อน", "บ้านโคกงาม")


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(tmp_path / "ws", embedder="hashing", token=TOKEN)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    app.state.workbench.close()


@pytest.fixture()
def align_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every ``plansearch.align`` the workbench runs, with the examples it learnt from."""
    from plansearch.alignment import pipeline

    seen: list[Any] = []
    real = pipeline.align

    def align(local: Any, against: Any = None, *, examples: Any = None, **kw: Any) -> Any:
        seen.append(examples)
        return real(local, against, examples=examples, **kw)

    monkeypatch.setattr(pipeline, "align", align)
    return seen


def tops(review: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """``(section title, framework) → (top target, strength)`` of a review."""
    return {
        (row["section"]["title"], f): (
            c["suggestions"][0]["target_id"],
            c["suggestions"][0]["strength"],
        )
        for b in review["blocks"]
        for row in b["rows"]
        for f, c in row["cells"].items()
        if c["suggestions"]
    }


def decide_all_second_choices(client: TestClient, review: dict[str, Any]) -> int:
    """Change every cell of a plan to its second suggestion (a planner who disagrees)."""
    items = [
        {
            "section_key": row["section"]["key"],
            "framework": f,
            "action": "change",
            "target_id": c["suggestions"][1]["target_id"],
        }
        for b in review["blocks"]
        for row in b["rows"]
        for f, c in row["cells"].items()
        if len(c["suggestions"]) > 1
    ]
    url = f"/api/plans/{review['plan_id']}/decisions"
    r = client.put(url, json={"decisions": items, "who": "ผู้ตรวจ ก"}, headers=H)
    assert r.status_code == 200, r.text
    return len(items)


# ------------------------------------------------------------- 1. coverage
def test_coverage_scores_every_aligned_framework_and_never_aligns(
    client: TestClient, align_calls: list[Any]
) -> None:
    a = upload(client, SEED_001)
    b = upload(client, text=other_org_text())
    client.post(f"/api/plans/{a['id']}/align", json={}, headers=H)
    runs = len(align_calls)
    cov = client.get("/api/coverage", params={"province": "ลำปาง"}).json()
    page = client.get("/coverage", params={"province": "ลำปาง"}).text
    assert len(align_calls) == runs  # viewing the overview aligned nothing
    fws = {f["framework"]: f for f in cov["frameworks"]}
    assert list(fws) == ["national", "masterplan", "nesdp13", "sdg", "dla"]  # ผ.02 order
    assert [len(fws[f]["targets"]) for f in fws] == [6, 23, 13, 17, len(targets_of("dla"))]
    assert [t["id"] for t in fws["nesdp13"]["targets"]][:3] == ["M1", "M2", "M3"]  # หมุดหมาย
    assert [p["id"] for p in cov["aligned"]] == [a["id"]]
    assert cov["not_aligned"] == [p["id"] for p in cov["waiting"]] == [b["id"]]
    assert "เริ่มเชื่อมโยง" in page and f'data-plan="{b["id"]}"' in page
    assert "นับจากการตัดสินใจของผู้ตรวจก่อน" in page  # the rule, on the page
    assert any(t["plans"] == [ORG_A] for t in fws["masterplan"]["targets"])


def test_coverage_counts_decisions_first(client: TestClient) -> None:
    plan = upload(client, SEED_001)
    pid = plan["id"]
    rv = client.post(f"/api/plans/{pid}/align", json={"frameworks": ["sdg"]}, headers=H).json()
    cov = client.get("/api/coverage").json()
    supported = {t["id"] for t in cov["frameworks"][0]["targets"] if t["plans"]}
    # reject every cell that supports some target; change one cell to a gap
    gap = next(t["id"] for t in cov["frameworks"][0]["targets"] if not t["plans"])
    items = []
    for b in rv["blocks"]:
        for row in b["rows"]:
            top = row["cells"]["sdg"]["suggestions"][0]
            items.append(
                {
                    "section_key": row["section"]["key"],
                    "framework": "sdg",
                    "action": "reject",
                    "target_id": top["target_id"],
                }
            )
    items[0] = {**items[0], "action": "change", "target_id": gap}
    client.put(f"/api/plans/{pid}/decisions", json={"decisions": items}, headers=H)
    after = client.get("/api/coverage").json()
    now = {t["id"] for t in after["frameworks"][0]["targets"] if t["plans"]}
    assert supported and now == {gap}


# --------------------------------------------------------- 2. Excel round trip
def test_excel_round_trip_reads_only_the_planners_edits(client: TestClient) -> None:
    """Export, decide two cells in the browser, let the suggestions move, edit two rows
    in the file (one of them also decided in the browser): one change, one conflict."""
    from openpyxl import load_workbook

    plan = upload(client, SEED_001)
    pid = plan["id"]
    rv = client.post(f"/api/plans/{pid}/align", json={}, headers=H).json()
    exported = client.get(f"/api/plans/{pid}/export.xlsx").content
    before = tops(rv)
    rows = [row for b in rv["blocks"] for row in b["rows"]]
    # in the browser, after the export: accept one cell, change another
    browser = [(rows[0], "national", "accept", 0), (rows[1], "masterplan", "change", 2)]
    for row, fw, action, i in browser:
        body = {
            "section_key": row["section"]["key"],
            "framework": fw,
            "action": action,
            "target_id": row["cells"][fw]["suggestions"][i]["target_id"],
        }
        assert client.put(f"/api/plans/{pid}/decisions", json=body, headers=H).status_code == 200
    # the organisation's other plan teaches it: the suggestions move after the export
    twin = upload(client, text=copy_of(SEED_001, "twin"))
    twin_rv = client.post(f"/api/plans/{twin['id']}/align", json={}, headers=H).json()
    decide_all_second_choices(client, twin_rv)
    moved_rv = client.post(f"/api/plans/{pid}/align", json={}, headers=H).json()
    moved = {k for k, v in tops(moved_rv).items() if before[k] != v}
    assert len(moved) > 10  # many suggestions moved since the export
    # the planner edits two rows of the exported file
    book = load_workbook(io.BytesIO(exported))
    ws = book["การตัดสินใจ"]
    untouched = rows[3]
    alt = untouched["cells"]["sdg"]["suggestions"][2]["target_id"]
    for r in ws.iter_rows(min_row=2):
        if r[1].value == untouched["section"]["key"] and r[2].value == "sdg":
            r[5].value = alt  # a new target for a cell nobody decided
        if r[1].value == rows[1]["section"]["key"] and r[2].value == "masterplan":
            r[7].value = "ปฏิเสธ"  # also changed in the browser since the export
    buf = io.BytesIO()
    book.save(buf)
    diff = client.post(
        f"/api/plans/{pid}/import", files={"file": ("แก้ไข.xlsx", buf.getvalue())}, headers=H
    ).json()
    assert diff["message"] is None and diff["snapshot"]
    assert [
        (c["section_key"], c["framework"], c["action"], c["target_id"]) for c in diff["changes"]
    ] == [(untouched["section"]["key"], "sdg", "change", alt)]
    change = diff["changes"][0]
    assert change["framework_th"].startswith("ค. ") and change["after_th"] == f"เปลี่ยน {alt}"
    assert change["before_th"].startswith("ข้อเสนอ")  # Thai, never "suggested"
    [conflict] = diff["conflicts"]
    assert conflict["section_key"] == rows[1]["section"]["key"] and conflict["action"] == "reject"
    assert conflict["before_th"].startswith("เปลี่ยน") and conflict["exported_th"].startswith(
        "ข้อเสนอ"
    )
    assert diff["errors"] == []
    r = client.post(
        f"/api/plans/{pid}/import/{diff['import_id']}/apply", json={"who": "ผู้นำเข้า"}, headers=H
    )
    assert r.json() == {"applied": 1, "conflicts": 0}
    current = client.get(f"/api/plans/{pid}/decisions").json()["current"]
    by_cell = {(d["section_key"], d["framework"]): d for d in current}
    assert by_cell[(rows[1]["section"]["key"], "masterplan")]["action"] == "change"  # kept
    assert by_cell[(untouched["section"]["key"], "sdg")]["who"] == "ผู้นำเข้า"
    assert sum(d["who"] == "ผู้นำเข้า" for d in current) == 1


def test_an_old_export_is_read_with_a_message(client: TestClient) -> None:
    """A workbook without a snapshot: only rows whose status names a decision that
    differs from the stored one are edits; suggestion rows are not read."""
    from openpyxl import load_workbook

    plan = upload(client, SEED_001)
    pid = plan["id"]
    rv = client.post(f"/api/plans/{pid}/align", json={}, headers=H).json()
    book = load_workbook(io.BytesIO(client.get(f"/api/plans/{pid}/export.xlsx").content))
    del book["ข้อมูลระบบ"]  # as every export before issue 21
    first = rv["blocks"][0]["rows"][0]["section"]["key"]
    ws = book["การตัดสินใจ"]
    for r in ws.iter_rows(min_row=2):
        if r[2].value == "dla":
            r[5].value = "DLA1" if r[5].value != "DLA1" else "DLA2"  # suggestions "moved"
        if r[1].value == first and r[2].value == "national":
            r[7].value = "ปฏิเสธ"
    buf = io.BytesIO()
    book.save(buf)
    diff = client.post(
        f"/api/plans/{pid}/import", files={"file": ("old.xlsx", buf.getvalue())}, headers=H
    ).json()
    assert diff["snapshot"] is None and "ส่งออกก่อน" in diff["message"]
    assert [(c["section_key"], c["framework"], c["action"]) for c in diff["changes"]] == [
        (first, "national", "reject")
    ]


# ------------------------------------------------------------ 3. learning
def test_learning_is_scoped_to_the_organisation(client: TestClient, align_calls: list[Any]) -> None:
    a = upload(client, SEED_001)
    b = upload(client, text=other_org_text())
    assert (a["org"], b["org"]) == (ORG_A, ORG_B)
    rv_a = client.post(f"/api/plans/{a['id']}/align", json={}, headers=H).json()
    url_b = f"/api/plans/{b['id']}/align"
    first_b = client.post(url_b, json={}, headers=H).json()
    decide_all_second_choices(client, rv_a)  # accept, change and reject on one อบต.
    again_b = client.post(url_b, json={}, headers=H).json()
    assert align_calls[-1] is None  # nothing of the other organisation's was learnt
    assert tops(again_b) == tops(first_b) and again_b["changed"] == 0
    assert again_b["learning"] == {"from_others": False, "used_from_others": False, "examples": 0}
    # the planner opts in: the other organisation's decisions now move suggestions
    r = client.put(
        f"/api/plans/{b['id']}/learning", json={"from_others": True, "who": "ข"}, headers=H
    )
    assert r.json()["from_others"] is True
    assert 'id="learn-others" checked' in client.get(f"/plans/{b['id']}/review").text
    learnt = client.post(url_b, json={}, headers=H).json()  # a new key: aligned again
    assert align_calls[-1] and {e.framework for e in align_calls[-1]} >= {"national", "sdg"}
    assert learnt["run_id"] != again_b["run_id"] and learnt["learning"]["used_from_others"]
    moved = {k for k, v in tops(learnt).items() if tops(again_b)[k] != v}
    assert moved and learnt["changed"] == len(moved)
    marked = {
        (row["section"]["title"], f)
        for blk in learnt["blocks"]
        for row in blk["rows"]
        for f, c in row["cells"].items()
        if c["changed"] is not None
    }
    assert marked == moved
    # the same organisation's decisions are always learnt from
    assert (
        client.put(
            f"/api/plans/{b['id']}/learning", json={"from_others": "yes"}, headers=H
        ).status_code
        == 422
    )


# --------------------------------------------------------------- 4. plans
def test_the_same_document_twice_offers_the_existing_plan(client: TestClient) -> None:
    first = upload(client, SEED_001)
    again = client.post(
        "/api/plans", files={"file": ("อีกครั้ง.txt", SEED_001.read_bytes())}, headers=H
    )
    assert again.status_code == 409
    body = again.json()
    assert body["existing"]["id"] == first["id"] and body["detail"].startswith("อีกครั้ง.txt: แผนนี้")
    pasted = client.post(
        "/api/plans", data={"text": SEED_001.read_text(encoding="utf-8")}, headers=H
    )
    assert pasted.status_code == 409
    assert len(client.get("/api/plans").json()) == 1


def test_a_plan_in_the_index_and_the_workspace_counts_once(tmp_path: Path) -> None:
    from plansearch import HashingEmbedder, PlanIndex, parse_plan

    sections = [*parse_plan(SEED_001).sections, *parse_plan(SEED_003).sections]
    PlanIndex.build(sections, embedder=HashingEmbedder(384)).save(tmp_path / "idx")
    app = create_app(tmp_path / "ws", embedder="hashing", token=TOKEN, index_dir=tmp_path / "idx")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        upload(c, SEED_001)  # also in --index
        upload(c, text=copy_of(SEED_001, "2"))  # the same organisation's second copy
        hits = c.get("/api/search", params={"q": "ถนนคอนกรีต", "k": 10}).json()["hits"]
        passages = [
            (h["section"]["org"], h["section"]["kind"], h["section"]["title"]) for h in hits
        ]
        assert len(hits) == 10 and len(set(passages)) == 10
        assert [h["rank"] for h in hits] == list(range(1, 11))
        res = c.get("/api/similar", params={"q": "ส่งเสริมอาชีพ", "k": 8}).json()
        orgs = [g["org"] for g in res["groups"]]
        assert len(orgs) == len(set(orgs)) == 2
        texts = [(h["org"], h["kind"], h["title"]) for g in res["groups"] for h in g["hits"]]
        assert len(texts) == len(set(texts)) == 8
    app.state.workbench.close()


# -------------------------------------------------------------- 5. strength
def test_label_and_number_agree_in_the_workbench_exports(client: TestClient) -> None:
    import html

    from openpyxl import load_workbook

    from plansearch.labels import STRENGTH_TH

    plan = upload(client, SEED_001)
    pid = plan["id"]
    rv = client.post(f"/api/plans/{pid}/align", json={}, headers=H).json()
    th = client.app.state.workbench.aligner.aligned(pid).alignment.thresholds  # type: ignore[attr-defined]
    for b in rv["blocks"]:
        for row in b["rows"]:
            for c in row["cells"].values():
                for m in c["suggestions"]:
                    assert consistent(m["strength"], m["share"], th)
    labels = "|".join(map(re.escape, STRENGTH_TH.values()))
    book = load_workbook(io.BytesIO(client.get(f"/api/plans/{pid}/export.xlsx").content))
    pairs = [
        (m.group(1), float(m.group(2)))
        for ws in (book["การตัดสินใจ"], book["ผ.02 ความเชื่อมโยง"])
        for r in ws.iter_rows(values_only=True)
        for v in r
        if isinstance(v, str)
        for m in re.finditer(rf"({labels})\)? ?\(?([01]\.\d\d)", v)
    ]
    assert len(pairs) > 100
    for label, share in pairs:
        assert consistent(TH_TO_CODE[label], share, th), (label, share)
    page = html.unescape(client.get(f"/api/plans/{pid}/export.html").text)
    found = re.findall(rf"({labels})</span> <span class=\"num\"[^>]*>([01]\.\d\d)<", page)
    assert found
    for label, number in found:
        assert consistent(TH_TO_CODE[label], float(number), th), (label, number)


# ---------------------------------------------------------- 6. upload errors
def test_each_reader_says_what_is_wrong_in_thai(client: TestClient) -> None:
    import random

    rng = random.Random(21)
    pdf = bytes(rng.getrandbits(8) for _ in range(3 << 20))
    r = client.post("/api/plans", files={"file": ("แผน.pdf", pdf)}, headers=H)
    assert r.status_code in (415, 422)
    detail = r.json()["detail"]
    assert detail.startswith("แผน.pdf: ไม่ใช่ไฟล์ PDF ที่อ่านได้") and "NUL" not in detail
    docx = b"PK\x03\x04" + bytes(rng.getrandbits(8) for _ in range(2 << 20))
    r = client.post("/api/plans", files={"file": ("แผน.docx", docx)}, headers=H)
    detail = r.json()["detail"]
    assert detail.startswith("แผน.docx: ไม่ใช่ไฟล์ Word (.docx) ที่อ่านได้") and "NUL" not in detail
    assert client.get("/api/plans").json() == []


# ------------------------------------------------------------- 9. file names
def test_downloads_are_named_after_the_organisation_and_date(client: TestClient) -> None:
    pid = upload(client, SEED_001)["id"]
    client.post(f"/api/plans/{pid}/align", json={"frameworks": ["sdg"]}, headers=H)
    for path, start, ext in (
        ("export.xlsx", "ผ02_", ".xlsx"),
        ("export.html", "รายงาน_", ".html"),
        ("export.csv", "การตัดสินใจ_", ".csv"),
    ):
        header = client.get(f"/api/plans/{pid}/{path}").headers["content-disposition"]
        ascii_name = re.search(r'filename="([^"]+)"', header)
        thai = re.search(r"filename\*=UTF-8''(\S+)", header)
        assert ascii_name and thai and ascii_name.group(1).isascii()
        name = unquote(thai.group(1))
        assert name.startswith(f"{start}{ORG_A}_25") and name.endswith(ext), name
        assert re.search(r"_25\d\d-\d\d-\d\d\.", name)  # Buddhist-era date


# ----------------------------------------------------------- 11. progress
def test_the_progress_line_counts_every_column(client: TestClient) -> None:
    wb = client.app.state.workbench  # type: ignore[attr-defined]
    pid = upload(client, SEED_001)["id"]
    said: list[str] = []
    ap = wb.aligner.align(pid, progress=lambda stage, msg: said.append(msg))
    columns = len(ap.alignment.frameworks)
    assert columns == 5 and f"กำลังเชื่อมโยงกับ {columns} กรอบ" in said


# ------------------------------------------------------------- 9. ผ.02 file
def test_the_workbench_form02_file(client: TestClient) -> None:
    """The ผ.02 workbook: the form first with its print set-up, Thai sheet names, the
    drop-down of statuses, the snapshot hidden, and no live formula anywhere."""
    from openpyxl import load_workbook

    pid = upload(client, SEED_001)["id"]
    client.post(f"/api/plans/{pid}/align", json={}, headers=H)
    db = client.app.state.workbench.db  # type: ignore[attr-defined]
    before = list(db.conn.iterdump())
    book = load_workbook(io.BytesIO(client.get(f"/api/plans/{pid}/export.xlsx").content))
    assert list(db.conn.iterdump()) == before  # the snapshot is in the file: nothing written
    assert book.sheetnames[:2] == ["ผ.02 ความเชื่อมโยง", "การตัดสินใจ"]
    assert all(re.search(r"[\u0E00-\u0E7F]", name) for name in book.sheetnames), book.sheetnames
    form = book["ผ.02 ความเชื่อมโยง"]
    assert form.page_setup.orientation == "landscape" and int(form.page_setup.paperSize) == 9
    assert form.print_title_rows and form.sheet_properties.pageSetUpPr.fitToPage
    heads = [r[0] for r in form.iter_rows(values_only=True) if r[0]]
    assert sum(str(h).startswith("ยุทธศาสตร์ ") for h in heads) == 5  # a block per strategy
    dv = book["การตัดสินใจ"].data_validations.dataValidation
    assert dv and all(s in dv[0].formula1 for s in ("ยอมรับ", "เปลี่ยน", "ปฏิเสธ"))
    hidden = [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
    assert hidden == ["ข้อมูลระบบ"]
    formulas = [
        c.coordinate
        for ws in book.worksheets
        for r in ws.iter_rows()
        for c in r
        if c.data_type == "f"
    ]
    assert formulas == []
