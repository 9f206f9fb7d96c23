"""Round trips of the generated layout corpus: plans × layouts, each PDF against its text.

    python benchmarks/bench_layouts.py                 # the tuning layouts
    python benchmarks/bench_layouts.py --held-out      # the held-out layouts only
    python benchmarks/bench_layouts.py --layouts lo-plain,lo-table --plans 001,tp

Every plan (``corpus/raw`` seeds and the two test plans with projects) is written in
every layout of ``tests/layouts.py`` (DOCX exported by LibreOffice, or typeset by
fpdf2), cached under ``~/.cache/plansearch/layouts``. Each cell compares
``parse_plan(pdf)`` with ``parse_plan`` of the text the document holds:

* ``str``/``tac``/``prj``/``oth``: strategies, tactics, projects and other sections
  found / in the text;
* ``glued``: items of the text whose title ended up inside another item; ``lost``:
  items found nowhere; ``extra``: items the text does not have; ``par``: items found
  under another parent; ``cut``: items whose title stops short of the text's (their
  paragraph split) or runs on into text the text's item does not hold;
* ``thai``: damaged Thai sequences: decomposed sara am, a mark after a space, Private
  Use Area or control characters (``damage_count``), marks out of Thai spelling order,
  and every run of characters that differs from the text inside a section's shared
  text;
* ``docx``: whether the DOCX itself parses like the text (``-`` for fpdf2 layouts): a
  check of the generator, not of the PDF reader.

Every miss is listed under the table with its reason. ``--out FILE`` also writes the
output to a file.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import layouts as L  # noqa: E402

from plansearch import parse_plan  # noqa: E402
from plansearch.errors import PlanSearchError  # noqa: E402


def _cell(got: int, want: int) -> str:
    return f"{got}/{want}" if got != want else f"{want}"


def run(layouts: list[L.Layout], plans: list[str]) -> tuple[int, int]:
    items = L.samples(layouts, plans)
    t0 = time.perf_counter()
    paths = L.build(items)
    built = time.perf_counter() - t0
    print(f"{len(items)} documents ({built:.1f} s to build or find in {L.CACHE})\n")
    head = (
        f"{'plan':4} {'layout':28} {'str':>7} {'tac':>7} {'prj':>5} {'oth':>7} "
        f"{'glued':>5} {'lost':>4} {'extra':>5} {'par':>3} {'cut':>3} {'thai':>4} {'docx':>4} "
        f"{'s':>5}"
    )
    print(head)
    print("-" * len(head))
    misses: list[tuple[str, str]] = []
    ok = 0
    for s in items:
        want = L.expected(s)
        t = time.perf_counter()
        try:
            got = parse_plan(paths[s.key])
        except PlanSearchError as exc:
            print(f"{s.plan:4} {s.layout.name:28} error: {exc}")
            misses.append((s.key, f"error: {exc}"))
            continue
        dt = time.perf_counter() - t
        score = L.compare(want, got)
        docx = L.docx_of(s)
        docx_ok = "-" if docx is None else ("yes" if L.compare(want, parse_plan(docx)).ok else "NO")
        counts = [_cell(*score.count(k)) for k in ("strategy", "tactic", "project", "other")]
        print(
            f"{s.plan:4} {s.layout.name:28} {counts[0]:>7} {counts[1]:>7} {counts[2]:>5} "
            f"{counts[3]:>7} {len(score.glued):5d} {len(score.lost):4d} {len(score.extra):5d} "
            f"{len(score.parents):3d} {len(score.titles):3d} {len(score.damaged):4d} {docx_ok:>4} "
            f"{dt:5.2f}"
        )
        ok += score.ok
        misses.extend((s.key, m) for m in score.misses())
    print(f"\n{ok} of {len(items)} documents parse exactly like their text")
    if misses:
        print("\nmisses:")
        for key, m in misses:
            print(f"  {key}: {m}")
    return ok, len(items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--held-out", action="store_true", help="run the held-out layouts only")
    ap.add_argument("--layouts", help="comma-separated layout names")
    ap.add_argument("--plans", help="comma-separated plan keys (001, tp, …)")
    ap.add_argument("--out", type=Path, help="also write the output to this file")
    args = ap.parse_args()
    if args.layouts:
        layouts = [L.layout(n) for n in args.layouts.split(",")]
    else:
        layouts = L.held_out() if args.held_out else L.tuning()
    plans = args.plans.split(",") if args.plans else list(L.PLANS)
    buf = io.StringIO()

    class _Tee(io.TextIOBase):
        def write(self, s: str) -> int:
            sys.__stdout__.write(s)
            buf.write(s)
            return len(s)

    with redirect_stdout(_Tee()):  # type: ignore[type-var]
        run(layouts, plans)
    if args.out:
        args.out.write_text(buf.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    main()
