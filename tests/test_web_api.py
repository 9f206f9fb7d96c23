"""The workbench's HTTP API: every endpoint, bad uploads, tokens, concurrency.

Uses the hashing embedder (fast, deterministic) through the app factory. One
module-scoped workspace holds seed 001, aligned once; tests that change state use
their own plan or their own cells.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi", reason="pip install -e '.[web]'")
from fastapi.testclient import TestClient  # noqa: E402

from plansearch.web.app import create_app  # noqa: E402
from plansearch.web.db import Workspace  # noqa: E402
from plansearch.web.export import thai_date  # noqa: E402

SEEDS = Path(__file__).parent.parent / "corpus" / "raw"
SEED_001 = SEEDS / "001_f258f97c1c2e16fd.txt"
SEED_003 = SEEDS / "003_15a60f9e2bf40418.txt"
TOKEN = "test-token"
H = {"X-Plansearch-Token": TOKEN}
HOSTILE = (
    "วิสัยทัศน์\n“<script>window.__pwned=1</script> ชุมชนน่าอยู่”\n"
    'ยุทธศาสตร์ที่ 1 =HYPERLINK("http://evil.example","คลิก") พัฒนาโครงสร้างพื้นฐาน\n'
    "แนวทางการพัฒนา\n"
    '1.1 <img src=x onerror="window.__pwned=2"> ก่อสร้างถนนคอนกรีตเสริมเหล็กภายในหมู่บ้าน\n'
    "1.2 =1+1 พัฒนาแหล่งน้ำเพื่อการเกษตรและน้ำประปาหมู่บ้าน\n"
)


class LiveServer:
    """The app served by uvicorn on a free 127.0.0.1 port, in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        end = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > end or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def copy_of(path: Path, tag: str) -> str:
    """A seed's text with one more line: another document (the workspace refuses the
    same document twice)."""
    return path.read_text(encoding="utf-8") + f"\nหมายเหตุ สำเนา {tag}\n"


def upload(client: Any, path: Path | None = None, *, text: str | None = None) -> dict[str, Any]:
    if text is not None:
        r = client.post("/api/plans", data={"text": text}, headers=H)
    else:
        assert path is not None
        r = client.post("/api/plans", files={"file": (path.name, path.read_bytes())}, headers=H)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(tmp_path_factory.mktemp("ws"), embedder="hashing", token=TOKEN)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    app.state.workbench.close()


@pytest.fixture(scope="module")
def seed(client: TestClient) -> dict[str, Any]:
    """Seed 001 uploaded and aligned against the default frameworks."""
    plan = upload(client, SEED_001)
    r = client.post(f"/api/plans/{plan['id']}/align", json={}, headers=H)
    assert r.status_code == 200, r.text
    return {"plan": plan, "review": r.json()}


def n_plans(client: TestClient) -> int:
    return len(client.get("/api/plans").json())


# ----------------------------------------------------------------- plans
def test_upload_returns_id_structure_and_quality(seed: dict[str, Any]) -> None:
    plan = seed["plan"]
    assert plan["id"].startswith("p-")
    assert plan["org"] == "องค์การบริหารส่วนตำบลบ้านอ้อน" and plan["province"] == "ลำปาง"
    kinds = [s["kind"] for s in plan["sections"]]
    assert kinds.count("strategy") == 5 and kinds.count("tactic") == 16
    assert plan["quality"]["strategies"] == 5 and plan["quality"]["tactics"] == 16
    # the tree nests tactics under their strategies
    strategies = [n for n in plan["tree"] if n["children"]]
    assert sum(len(n["children"]) for n in strategies) == 16


def test_get_and_list_plans(client: TestClient, seed: dict[str, Any]) -> None:
    pid = seed["plan"]["id"]
    assert client.get(f"/api/plans/{pid}").json()["name"] == SEED_001.name
    assert pid in {p["id"] for p in client.get("/api/plans").json()}
    r = client.get("/api/plans/p-nope")
    assert r.status_code == 404 and r.json()["error"] == "NotFoundError"


def test_paste_text_and_uploaded_names_never_reach_disk(client: TestClient, tmp_path: Path) -> None:
    r = client.post(
        "/api/plans",
        files={"file": ("../../../../tmp/evil<script>.txt", copy_of(SEED_003, "evil").encode())},
        headers=H,
    )
    assert r.status_code == 201
    assert r.json()["name"] == "evil_script_.txt"
    assert not Path("/tmp/evil<script>.txt").exists()
    plan = upload(client, text=copy_of(SEED_003, "pasted"))
    assert plan["name"] == "ข้อความที่วาง" and plan["sections"]


