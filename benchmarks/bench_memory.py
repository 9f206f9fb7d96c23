"""Peak memory of ``parse_plan`` per input byte, on inputs of growing size.

    python benchmarks/bench_memory.py                       # 10 KB … 2 MB, every shape
    python benchmarks/bench_memory.py --sizes 10000,100000 --shapes org-run

Each (shape, size) runs in a fresh Python process (no caches carried over), which
parses one text with :func:`plansearch.parse_plan` under ``tracemalloc`` and reports
the peak of traced Python allocations. ``bytes/byte`` is that peak divided by the
UTF-8 size of the input: it must stay roughly constant as the input grows (linear
memory). A quadratic step shows up as a ratio that doubles with every doubling of
the input.

Shapes:

* ``org-run`` – one organisation name repeated with no spaces
  (``เทศบาลตำบลบ้านอ้อน`` × n), the input that used to need 1.14 GB at 432 KB;
* ``seed`` – the real plans in ``corpus/raw`` concatenated and repeated to size;
* ``headings`` – numbered Thai headings and org mentions, one per line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ("org-run", "seed", "headings")
DEFAULT_SIZES = (10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000)


def make_text(shape: str, size: int) -> str:
    """A text of about ``size`` UTF-8 bytes (cut at a character boundary)."""
    if shape == "org-run":
        unit = "เทศบาลตำบลบ้านอ้อน"
    elif shape == "seed":
        files = sorted((ROOT / "corpus" / "raw").glob("*.txt"))
        unit = "\n".join(f.read_text("utf-8") for f in files) or "ยุทธศาสตร์ที่ ๑ การพัฒนา\n"
    elif shape == "headings":
        unit = (
            "ยุทธศาสตร์ที่ ๑ การพัฒนาโครงสร้างพื้นฐาน\n"
            "๑.๑ ก่อสร้างถนนคอนกรีตเสริมเหล็ก อบต.โขมง จังหวัดจันทบุรี\n"
            "เป้าประสงค์ ประชาชนมีคุณภาพชีวิตที่ดี\n"
        )
    else:
        raise SystemExit(f"unknown shape {shape!r}; choose from {', '.join(SHAPES)}")
    unit_bytes = len(unit.encode("utf-8"))
    text = unit * (size // unit_bytes + 1)
    return text.encode("utf-8")[:size].decode("utf-8", errors="ignore")


def measure_one(shape: str, size: int) -> dict[str, float]:
    """Parse one text in this process; the peak of traced allocations while parsing."""
    import tracemalloc

    from plansearch import parse_plan

    text = make_text(shape, size)
    parse_plan("ยุทธศาสตร์ที่ 1 พัฒนา\nอบต.โขมง จังหวัดจันทบุรี\n")  # import/warm-up
    nbytes = len(text.encode("utf-8"))
    tracemalloc.start()
    t0 = time.perf_counter()
    plan = parse_plan(text, max_bytes=10 * nbytes + 1_000_000)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the input text itself (str, UCS-2 for Thai) is allocated before tracing starts
    return {
        "bytes": nbytes,
        "peak": peak,
        "per_byte": peak / nbytes,
        "seconds": seconds,
        "sections": len(plan.sections),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per measurement")
    ap.add_argument("--one", nargs=2, metavar=("SHAPE", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]))))
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s]
    shapes = [s for s in args.shapes.split(",") if s]
    print(
        f"{'shape':<10} {'input bytes':>12} {'peak bytes':>14} {'bytes/byte':>10} "
        f"{'seconds':>8} {'sections':>8}"
    )
    for shape in shapes:
        for size in sizes:
            cmd = [sys.executable, __file__, "--one", shape, str(size)]
            try:
                res = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=args.timeout, check=False
                )
            except subprocess.TimeoutExpired:
                print(f"{shape:<10} {size:>12} {'timeout':>14}")
                continue
            if res.returncode != 0:
                last = (res.stderr.strip().splitlines() or ["?"])[-1]
                print(f"{shape:<10} {size:>12} {'failed':>14}  {last}")
                continue
            r = json.loads(res.stdout.strip().splitlines()[-1])
            print(
                f"{shape:<10} {int(r['bytes']):>12} {int(r['peak']):>14} "
                f"{r['per_byte']:>10.1f} {r['seconds']:>8.2f} {int(r['sections']):>8}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
