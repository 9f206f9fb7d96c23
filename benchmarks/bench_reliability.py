"""Reliability of the workbench server under load, slow clients and bombs, over real HTTP.

    python benchmarks/bench_reliability.py [--clients 16] [--seconds 30] [--trickle 300]

Starts ``plansearch serve`` (hashing embedder, a temporary workspace) in its own
process, uploads and aligns the five seed plans, then for ``--seconds``:

* ``--clients`` threads each loop over: the review of a plan (GET), a decision (PUT,
  acknowledged decisions counted), a search (GET) and the health check;
* ``--trickle`` connections from another address (127.0.0.2) send their request head
  one byte every 2 s (slowloris);
* every 5 s a DOCX bomb and an XLSX bomb are uploaded (must be refused with 413).

Then it checks that every acknowledged decision is in the database (nothing lost),
and prints requests per second, errors, latency percentiles, the server's memory at the
start and the end, how fast the trickling connections were dropped, and the bombs'
answers and times. Numbers: ``benchmarks/README.md`` ("Reliability").
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

import bombs
import httpx

ROOT = Path(__file__).parent.parent
SEEDS = sorted((ROOT / "corpus" / "raw").glob("00*.txt"))[:5]
QUERIES = ("น้ำประปาหมู่บ้าน", "ถนนคอนกรีต", "ผู้สูงอายุ", "ขยะมูลฝอย", "แหล่งน้ำเพื่อการเกษตร")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _start(ws: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "plansearch", "serve", "--workspace", str(ws),
         "--port", str(port), "--embedder", "hashing"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(f"{url}/api/health", timeout=2)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _trickler(port: int, stop: threading.Event, dropped: list[float]) -> None:
    # from another address than the normal clients, as an attacker would be
    s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
    s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    t0 = time.monotonic()
    s.settimeout(2.0)
    try:
        while not stop.is_set():
            s.sendall(b"a")
            try:
                if s.recv(64) == b"":
                    break
            except TimeoutError:
                continue
    except OSError:
        pass
    finally:
        if not stop.is_set():
            dropped.append(time.monotonic() - t0)
        s.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--trickle", type=int, default=300)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="plansearch-reliab-"))
    proc, url = _start(tmp / "ws")
    token = (tmp / "ws" / "api-token").read_text().strip()
    h = {"X-Plansearch-Token": token}
    cells: list[tuple[str, str, list[str]]] = []
    with httpx.Client(base_url=url, headers=h, timeout=300) as c:
        plans = []
        for seed in SEEDS:
            r = c.post("/api/plans", files={"file": (seed.name, seed.read_bytes())})
            r.raise_for_status()
            plans.append(r.json()["id"])
        for pid in plans:
            review = c.post(f"/api/plans/{pid}/align", json={"frameworks": ["national"]}).json()
            for block in review["blocks"]:
                for row in block["rows"]:
                    ids = [s["target_id"] for s in row["cells"]["national"]["suggestions"]]
                    cells.append((pid, row["section"]["key"], ids))
    rss_start = _rss_mb(proc.pid)
    stop = threading.Event()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    acknowledged: list[int] = []
    counts = {"requests": 0}

    def client(seed: int) -> None:
        rnd = random.Random(seed)
        with httpx.Client(base_url=url, headers=h, timeout=30) as c:
            while not stop.is_set():
                pid, key, ids = rnd.choice(cells)
                kind = rnd.random()
                t0 = time.monotonic()
                try:
                    if kind < 0.35:
                        r = c.get(f"/api/plans/{pid}/review")
                    elif kind < 0.7:
                        action = rnd.choice(["accept", "reject", "change"])
                        body = {"section_key": key, "framework": "national", "action": action,
                                "target_id": rnd.choice(ids), "who": f"client-{seed}"}  # fmt: skip
                        r = c.put(f"/api/plans/{pid}/decisions", json=body)
                        if r.status_code == 200:
                            with lock:
                                acknowledged.append(int(r.json()["decisions"][0]["id"]))
                    elif kind < 0.9:
                        r = c.get("/api/search", params={"q": rnd.choice(QUERIES), "k": 10})
                    else:
                        r = c.get("/api/health")
                    ok = r.status_code < 400
                    what = f"{r.status_code} {r.request.url.path}"
                except httpx.HTTPError as exc:
                    ok, what = False, f"{type(exc).__name__}"
                with lock:
                    counts["requests"] += 1
                    latencies.append(time.monotonic() - t0)
                    if not ok:
                        errors.append(what)

    bombs_out: list[dict[str, Any]] = []

    def bomber() -> None:
        docx, xlsx = bombs.huge_text_docx(512 << 20), bombs.cells_xlsx(300_000, 16)
        with httpx.Client(base_url=url, headers=h, timeout=60) as c:
            while not stop.wait(5.0):
                for path, name, data in (
                    ("/api/plans", "bomb.docx", docx),
                    ("/api/frameworks", "bomb.xlsx", xlsx),
                ):
                    t0 = time.monotonic()
                    r = c.post(path, files={"file": (name, data)})
                    bombs_out.append({"upload": name, "status": r.status_code,
                                      "seconds": round(time.monotonic() - t0, 3)})  # fmt: skip

    dropped: list[float] = []
    port = int(url.rsplit(":", 1)[1])
    threads = [threading.Thread(target=_trickler, args=(port, stop, dropped), daemon=True)
               for _ in range(args.trickle)]  # fmt: skip
    threads += [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    threads.append(threading.Thread(target=bomber))
    t_start = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(args.seconds)
    stop.set()
    for t in threads:
        t.join(60)
    wall = time.monotonic() - t_start
    rss_end = _rss_mb(proc.pid)
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    db = sqlite3.connect(tmp / "ws" / "workbench.sqlite3")
    stored = {int(r[0]) for r in db.execute("SELECT id FROM decisions")}
    db.close()
    lost = sorted(set(acknowledged) - stored)
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else 0.0

    out = {
        "clients": args.clients,
        "seconds": round(wall, 1),
        "requests": counts["requests"],
        "requests_per_s": round(counts["requests"] / wall, 1),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:10],
        "latency_ms": {"p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99), "max": pct(1.0)},
        "decisions_acknowledged": len(acknowledged),
        "decisions_lost": len(lost),
        "server_rss_mb": {"start": round(rss_start, 1), "end": round(rss_end, 1)},
        "trickling_connections": args.trickle,
        "trickling_dropped": len(dropped),
        "trickling_dropped_after_s": {
            "median": round(statistics.median(dropped), 1) if dropped else None,
            "max": round(max(dropped), 1) if dropped else None,
        },
        "trickling_refused_at_once": sum(d < 1.0 for d in dropped),
        "bombs": {
            "uploaded": len(bombs_out),
            "refused_413": sum(b["status"] == 413 for b in bombs_out),
            "max_seconds": max((b["seconds"] for b in bombs_out), default=None),
        },
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0 if not lost and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