def test_pasted_path_is_text_not_a_server_file(client: TestClient) -> None:
    before = n_plans(client)
    r = client.post("/api/plans", data={"text": str(SEED_001)}, headers=H)
    assert r.status_code == 422  # parsed as (structure-less) text, never opened
    assert n_plans(client) == before


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("empty.txt", b"", 422),
        ("blank.txt", b"   \n\t ", 422),
        ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, 415),
        ("looks-like.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, 422),
        ("program.exe", b"MZ\x90\x00" + bytes(200), 415),
        ("archive.docx", b"PK\x03\x04" + bytes(100), 422),  # damaged ZIP: right type, bad content
        ("english.txt", b"Just some English text without any plan structure.\n" * 3, 422),
    ],
)
def test_bad_uploads_one_clear_error_nothing_stored(
    client: TestClient, name: str, data: bytes, status: int
) -> None:
    before = n_plans(client)
    r = client.post("/api/plans", files={"file": (name, data)}, headers=H)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "detail"} and body["detail"]
    assert "Traceback" not in body["detail"]
    assert n_plans(client) == before


def test_missing_file_and_text(client: TestClient) -> None:
    r = client.post("/api/plans", data={}, headers=H)
    assert r.status_code == 422 and "file" in r.json()["detail"]


def test_declared_200_mb_upload_refused_before_reading(client: TestClient) -> None:
    before = n_plans(client)
    r = client.post(
        "/api/plans",
        content=b"x" * 10,
        headers={**H, "Content-Length": str(200 * 1024 * 1024), "Content-Type": "text/plain"},
    )
    assert r.status_code == 413 and r.json()["error"] == "upload_too_large"
    assert n_plans(client) == before


def test_streamed_200_mb_upload_stops_at_the_limit(client: TestClient) -> None:
    """A 200 MB body without Content-Length: the server stops reading at 50 MB."""
    app = client.app
    chunk = b"-" * (1024 * 1024)
    boundary = b"xBOUNDARYx"
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; '
        b'filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'
    )
    sent = 0
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        sent += 1
        if sent == 1:
            return {"type": "http.request", "body": head, "more_body": True}
        return {"type": "http.request", "body": chunk, "more_body": sent < 201}

    async def send(msg: dict[str, Any]) -> None:
        messages.append(msg)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/plans",
        "raw_path": b"/api/plans",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"multipart/form-data; boundary=" + boundary),
            (b"x-plansearch-token", TOKEN.encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }
    before = n_plans(client)
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in messages if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert sent <= 52  # 50 MB limit: stopped there, not after 200 chunks
    assert n_plans(client) == before


def test_state_changes_need_the_token(client: TestClient, seed: dict[str, Any]) -> None:
    pid = seed["plan"]["id"]
    before = n_plans(client)
    r = client.post("/api/plans", data={"text": SEED_003.read_text(encoding="utf-8")})
    assert r.status_code == 403
    r = client.post(
        "/api/plans",
        data={"text": "x"},
        headers={"X-Plansearch-Token": "wrong"},
    )
    assert r.status_code == 403
    r = client.put(
        f"/api/plans/{pid}/decisions",
        json={"section_key": "k", "framework": "national", "action": "reject"},
        headers={**H, "Origin": "http://evil.example"},
    )
    assert r.status_code == 403 and "cross-origin" in r.json()["detail"]
    assert n_plans(client) == before


def test_fix_section_kind_and_parent(client: TestClient) -> None:
    plan = upload(client, text=copy_of(SEED_001, "fix"))
    pid = plan["id"]
    tactic = next(s for s in plan["sections"] if s["kind"] == "tactic")
    other = [s for s in plan["sections"] if s["kind"] == "strategy"][-1]
    r = client.patch(
        f"/api/plans/{pid}/sections/{tactic['key']}",
        json={"kind": "project", "parent": other["key"], "who": "สมชาย"},
        headers=H,
    )
    assert r.status_code == 200, r.text
    fixed = next(s for s in r.json()["sections"] if s["key"] == tactic["key"])
    assert fixed["kind"] == "project" and fixed["parent"] == other["key"]
    assert r.json()["fixes"][0]["who"] == "สมชาย"
    bad = client.patch(
        f"/api/plans/{pid}/sections/{other['key']}", json={"parent": other["key"]}, headers=H
    )
    assert bad.status_code == 422
    bad = client.patch(f"/api/plans/{pid}/sections/{tactic['key']}", json={"kind": "x"}, headers=H)
    assert bad.status_code == 422


