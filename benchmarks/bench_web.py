"""Workbench benchmark: warm server latency and alignment time, over real HTTP.

    python benchmarks/bench_web.py [--embedder default|hashing] [--n 60]

Starts the workbench (uvicorn, 127.0.0.1, a temporary workspace) in this process,
uploads the five seed plans from ``corpus/raw`` through ``POST /api/plans`` (they
form the search index), warms it (model load, index build: reported apart), then
times one request at a time from an HTTP client:

* ``GET /api/search`` and ``GET /api/similar`` — p50 / p99 over ``--n`` Thai queries
  (query embedding included; each query is new to the server, no cache hit);
* ``POST /api/plans/{id}/align`` for seed 001 against every built-in framework
  (national + master plans, nesdp13, nesdp12, sdg, dla, services, and the levels the
  plan quotes): cold (first alignment: framework embeddings) and warm (median of 3,
  the server's alignment cache cleared before each).

Prints a table; the aims are p50 ≤ 100 ms for search and similar goals and ≤ 5 s for
a warm alignment.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

import httpx

from plansearch.web.app import create_app

ROOT = Path(__file__).parent.parent
TOKEN = "bench"
TOPICS = (
    "น้ำประปาหมู่บ้าน",
    "ถนนคอนกรีตเสริมเหล็ก",
    "ส่งเสริมอาชีพผู้สูงอายุ",
    "การท่องเที่ยวเชิงนิเวศ",
    "ศูนย์พัฒนาเด็กเล็ก",
    "การจัดการขยะมูลฝอย",
    "ไฟฟ้าส่องสว่างสาธารณะ",
    "ป้องกันและบรรเทาสาธารณภัย",
    "ส่งเสริมสุขภาพและป้องกันโรค",
    "พัฒนาแหล่งน้ำเพื่อการเกษตร",
    "เบี้ยยังชีพผู้พิการ",
    "กีฬาและนันทนาการ",
)
SUFFIXES = ("", "ในชุมชน", "ของตำบล", "อย่างยั่งยืน", "ให้ทั่วถึง")


def queries(n: int) -> list[str]:
    out = [f"{t}{s}" for s in SUFFIXES for t in TOPICS]
    return (out * (n // len(out) + 1))[:n]


def pct(xs: list[float], p: float) -> float:
    ys = sorted(xs)
    return ys[min(len(ys) - 1, round(p / 100 * (len(ys) - 1)))]


def main(argv: list[str] | None = None) -> int:
    from test_web_api import LiveServer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="default", help="default (e5-small) or hashing")
    ap.add_argument("--n", type=int, default=60, help="queries per endpoint")
    a = ap.parse_args(argv)
    emb = None if a.embedder == "default" else a.embedder
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Path(tmp) / "ws", embedder=emb, token=TOKEN)
        wb = app.state.workbench
        rows: list[tuple[str, str]] = []
        with (
            LiveServer(app) as srv,
            httpx.Client(base_url=srv.url, headers={"X-Plansearch-Token": TOKEN}, timeout=600) as c,
        ):
            ids = {}
            t0 = time.perf_counter()
            for f in sorted((ROOT / "corpus" / "raw").glob("*.txt")):
                r = c.post("/api/plans", files={"file": (f.name, f.read_bytes())})
                r.raise_for_status()
                ids[f.name[:3]] = r.json()["id"]
            rows.append(("upload + parse 5 seed plans", f"{time.perf_counter() - t0:.2f} s"))
            t0 = time.perf_counter()
            c.get("/api/search", params={"q": "ทดสอบ"}).raise_for_status()
            rows.append(
                ("first search: model load + index build", f"{time.perf_counter() - t0:.2f} s")
            )
            rows.append(("indexed sections", str(len(wb.search.index))))
            for name, path, key in (
                ("search", "/api/search", "q"),
                ("similar goals", "/api/similar", "q"),
            ):
                lat = []
                for q in queries(a.n):
                    t = time.perf_counter()
                    r = c.get(path, params={key: q, "k": 10})
                    lat.append((time.perf_counter() - t) * 1000)
                    r.raise_for_status()
                rows.append(
                    (
                        f"{name} (n={a.n}) p50 / p99",
                        f"{statistics.median(lat):.1f} / {pct(lat, 99):.1f} ms",
                    )
                )
            from plansearch.frameworks import available_references

            frameworks = available_references()
            pid = ids["001"]
            t = time.perf_counter()
            r = c.post(f"/api/plans/{pid}/align", json={"frameworks": frameworks})
            r.raise_for_status()
            cold = time.perf_counter() - t
            names = [f["name"] for f in r.json()["frameworks"]]
            warm = []
            for _ in range(3):
                wb.aligner.forget(pid)
                t = time.perf_counter()
                c.post(
                    f"/api/plans/{pid}/align", json={"frameworks": frameworks}
                ).raise_for_status()
                warm.append(time.perf_counter() - t)
            items = sum(len(b["rows"]) for b in r.json()["blocks"])
            rows.append(
                (f"align seed 001 ({items} items × {len(names)} frameworks) cold", f"{cold:.2f} s")
            )
            rows.append(("align seed 001, warm (median of 3)", f"{statistics.median(warm):.2f} s"))
            rows.append(("frameworks", " ".join(names)))
            t = time.perf_counter()
            c.get(f"/api/plans/{pid}/export.xlsx").raise_for_status()
            rows.append(("export.xlsx (cached alignment)", f"{time.perf_counter() - t:.2f} s"))
        wb.close()
    print(f"plansearch workbench benchmark — embedder: {a.embedder}")
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
