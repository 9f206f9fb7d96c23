"""Bounded, isolated parsing seen from outside the server (issue 23, items 1 and 2).

``plansearch serve`` runs in its own process, as in an office; the test measures it
through ``/proc``:

* a DOCX bomb (plan upload) and an XLSX bomb (framework upload, Excel re-import) are
  refused with one Thai/English 413 within 2 s, costing the server and its parse worker
  together less than 100 MB more peak memory;
* while a bomb is being refused, and while a legitimate 19 MB YAML framework is read,
  the server answers a health check within 1 s (the event loop never parses);
* the server is still well afterwards.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bombs
import pytest

pytest.importorskip("fastapi", reason="pip install -e '.[web]'")
import httpx

ROOT = Path(__file__).parent.parent
SEED = ROOT / "corpus" / "raw" / "001_f258f97c1c2e16fd.txt"
MB = 1 << 20


def _children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                out += [int(p) for p in (task / "children").read_text().split()]
    return out


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler:
    """Samples the server's and its workers' resident memory, and the health check's
    latency, on two threads while a request runs."""

    def __init__(self, pid: int, url: str) -> None:
        self.pid, self.url = pid, url
        self.peak_kb = 0
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._memory, daemon=True),
            threading.Thread(target=self._health, daemon=True),
        ]

    def total_kb(self) -> int:
        return sum(_status_kb(p, "VmRSS") for p in [self.pid, *_children(self.pid)])

    def _memory(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self.total_kb())
            time.sleep(0.005)

    def _health(self) -> None:
        with httpx.Client(timeout=10) as c:
            while not self._stop.is_set():
                t0 = time.monotonic()
                c.get(f"{self.url}/api/health").raise_for_status()
                self.latencies.append(time.monotonic() - t0)
                time.sleep(0.05)

    def __enter__(self) -> Sampler:
        for t in self._threads:
            t.start()
        time.sleep(0.2)
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.1)
        self._stop.set()
        for t in self._threads:
            t.join(15)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    ws = tmp_path_factory.mktemp("bombs") / "ws"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "plansearch", "serve", "--workspace", str(ws), "--port",
         str(port), "--embedder", "hashing"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited"
        assert time.monotonic() < end, "server did not start"
        try:
            httpx.get(f"{url}/api/health", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    token = (ws / "api-token").read_text().strip()
    headers = {"X-Plansearch-Token": token}
    # warm: the parse worker has read one ordinary plan, and one is aligned for imports
    with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
        r = c.post("/api/plans", files={"file": ("plan.docx", bombs.plain_docx())})
        assert r.status_code == 201, r.text
        pid = c.post("/api/plans", files={"file": (SEED.name, SEED.read_bytes())}).json()["id"]
        assert c.post(f"/api/plans/{pid}/align", json={}).status_code == 200
    yield {"proc": proc, "url": url, "headers": headers, "plan": pid}
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _upload(server: dict[str, Any], path: str, files: dict[str, Any], **kw: Any) -> Any:
    pid = server["proc"].pid
    time.sleep(0.3)
    with Sampler(pid, server["url"]) as sampler:
        base_kb = sampler.total_kb()
        t0 = time.monotonic()
        r = httpx.post(
            server["url"] + path, files=files, headers=server["headers"], timeout=300, **kw
        )
        seconds = time.monotonic() - t0
    extra_mb = (sampler.peak_kb - base_kb) / 1024
    return r, seconds, extra_mb, max(sampler.latencies)


def _cells() -> bytes:
    return bombs.cells_xlsx(300_000, 16)  # 4.8 million cells in 0.3 MB


CASES = {
    "docx_huge_text": ("/api/plans", "bomb.docx", lambda: bombs.huge_text_docx(512 * MB)),
    "docx_many_elements": ("/api/plans", "bomb.docx", lambda: bombs.many_elements_docx()),
    "xlsx_framework": ("/api/frameworks", "bomb.xlsx", lambda: bombs.cells_xlsx(300_000, 16)),
    "xlsx_reimport": (
        "/api/plans/{plan}/import",
        "bomb.xlsx",
        lambda: bombs.cells_xlsx(300_000, 16),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bomb_is_refused_fast_cheaply_and_the_server_keeps_answering(
    server: dict[str, Any], case: str
) -> None:
    path, name, make = CASES[case]
    data = make()
    r, seconds, extra_mb, worst = _upload(
        server, path.format(plan=server["plan"]), {"file": (name, data)}
    )
    print(f"{case}: {len(data) / MB:.1f} MB upload, {r.status_code} in {seconds:.2f} s, "
          f"+{extra_mb:.1f} MB peak RSS, health worst {worst * 1000:.0f} ms")  # fmt: skip
    assert r.status_code == 413, r.text[:300]
    detail = r.json()["detail"]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in detail) and " / " in detail, detail
    assert seconds < 2.0, seconds
    assert extra_mb < 100, extra_mb
    assert worst < 1.0, worst
    assert httpx.get(server["url"] + "/api/plans", timeout=5).status_code == 200


def _big_yaml(size: int) -> bytes:
    out = io.BytesIO()
    out.write("name: big\ntitle: กรอบยุทธศาสตร์จังหวัดขนาดใหญ่\nlevel: province\nitems:\n".encode())
    i = 0
    while out.tell() < size:
        i += 1
        out.write(
            (
                f"  - id: P{i}\n    title: ยุทธศาสตร์ที่ {i} การพัฒนาเศรษฐกิจฐานรากและการท่องเที่ยว\n"
                "    text: ส่งเสริมอาชีพ รายได้ และคุณภาพชีวิตของประชาชนในพื้นที่ ด้วยการพัฒนา"
                f"โครงสร้างพื้นฐาน แหล่งน้ำ และการตลาดของผลิตภัณฑ์ชุมชน ลำดับ {i}\n"
            ).encode()
        )
    return out.getvalue()


@pytest.mark.slow
def test_a_19_mb_framework_does_not_stop_the_server(server: dict[str, Any]) -> None:
    data = _big_yaml(19 * MB)
    assert 18 * MB < len(data) < 20 * MB
    r, seconds, extra_mb, worst = _upload(
        server, "/api/frameworks", {"file": ("big.yaml", data)}, data={"name": "big"}
    )
    print(f"19 MB YAML: {r.status_code} in {seconds:.1f} s, +{extra_mb:.0f} MB peak RSS, "
          f"health worst {worst * 1000:.0f} ms")  # fmt: skip
    assert r.status_code == 201, r.text[:300]
    assert r.json()["targets"] > 20_000
    assert worst < 1.0, worst


def test_the_framework_reader_refuses_an_xlsx_bomb_for_the_cli_too() -> None:
    """``read_reference`` (uploads and ``--reference FILE`` alike) checks the archive."""
    from plansearch.errors import UnsafeDocumentError
    from plansearch.frameworks import read_reference

    t0 = time.monotonic()
    with pytest.raises(UnsafeDocumentError):
        read_reference(bombs.cells_xlsx(300_000, 16), "own.xlsx", level="province")
    assert time.monotonic() - t0 < 2.0


def test_formula_like_text_in_the_decisions_sheet_keeps_the_quote_prefix(tmp_path: Path) -> None:
    """Reviewer names and other text starting with = + - @ stay text in Excel."""
    from fastapi.testclient import TestClient
    from openpyxl import load_workbook

    from plansearch.web.app import create_app

    app = create_app(tmp_path, embedder="hashing", token="t")
    h = {"X-Plansearch-Token": "t"}
    try:
        with TestClient(app, base_url="http://127.0.0.1") as c:
            pid = c.post("/api/plans", files={"file": (SEED.name, SEED.read_bytes())}, headers=h)
            pid = pid.json()["id"]
            review = c.post(f"/api/plans/{pid}/align", json={}, headers=h).json()
            for i, row in enumerate(review["blocks"][0]["rows"][:3]):
                c.put(
                    f"/api/plans/{pid}/decisions",
                    json={"section_key": row["section"]["key"], "framework": "national",
                          "action": "reject", "who": ["=HYPERLINK(1)", "+1", "@x"][i]},
                    headers=h,
                )  # fmt: skip
            data = c.get(f"/api/plans/{pid}/export.xlsx").content
    finally:
        app.state.workbench.close()
    book = load_workbook(io.BytesIO(data))
    risky = 0
    for ws in book.worksheets:
        for line in ws.iter_rows():
            for cell in line:
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                    risky += 1
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.value)
    assert risky >= 3