# -------------------------------------------------------------- alignment
def test_align_gives_linkage_blocks_top3_strength_evidence(seed: dict[str, Any]) -> None:
    rv = seed["review"]
    names = [f["name"] for f in rv["frameworks"]]
    assert names[:3] == ["national", "masterplan", "nesdp13"] and "sdg" in names
    letters = {f["name"]: f["letter"] for f in rv["frameworks"]}
    assert letters["national"] == "ก." and letters["nesdp13"] == "ข." and letters["sdg"] == "ค."
    assert len(rv["blocks"]) == 5
    for block in rv["blocks"]:
        assert block["rows"][0]["section"]["key"] == block["strategy"]["key"]
        for row in block["rows"][1:]:
            assert row["section"]["kind"] == "tactic"
            assert row["section"]["parent"] == block["strategy"]["key"]
    cell = rv["blocks"][0]["rows"][0]["cells"]["national"]
    assert len(cell["suggestions"]) == 3
    scores = [m["score"] for m in cell["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    top = cell["suggestions"][0]
    assert top["strength"] in ("strong", "partial", "weak", "none")
    assert top["evidence"]["sub_id"] and top["evidence"]["sub_title"]


def test_align_in_background_reports_progress(client: TestClient, seed: dict[str, Any]) -> None:
    pid = seed["plan"]["id"]
    r = client.post(f"/api/plans/{pid}/align?background=1", json={}, headers=H)
    assert r.status_code == 202
    job = r.json()["job"]
    end = time.monotonic() + 60
    while True:
        j = client.get(f"/api/jobs/{job}").json()
        assert j["state"] in ("queued", "running", "done")
        if j["state"] == "done" or time.monotonic() > end:
            break
        time.sleep(0.1)
    assert j["state"] == "done" and j["message"]
    assert client.get("/api/jobs/j-nope").status_code == 404


def test_align_rejects_unknown_framework(client: TestClient, seed: dict[str, Any]) -> None:
    pid = seed["plan"]["id"]
    r = client.post(f"/api/plans/{pid}/align", json={"frameworks": ["nope"]}, headers=H)
    assert r.status_code == 404
    r = client.post(f"/api/plans/{pid}/align", json={"frameworks": "national"}, headers=H)
    assert r.status_code == 422


# -------------------------------------------------------------- decisions
def _cell(seed: dict[str, Any], block: int, row: int, fw: str) -> tuple[str, dict[str, Any]]:
    r = seed["review"]["blocks"][block]["rows"][row]
    return r["section"]["key"], r["cells"][fw]


def test_decisions_accept_change_reject_undo_and_history(
    client: TestClient, seed: dict[str, Any]
) -> None:
    pid = seed["plan"]["id"]
    key, cell = _cell(seed, 1, 0, "sdg")
    url = f"/api/plans/{pid}/decisions"
    top, second = cell["suggestions"][0]["target_id"], cell["suggestions"][1]["target_id"]
    d = {"section_key": key, "framework": "sdg"}
    assert (
        client.put(
            url, json={**d, "action": "accept", "target_id": top, "who": "ก"}, headers=H
        ).status_code
        == 200
    )
    r = client.put(url, json={**d, "action": "change", "target_id": second, "who": "ข"}, headers=H)
    assert r.json()["decisions"][0]["who"] == "ข"
    state = {(c["section_key"], c["framework"]): c for c in client.get(url).json()["current"]}
    assert state[(key, "sdg")]["target_id"] == second
    r = client.put(
        url, json={**d, "action": "undo"}, headers={**H, "X-Plansearch-User": "%E0%B8%84"}
    )
    assert r.json()["decisions"][0]["who"] == "ค"
    state = {(c["section_key"], c["framework"]): c for c in client.get(url).json()["current"]}
    assert state[(key, "sdg")]["target_id"] == top  # back to the accepted one
    hist = client.get(url).json()["history"]
    assert [h["action"] for h in hist if h["section_key"] == key and h["framework"] == "sdg"] == [
        "accept",
        "change",
        "undo",
    ]
    # the review shows the standing decision
    rv = client.get(f"/api/plans/{pid}/review").json()
    cell_now = next(
        row["cells"]["sdg"]
        for b in rv["blocks"]
        for row in b["rows"]
        if row["section"]["key"] == key
    )
    assert cell_now["decision"]["target_id"] == top


@pytest.mark.parametrize(
    "body",
    [
        {"framework": "national", "action": "accept", "target_id": "NS1"},
        {"section_key": "k-nope", "framework": "national", "action": "accept", "target_id": "NS1"},
        {"section_key": "KEY", "framework": "national", "action": "approve", "target_id": "NS1"},
        {"section_key": "KEY", "framework": "national", "action": "accept"},
        {"section_key": "KEY", "framework": "national", "action": "change", "target_id": "NS99"},
        {"decisions": []},
    ],
)
def test_bad_decisions_are_4xx_and_not_stored(
    client: TestClient, seed: dict[str, Any], body: dict[str, Any]
) -> None:
    pid = seed["plan"]["id"]
    key = seed["review"]["blocks"][4]["rows"][0]["section"]["key"]
    body = json.loads(json.dumps(body).replace("KEY", key))
    before = len(client.get(f"/api/plans/{pid}/decisions").json()["history"])
    r = client.put(f"/api/plans/{pid}/decisions", json=body, headers=H)
    assert 400 <= r.status_code < 500, r.text
    assert len(client.get(f"/api/plans/{pid}/decisions").json()["history"]) == before


# ----------------------------------------------------------------- exports
def test_export_xlsx_holds_decisions_in_the_linkage_layout(
    client: TestClient, seed: dict[str, Any]
) -> None:
    from openpyxl import load_workbook

    pid = seed["plan"]["id"]
    key, cell = _cell(seed, 2, 0, "national")
    other = cell["suggestions"][2]["target_id"]
    client.put(
        f"/api/plans/{pid}/decisions",
        json={
            "section_key": key,
            "framework": "national",
            "action": "change",
            "target_id": other,
            "who": "นางสาวทดสอบ",
        },
        headers=H,
    )
    r = client.get(f"/api/plans/{pid}/export.xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames[:2] == ["ผ.02 ความเชื่อมโยง", "การตัดสินใจ"]
    assert "ตารางความเชื่อมโยง" in book.sheetnames  # the library's report follows
    rows = list(book["การตัดสินใจ"].iter_rows(values_only=True))
    mine = [r for r in rows if r[1] == key and r[2] == "national"]
    assert mine and mine[0][5] == other and mine[0][7] == "เปลี่ยน" and mine[0][8] == "นางสาวทดสอบ"
    assert "256" in mine[0][9]  # Buddhist era (2560s)
    form = list(book["ผ.02 ความเชื่อมโยง"].iter_rows(values_only=True))
    cells = [c for row in form for c in row if isinstance(c, str)]
    assert any(c.startswith("ยุทธศาสตร์ ") for c in cells)  # a block per local strategy
    letters = [row[0] for row in form if row[0] in ("ก.", "ข.", "ค.", "ฉ.")]
    assert {"ก.", "ข.", "ค.", "ฉ."} <= set(letters)
    assert ("ก.", "ยุทธศาสตร์ชาติ") in [(row[0], row[1]) for row in form]
    # the decided cell shows the reviewer's choice, who and when (Buddhist era)
    decided = [c for c in cells if c.startswith(f"{other} ") and "เปลี่ยน" in c]
    assert decided and "นางสาวทดสอบ" in decided[0] and "256" in decided[0]
    # the status column of the decisions sheet is a drop-down of the statuses
    dv = book["การตัดสินใจ"].data_validations.dataValidation
    assert dv and "ยอมรับ" in dv[0].formula1 and "H2" in str(dv[0].sqref)


def test_export_csv_and_html(client: TestClient, seed: dict[str, Any]) -> None:
    pid = seed["plan"]["id"]
    r = client.get(f"/api/plans/{pid}/export.csv")
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("รหัสแผน (plan_id),")
    r = client.get(f"/api/plans/{pid}/export.html")
    assert (
        r.status_code == 200
        and "script-src 'unsafe-inline'" in r.headers["content-security-policy"]
    )
    assert "<html" in r.text and "บ้านอ้อน" in r.text
    assert '<section id="decisions"><h2>การตัดสินใจของผู้ตรวจ</h2>' in r.text


def test_hostile_text_is_inert_in_exports(client: TestClient) -> None:
    from openpyxl import load_workbook

    plan = upload(client, text=HOSTILE)
    pid = plan["id"]
    r = client.post(f"/api/plans/{pid}/align", json={}, headers=H)
    assert r.status_code == 200
    for row in (r.json()["blocks"][0]["rows"][0], r.json()["blocks"][0]["rows"][1]):
        body = {
            "section_key": row["section"]["key"],
            "framework": "national",
            "action": "accept",
            "target_id": row["cells"]["national"]["suggestions"][0]["target_id"],
            "who": "<b onmouseover=alert(1)>=cmd|' /C calc'!A0",
        }
        assert client.put(f"/api/plans/{pid}/decisions", json=body, headers=H).status_code == 200
    book = load_workbook(io.BytesIO(client.get(f"/api/plans/{pid}/export.xlsx").content))
    formulas = [
        c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert formulas == []
    texts = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert any(isinstance(v, str) and v.startswith("=HYPERLINK(") for v in texts)  # kept as text
    csv_text = client.get(f"/api/plans/{pid}/export.csv").content.decode("utf-8-sig")
    for line in csv_text.splitlines():
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@")), cell
    report = client.get(f"/api/plans/{pid}/export.html").text
    assert "<img src=x" not in report and "&lt;img src=x onerror=" in report
    assert "<b onmouseover" not in report and "&lt;b onmouseover=alert(1)&gt;" in report
    assert report.count("<script>") == 1  # the report's own
    page = client.get(f"/plans/{pid}").text
    assert "<script>window.__pwned" not in page and "&lt;script&gt;window.__pwned" in page
    assert 'onerror="window' not in page


def test_reimport_shows_differences_then_applies(client: TestClient) -> None:
    from openpyxl import load_workbook

    plan = upload(client, text=copy_of(SEED_001, "reimport"))
    pid = plan["id"]
    rv = client.post(f"/api/plans/{pid}/align", json={}, headers=H).json()
    book = load_workbook(io.BytesIO(client.get(f"/api/plans/{pid}/export.xlsx").content))
    ws = book["การตัดสินใจ"]
    first_key = rv["blocks"][0]["rows"][0]["section"]["key"]
    edited: dict[str, str] = {}
    for row in ws.iter_rows(min_row=2):
        if row[1].value == first_key and row[2].value == "national":
            alt = next(t["id"] for t in rv["frameworks"][0]["targets"] if t["id"] != row[5].value)
            row[5].value = alt
            edited["national"] = alt
        if row[1].value == first_key and row[2].value == "sdg":
            row[7].value = "ปฏิเสธ"
        if row[1].value == first_key and row[2].value == "nesdp13":
            row[5].value = "NOPE"
    buf = io.BytesIO()
    book.save(buf)
    r = client.post(
        f"/api/plans/{pid}/import", files={"file": ("แก้ไข.xlsx", buf.getvalue())}, headers=H
    )
    assert r.status_code == 200, r.text
    diff = r.json()
    acts = {(c["framework"], c["action"]) for c in diff["changes"]}
    assert acts == {("national", "change"), ("sdg", "reject")}
    assert len(diff["errors"]) == 1 and "NOPE" in diff["errors"][0]["error"]
    # nothing applied yet
    assert client.get(f"/api/plans/{pid}/decisions").json()["history"] == []
    url = f"/api/plans/{pid}/import/{diff['import_id']}/apply"
    r = client.post(url, json={"who": "ผู้นำเข้า"}, headers=H)
    assert r.json() == {"applied": 2, "conflicts": 0}
    cur = {
        (d["section_key"], d["framework"]): d
        for d in client.get(f"/api/plans/{pid}/decisions").json()["current"]
    }
    assert cur[(first_key, "national")]["target_id"] == edited["national"]
    assert cur[(first_key, "sdg")]["action"] == "reject"
    assert client.post(url, json={}, headers=H).status_code == 404  # applied once only
    bad = client.post(
        f"/api/plans/{pid}/import", files={"file": ("x.xlsx", b"not excel")}, headers=H
    )
    assert bad.status_code == 422


def _zip_of(files: dict[str, bytes]) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _workbook(*rows: tuple[Any, ...], sheet: str = "การตัดสินใจ") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_reimport_of_files_that_are_not_this_plans_export(client: TestClient) -> None:
    """Empty, binary, English, another sheet, a changed header, another plan's export:
    each is refused with a Thai message or reported row by row; nothing is stored."""
    from plansearch.web.export import DECISION_HEADERS

    pid = upload(client, text=copy_of(SEED_001, "reimport-bad"))["id"]
    other = upload(client, text=copy_of(SEED_003, "reimport-other"))["id"]
    for p in (pid, other):
        assert client.post(f"/api/plans/{p}/align", json={}, headers=H).status_code == 200
    refused = {
        "empty": b"",
        "binary": bytes(range(256)) * 64,
        "english text": b"plan,strategy\nroads,water\n",
        "a zip that is no workbook": _zip_of({"a.txt": b"hello"}),
        "another sheet": _workbook(("a", "b"), sheet="Sheet1"),
        "header changed": _workbook(("x",) * len(DECISION_HEADERS), ("1",) * len(DECISION_HEADERS)),
    }
    for what, data in refused.items():
        r = client.post(f"/api/plans/{pid}/import", files={"file": ("x.xlsx", data)}, headers=H)
        assert r.status_code == 422, (what, r.status_code, r.text)
        body = r.json()
        assert body["error"] == "InputError", (what, body)
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in body["detail"]), (what, body)
    theirs = client.get(f"/api/plans/{other}/export.xlsx").content
    r = client.post(f"/api/plans/{pid}/import", files={"file": ("x.xlsx", theirs)}, headers=H)
    assert r.status_code == 200, r.text
    diff = r.json()
    assert diff["import_id"] is None and diff["changes"] == [] and diff["conflicts"] == []
    assert diff["errors"] and all("แผนอื่น" in e["error"] for e in diff["errors"])
    assert client.get(f"/api/plans/{pid}/decisions").json()["history"] == []


def test_reupload_keeps_decisions_of_unchanged_sections(client: TestClient) -> None:
    text = copy_of(SEED_001, "reupload")
    plan = upload(client, text=text)
    pid = plan["id"]
    rv = client.post(f"/api/plans/{pid}/align", json={}, headers=H).json()
    keep = rv["blocks"][0]["rows"][0]
    gone = rv["blocks"][1]["rows"][1]
    for row in (keep, gone):
        client.put(
            f"/api/plans/{pid}/decisions",
            json={
                "section_key": row["section"]["key"],
                "framework": "national",
                "action": "accept",
                "target_id": row["cells"]["national"]["suggestions"][0]["target_id"],
            },
            headers=H,
        )
    edited = text.replace(gone["section"]["title"], gone["section"]["title"] + " (ปรับปรุง)", 1)
    assert edited != text
    r = client.put(f"/api/plans/{pid}/source", data={"text": edited}, headers=H)
    assert r.status_code == 200 and r.json()["revision"] == 2
    removed = {s["key"] for s in r.json()["changes"]["removed"]}
    assert gone["section"]["key"] in removed and keep["section"]["key"] not in removed
    # the plan changed: its review is not stored until it is aligned again (a GET never aligns)
    assert client.get(f"/api/plans/{pid}/review").status_code == 409
    assert client.post(f"/api/plans/{pid}/align", json={}, headers=H).status_code == 200
    rv2 = client.get(f"/api/plans/{pid}/review").json()
    assert rv2["blocks"][0]["rows"][0]["cells"]["national"]["decision"] is not None
    assert [d["section_key"] for d in rv2["orphaned_decisions"]] == [gone["section"]["key"]]


# -------------------------------------------------------------- frameworks
def test_frameworks_builtin_and_uploaded(client: TestClient, seed: dict[str, Any]) -> None:
    from openpyxl import Workbook

    names = {f["name"] for f in client.get("/api/frameworks").json()}
    assert {"national", "nesdp13", "sdg", "dla"} <= names
    yaml_file = Path(__file__).parent / "data" / "ref_province.yaml"
    r = client.post(
        "/api/frameworks",
        files={"file": ("จังหวัด.yaml", yaml_file.read_bytes())},
        data={"name": "myprov"},
        headers=H,
    )
    assert r.status_code == 201, r.text
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "title", "text", "parent_id"])
    ws.append(["E1", "พัฒนาการท่องเที่ยวเชิงนิเวศ", "ส่งเสริมการท่องเที่ยวชุมชน", None])
    ws.append(["E1.1", "พัฒนาแหล่งท่องเที่ยว", None, "E1"])
    ws.append(["E2", "พัฒนาโครงสร้างพื้นฐานและระบบน้ำ", None, None])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post(
        "/api/frameworks",
        files={"file": ("own.xlsx", buf.getvalue())},
        data={"name": "own_excel"},
        headers=H,
    )
    assert r.status_code == 201, r.text
    assert r.json()["targets"] == 3
    listed = {f["name"]: f for f in client.get("/api/frameworks").json()}
    assert listed["own_excel"]["targets"] == 2 and not listed["own_excel"]["builtin"]
    pid = seed["plan"]["id"]
    rv = client.post(
        f"/api/plans/{pid}/align", json={"frameworks": ["national", "own_excel"]}, headers=H
    ).json()
    # national brings its master plans along (a column of the linkage block)
    assert [f["name"] for f in rv["frameworks"]] == ["national", "masterplan", "own_excel"]
    # a sheet without a level column is a province's framework: block ง. of the form
    assert rv["frameworks"][2]["letter"] == "ง."
    # restore the default frameworks for the other tests
    client.post(f"/api/plans/{pid}/align", json={}, headers=H)


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("f.yaml", b"", 422),
        ("f.exe", b"MZ....", 415),
        ("f.xlsx", b"not a zip", 415),
        ("f.json", b"{broken", 422),
        ("f.csv", b"id,title\nA1,\n", 422),
        ("national.yaml", b"items:\n  - id: X\n    title: y\n", 422),
    ],
)
def test_bad_framework_uploads(client: TestClient, name: str, data: bytes, status: int) -> None:
    before = len(client.get("/api/frameworks").json())
    r = client.post("/api/frameworks", files={"file": (name, data)}, headers=H)
    assert r.status_code == status, r.text
    assert r.json()["detail"]
    assert len(client.get("/api/frameworks").json()) == before


