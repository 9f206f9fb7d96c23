"""GET never writes and never aligns (issue 23, item 5).

Every GET route of the app is called, with real ids, on a workspace holding an aligned
plan and a plan never aligned: the database is byte-for-byte the same afterwards (every
row of every table), no alignment runs, and the review of the plan never aligned is a
clear 409 "not aligned yet" (the page then starts the job by POST).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="pip install -e '.[web]'")
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from plansearch.web.app import create_app

TOKEN = "t"
H = {"X-Plansearch-Token": TOKEN}
SEED = Path(__file__).parent.parent / "corpus" / "raw" / "001_f258f97c1c2e16fd.txt"
OTHER = "ยุทธศาสตร์ที่ 1 การพัฒนาด้านเกษตร\nแนวทางการพัฒนา\n1.1 ส่งเสริมเกษตรอินทรีย์ในชุมชน\n"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    app = create_app(tmp_path_factory.mktemp("ro"), embedder="hashing", token=TOKEN)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        aligned = c.post("/api/plans", files={"file": (SEED.name, SEED.read_bytes())}, headers=H)
        pid = aligned.json()["id"]
        review = c.post(f"/api/plans/{pid}/align", json={}, headers=H).json()
        row = review["blocks"][0]["rows"][0]
        c.put(
            f"/api/plans/{pid}/decisions",
            json={"section_key": row["section"]["key"], "framework": "national",
                  "action": "reject", "target_id": None},
            headers=H,
        )  # fmt: skip
        never = c.post("/api/plans", data={"text": OTHER}, headers=H).json()["id"]
        job = c.post(f"/api/plans/{pid}/align?background=1", json={}, headers=H).json()["job"]
        yield {"client": c, "app": app, "aligned": pid, "never": never, "job": job, "row": row}
    app.state.workbench.close()


def _snapshot(path: str) -> dict[str, str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out = {}
        for t in sorted(tables):
            rows = db.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall()
            out[t] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        db.close()


def _get_urls(ids: dict[str, str]) -> list[str]:
    from plansearch.web.api import router as api_router
    from plansearch.web.pages import router as pages_router

    urls = []
    for route in [*api_router.routes, *pages_router.routes]:
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        path = route.path
        for name, value in ids.items():
            path = path.replace("{" + name + "}", value)
        assert "{" not in path, path
        query = "?q=ถนน" if path in ("/api/search", "/api/similar", "/search", "/similar") else ""
        urls.append(path + query)
    return urls


def test_no_get_changes_the_database_or_aligns(
    setup: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    c, app = setup["client"], setup["app"]
    wb = app.state.workbench
    deadline = time.monotonic() + 60  # the background job of the fixture finishes first
    while c.get(f"/api/jobs/{setup['job']}").json()["state"] not in ("done", "error"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    before = _snapshot(wb.db.path)

    def no_align(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a GET ran an alignment")

    monkeypatch.setattr(wb.aligner, "align", no_align)
    monkeypatch.setattr("plansearch.alignment.pipeline.align", no_align)
    statuses = {}
    for pid in (setup["aligned"], setup["never"]):
        ids = {"plan_id": pid, "job_id": setup["job"]}
        for url in _get_urls(ids):
            statuses[url] = c.get(url).status_code
    assert len(statuses) >= 20
    assert all(code < 500 for code in statuses.values()), statuses
    never = setup["never"]
    assert statuses[f"/api/plans/{never}/review"] == 409
    assert statuses[f"/api/plans/{never}/export.xlsx"] == 409
    assert statuses[f"/api/plans/{setup['aligned']}/review"] == 200
    assert statuses["/api/coverage"] == 200
    assert _snapshot(wb.db.path) == before


def test_not_aligned_yet_is_a_clear_answer(setup: dict[str, Any]) -> None:
    c = setup["client"]
    r = c.get(f"/api/plans/{setup['never']}/review")
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert "ยังไม่ได้เชื่อมโยง" in detail and "POST" in detail and "align" in detail
    cov = c.get("/api/coverage").json()
    assert setup["never"] in cov["not_aligned"] and setup["aligned"] not in cov["not_aligned"]
    assert c.get("/api/plans/p-nope/review").status_code == 404
