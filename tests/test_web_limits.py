"""Timeouts and limits with real sockets (issue 23, items 4 and 9).

The app is served by the workbench's own server configuration (:mod:`plansearch.web.server`,
uvicorn with the guarded h11 protocol) with short limits, so each test takes seconds:

* clients that trickle their request head, or their body, are dropped after the timeout
  while normal requests go on being answered;
* one client address cannot hold more than its share of connections;
* a client that disconnects during an upload's parse stops its worker;
* pasted text over 1 MB is accepted up to the upload limit; over it, one Thai/English 413.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="pip install -e '.[web]'")
import httpx

from plansearch.web.app import create_app
from plansearch.web.server import ServerLimits, bind, make_config
from plansearch.web.uploads import ReadTimeouts

TOKEN = "limits-token"
H = {"X-Plansearch-Token": TOKEN}
SEED = Path(__file__).parent.parent / "corpus" / "raw" / "001_f258f97c1c2e16fd.txt"


class Served:
    """The app on a free 127.0.0.1 port with the workbench's server configuration."""

    def __init__(self, app: Any, limits: ServerLimits) -> None:
        import uvicorn

        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = make_config(app, host="127.0.0.1", port=self.port, limits=limits)
        config.log_level = "error"
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Served:
        self.thread.start()
        end = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < end and self.thread.is_alive(), "server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    app = create_app(
        tmp_path_factory.mktemp("limits"),
        embedder="hashing",
        token=TOKEN,
        max_upload=40 * 1024 * 1024,
        read_timeouts=ReadTimeouts(idle=1.0, grace=1.5, min_rate=20_000),
    )
    limits = ServerLimits(header_timeout=1.0, keep_alive=1.0, concurrency=400, per_client=300)
    with Served(app, limits) as srv:
        yield srv
    app.state.workbench.close()


def _closed_by_server(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed ``sock`` (None: still open after ``seconds``),
    trickling one header byte every 0.2 s meanwhile."""
    t0 = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - t0 < seconds:
        try:
            sock.sendall(b"a")
            data = sock.recv(4096)
            if data == b"" or b" 408 " in data[:20]:
                return time.monotonic() - t0
        except TimeoutError:
            continue
        except OSError:
            return time.monotonic() - t0
    return None


def _normal_latencies(url: str, seconds: float) -> list[float]:
    out = []
    end = time.monotonic() + seconds
    with httpx.Client(timeout=5) as c:
        while time.monotonic() < end:
            t0 = time.monotonic()
            r = c.get(f"{url}/api/health")
            assert r.status_code == 200
            out.append(time.monotonic() - t0)
            time.sleep(0.05)
    return out


def test_trickling_request_heads_are_dropped_and_others_are_served(served: Served) -> None:
    socks = []
    for _ in range(120):
        s = socket.create_connection(("127.0.0.1", served.port))
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        socks.append(s)
    try:
        latencies: list[float] = []
        t = threading.Thread(target=lambda: latencies.extend(_normal_latencies(served.url, 2.5)))
        t.start()
        dropped = [_closed_by_server(s, 4.0) for s in socks[:10]]
        t.join()
        assert all(d is not None and d < 3.0 for d in dropped), dropped
        for s in socks[10:]:  # the others are gone too, all within the timeout
            s.settimeout(3)
            with contextlib.suppress(OSError):
                assert s.recv(10) == b""
        assert latencies and max(latencies) < 1.0, max(latencies)
    finally:
        for s in socks:
            s.close()


def test_a_trickling_body_gets_408_and_the_connection_closes(served: Served) -> None:
    s = socket.create_connection(("127.0.0.1", served.port))
    head = (
        "POST /api/plans HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-Plansearch-Token: {TOKEN}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
        "Content-Length: 1000000\r\n\r\n"
        '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
    )
    s.sendall(head.encode())
    t0 = time.monotonic()
    s.settimeout(0.3)
    answer = b""
    while time.monotonic() - t0 < 8:
        try:
            s.sendall(b"a")
            chunk = s.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            break
        if not chunk:
            break
        answer += chunk
    s.close()
    elapsed = time.monotonic() - t0
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert "ช้าเกินไป".encode() in answer and b"too slowly" in answer
    assert elapsed < 5, elapsed
    assert httpx.get(f"{served.url}/api/health").status_code == 200


def test_one_client_cannot_hold_every_connection(tmp_path: Path) -> None:
    app = create_app(tmp_path, embedder="hashing", token=TOKEN)
    limits = ServerLimits(header_timeout=1.0, per_client=8)
    try:
        with Served(app, limits) as srv:
            held = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(8)]
            extra = socket.create_connection(("127.0.0.1", srv.port))
            extra.settimeout(2)
            assert extra.recv(10) == b""  # closed at once: over the per-client cap
            extra.close()
            time.sleep(1.5)  # the held ones sent nothing: dropped by the head timeout
            assert httpx.get(f"{srv.url}/api/health", timeout=5).status_code == 200
            for s in held:
                s.close()
    finally:
        app.state.workbench.close()


def _children() -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with contextlib.suppress(OSError):
            out.update(int(p) for p in (task / "children").read_text().split())
    return out


def _is_parse_worker(pid: int) -> bool:
    try:
        return b"plansearch.isolation" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _busy(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return stat[0] == "R"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc")
def test_a_client_that_goes_away_stops_its_parse(served: Served) -> None:
    text = SEED.read_text(encoding="utf-8") * 600  # ~12 MB: seconds of parsing
    body = text.encode()
    s = socket.create_connection(("127.0.0.1", served.port))
    boundary = "b0undary"
    part_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"'
        "\r\nContent-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    head = (
        f"POST /api/plans HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Plansearch-Token: {TOKEN}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(part_head) + len(body) + len(tail)}\r\n\r\n"
    ).encode()
    s.sendall(head + part_head + body + tail)
    worker = None
    end = time.monotonic() + 20
    while worker is None and time.monotonic() < end:
        # a busy parse worker (not a process another test left running, such as a
        # session's Dask workers or a browser)
        busy = [p for p in _children() if _is_parse_worker(p) and _busy(p)]
        worker = busy[0] if busy else None
        time.sleep(0.05)
    assert worker is not None, "no parse worker got busy"
    t0 = time.monotonic()
    s.close()  # the client goes away
    while Path(f"/proc/{worker}").exists() and time.monotonic() - t0 < 5:
        time.sleep(0.05)
    stopped = time.monotonic() - t0
    # the worker was killed (a parse that finished would leave it alive and idle)
    assert not Path(f"/proc/{worker}").exists() and stopped < 2.0, stopped
    # the server goes on: a normal upload works
    r = httpx.post(f"{served.url}/api/plans", data={"text": SEED.read_text("utf-8")}, headers=H)
    assert r.status_code == 201, r.text


def test_pasted_text_over_1_mb_is_accepted_up_to_the_upload_limit(served: Served) -> None:
    text = SEED.read_text(encoding="utf-8")
    big = text * (1_600_000 // len(text.encode()) + 1)  # 1.6 MB pasted
    assert len(big.encode()) > 1024 * 1024
    r = httpx.post(f"{served.url}/api/plans", data={"text": big}, headers=H, timeout=60)
    assert r.status_code == 201, r.text[:300]
    over = "ก" * (15 * 1024 * 1024)  # 45 MB of UTF-8: over the 40 MB limit
    r = httpx.post(f"{served.url}/api/plans", data={"text": over}, headers=H, timeout=60)
    assert r.status_code == 413
    detail = r.json()["detail"]
    assert "ไฟล์ใหญ่เกิน 40 MB" in detail and "40 MB limit" in detail