# ------------------------------------------------------------ across plans
def test_search_and_filters(client: TestClient, seed: dict[str, Any]) -> None:
    r = client.get("/api/search", params={"q": "ถนน", "k": 5})
    hits = r.json()["hits"]
    assert r.status_code == 200 and 0 < len(hits) <= 5
    assert "ถนน" in hits[0]["section"]["title"] + hits[0]["section"]["text"]
    r = client.get("/api/search", params={"q": "ถนน", "province": "ไม่มีจังหวัดนี้"})
    assert r.json()["hits"] == []
    assert client.get("/api/search", params={"q": " "}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "k": 0}).status_code == 422
    assert "ลำปาง" in client.get("/api/facets").json()["province"]


def test_similar_groups_by_org_and_excludes(client: TestClient, seed: dict[str, Any]) -> None:
    upload(client, SEED_003)
    r = client.get("/api/similar", params={"q": "ส่งเสริมอาชีพ", "k": 5})
    groups = r.json()["groups"]
    assert r.status_code == 200 and groups
    orgs = [g["org"] for g in groups]
    assert len(orgs) == len(set(orgs))
    r = client.get(
        "/api/similar",
        params={"q": "ส่งเสริมอาชีพ", "exclude_org": "องค์การบริหารส่วนตำบลบ้านอ้อน"},
    )
    assert "องค์การบริหารส่วนตำบลบ้านอ้อน" not in [g["org"] for g in r.json()["groups"]]


def test_coverage_for_a_province(client: TestClient, seed: dict[str, Any]) -> None:
    r = client.get("/api/coverage", params={"province": "ลำปาง"})
    cov = r.json()
    assert r.status_code == 200 and cov["plans"]
    assert all(p["org"] for p in cov["plans"])
    fws = {f["framework"]: f for f in cov["frameworks"]}
    assert set(fws) == set(seed["review"]["frameworks"][i]["name"] for i in range(5))
    assert len(fws["national"]["targets"]) == 6 and len(fws["sdg"]["targets"]) == 17
    assert len(fws["nesdp13"]["targets"]) == 13 and len(fws["masterplan"]["targets"]) == 23
    supported = [t for t in fws["national"]["targets"] if t["plans"]]
    assert supported and len(fws["national"]["gaps"]) == 6 - len(supported)


def test_pages_render_in_thai_with_csp(client: TestClient, seed: dict[str, Any]) -> None:
    pid = seed["plan"]["id"]
    for url in (
        "/plans",
        f"/plans/{pid}",
        f"/plans/{pid}/review",
        "/frameworks",
        "/search?q=ถนน",
        "/similar?q=ถนน",
        "/coverage",
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        assert '<html lang="th">' in r.text
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert "<script>" not in r.text  # no inline script at all
    assert client.get("/").status_code in (200, 303)
    assert client.get("/static/app.js").status_code == 200


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json()["schema"] == 20  # issue 21's migration


def test_thai_date() -> None:
    assert thai_date("2026-12-01T10:39:04+00:00") == "1 ธ.ค. 2569 17:39 น."
    assert thai_date("2025-12-31T20:00:00+00:00") == "1 ม.ค. 2569 03:00 น."
    assert thai_date(None) == ""


# ------------------------------------------------------------- concurrency
def test_parallel_decisions_and_uploads_lose_nothing(tmp_path: Path) -> None:
    """20 parallel decisions on one plan and 5 parallel uploads, over real HTTP."""
    import httpx

    app = create_app(tmp_path / "ws", embedder="hashing", token=TOKEN)
    with LiveServer(app) as srv, httpx.Client(base_url=srv.url, headers=H, timeout=60) as http:
        r = http.post("/api/plans", data={"text": SEED_001.read_text(encoding="utf-8")})
        pid = r.json()["id"]
        rv = http.post(f"/api/plans/{pid}/align", json={}).json()
        cells = [
            (
                row["section"]["key"],
                f["name"],
                row["cells"][f["name"]]["suggestions"][0]["target_id"],
            )
            for b in rv["blocks"]
            for row in b["rows"]
            for f in rv["frameworks"]
        ][:20]
        assert len(cells) == 20

        def decide(i: int) -> int:
            key, fw, target = cells[i]
            body = {"section_key": key, "framework": fw, "action": "accept", "target_id": target}
            return http.put(
                f"/api/plans/{pid}/decisions", json={**body, "who": f"คนที่ {i}"}
            ).status_code

        def send(i: int) -> int:
            text = SEED_003.read_text(encoding="utf-8") + f"\n\nหมายเหตุ {i}\n"
            return http.post(
                "/api/plans", files={"file": (f"plan{i}.txt", text.encode())}
            ).status_code

        with ThreadPoolExecutor(max_workers=25) as pool:
            dec = [pool.submit(decide, i) for i in range(20)]
            ups = [pool.submit(send, i) for i in range(5)]
            assert [f.result() for f in dec] == [200] * 20
            assert [f.result() for f in ups] == [201] * 5
        cur = http.get(f"/api/plans/{pid}/decisions").json()["current"]
        assert {(d["section_key"], d["framework"]) for d in cur} == {(k, f) for k, f, _ in cells}
        assert {d["who"] for d in cur} == {f"คนที่ {i}" for i in range(20)}
        assert len(http.get("/api/plans").json()) == 6
    app.state.workbench.close()
    # the database on disk holds them too (WAL committed)
    ws = Workspace(tmp_path / "ws")
    assert len(ws.history(pid)) == 20 and len(ws.plans()) == 6
    ws.close()


def test_decisions_feed_the_alignments_learning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workspace's decisions reach ``align(examples=...)``."""
    from plansearch.alignment import pipeline

    seen: list[Any] = []
    real = pipeline.align

    def align(
        local: Any, against: Any = None, *, k: int = 3, examples: Any = None, **kw: Any
    ) -> Any:
        seen.append(examples)
        return real(local, against, k=k, examples=examples, **kw)

    monkeypatch.setattr(pipeline, "align", align)
    app = create_app(tmp_path / "ws", embedder="hashing", token=TOKEN)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        pid = upload(c, SEED_001)["id"]
        url = f"/api/plans/{pid}/align"
        rv = c.post(url, json={"frameworks": ["sdg"]}, headers=H).json()
        assert seen == [None]  # nothing decided yet
        rows = rv["blocks"][0]["rows"]
        good, bad = rows[0], rows[1]
        for row, action in ((good, "accept"), (bad, "reject")):
            body = {
                "section_key": row["section"]["key"],
                "framework": "sdg",
                "action": action,
                "target_id": row["cells"]["sdg"]["suggestions"][0]["target_id"],
            }
            assert c.put(f"/api/plans/{pid}/decisions", json=body, headers=H).status_code == 200
        c.post(url, json={"frameworks": ["sdg"]}, headers=H)
    app.state.workbench.close()
    examples = seen[-1]
    assert {(e.target_id, e.accepted) for e in examples} == {
        (good["cells"]["sdg"]["suggestions"][0]["target_id"], True),
        (bad["cells"]["sdg"]["suggestions"][0]["target_id"], False),
    }
    assert all(e.framework == "sdg" for e in examples)
    assert good["section"]["title"] in {e.text for e in examples}


def test_delete_plan_removes_it_from_the_workspace_and_results(client: TestClient) -> None:
    text = "ยุทธศาสตร์ที่ 1 การพัฒนาด้านการเกษตร\nแนวทางการพัฒนา\n1.1 ส่งเสริมการเลี้ยงผึ้งชันโรงเพื่อผลิตน้ำผึ้งชุมชน\n"
    pid = upload(client, text=text)["id"]

    def found() -> bool:
        hits = client.get("/api/search", params={"q": "ผึ้งชันโรง", "k": 50}).json()["hits"]
        return any("ชันโรง" in h["section"]["title"] for h in hits)

    assert found()
    assert client.delete(f"/api/plans/{pid}").status_code == 403  # needs the token
    assert client.delete(f"/api/plans/{pid}", headers=H).json()["deleted"] is True
    assert client.get(f"/api/plans/{pid}").status_code == 404
    assert not found()
    assert client.delete(f"/api/plans/{pid}", headers=H).status_code == 404


def test_a_section_removed_by_one_upload_and_back_in_the_next_is_found(client: TestClient) -> None:
    head = "ยุทธศาสตร์ที่ 1 การพัฒนาด้านการเกษตร\nแนวทางการพัฒนา\n1.1 พัฒนาแหล่งน้ำเพื่อการเกษตร\n"
    v1 = head + "1.2 ส่งเสริมการปลูกกาแฟอาราบิกาบนพื้นที่สูง\n"

    def found() -> bool:
        hits = client.get("/api/search", params={"q": "กาแฟอาราบิกา", "k": 50}).json()["hits"]
        return any("อาราบิกา" in h["section"]["title"] for h in hits)

    pid = upload(client, text=v1)["id"]
    assert found()
    r = client.put(f"/api/plans/{pid}/source", data={"text": head}, headers=H)
    assert r.status_code == 200 and r.json()["changes"]["removed"]
    assert not found()
    assert client.put(f"/api/plans/{pid}/source", data={"text": v1}, headers=H).status_code == 200
    assert found()
