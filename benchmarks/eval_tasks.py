"""Custom-framework tasks built from the seed plans' own structure (issue 9).

Each task re-attaches the tactics of one plan to that plan's strategies, given only the
strategy *titles* with their numbering stripped — the situation of a planner who uploads
their own framework with no descriptions:

* ``seed000`` — อบต.โขมง: every แนวทางการดำเนินงาน → its 6 ยุทธศาสตร์ด้าน…;
* ``seed001`` — อบต.บ้านอ้อน: the 16 กลยุทธ์ → the 5 ประเด็นยุทธศาสตร์;
* ``seed004`` — the Department of Local Administration's strategic plan 2560–2569 as quoted
  by อบต.ท้ายเหมือง: its 37 กลยุทธ์ → its 6 ยุทธศาสตร์;
* ``seed000-policy`` — อบต.โขมง's executive policy (นโยบายการพัฒนาของผู้บริหารท้องถิ่น):
  every sub-policy and policy paragraph → its 6 นโยบายด้าน… (a policy-area framework, the
  shape of a municipality's policy statement).

The gold comes from the documents' layout (a tactic belongs to the heading above it),
read here with a few regular expressions rather than plansearch's parser, so that the
gold does not depend on the code under test; ``--check`` prints the tasks for a reading by
hand. Continuation lines of a wrapped tactic are joined to it.

    python benchmarks/eval_tasks.py [--seeds DIR] [--out PATH] [--check]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpus" / "raw"  # the five seed plans (= ../shared/seeds)
OUT = ROOT / "benchmarks" / "data" / "custom_tasks.jsonl"


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _task(name: str, seed: str, org: str, note: str, tree: list[tuple[str, list[str]]]) -> dict:
    targets = [{"id": f"S{i}", "title": t} for i, (t, _) in enumerate(tree, 1)]
    items = []
    for i, (_, texts) in enumerate(tree, 1):
        for x in texts:
            items.append({"id": f"{name}-{len(items) + 1:03d}", "text": x, "gold": [f"S{i}"]})
    return {
        "task": name,
        "seed": seed,
        "org": org,
        "note": note,
        "targets": targets,
        "items": items,
    }


def seed000(text: str) -> dict:
    """Strategies are '. ยุทธศาสตร์ด้าน…'; tactics the '. ' lines after 'แนวทางการดำเนินงาน'."""
    lines = text.splitlines()
    head = "แนวทางการพัฒนาองค์การบริหารส่วนตำบล"
    start = next(i for i, ln in enumerate(lines) if ln.startswith(head))
    end = next(i for i, ln in enumerate(lines) if i > start and "กรอบยุทธศาสตร์" in ln)
    tree: list[tuple[str, list[str]]] = []
    in_tactics = False
    for ln in lines[start + 1 : end]:
        s = ln.strip()
        if not s:
            continue
        if s.startswith(". ยุทธศาสตร์"):
            tree.append((_fold(s[2:]), []))
            in_tactics = False
        elif s == "แนวทางการดำเนินงาน":
            in_tactics = True
        elif in_tactics and s.startswith(". "):
            tree[-1][1].append(_fold(s[2:]))
        elif in_tactics and tree[-1][1]:
            tree[-1][1][-1] = _fold(tree[-1][1][-1] + " " + s)  # wrapped tactic
    return _task(
        "seed000",
        "000_7c6bce5cff1fe495.txt",
        "อบต.โขมง",
        "แนวทางการดำเนินงาน → ยุทธศาสตร์ (6)",
        tree,
    )


def seed001(text: str) -> dict:
    """'ประเด็นยุทธศาสตร์ที่ N  title' headings, 'N. tactic' lines under 'กลยุทธ์'."""
    tree: list[tuple[str, list[str]]] = []
    for ln in text.splitlines():
        s = ln.strip()
        m = re.match(r"ประเด็นยุทธศาสตร์ที่\s*\d+\s+(.+)", s)
        if m:
            tree.append((_fold(m.group(1)), []))
            continue
        m = re.match(r"\d+\.\s+(.+)", s)
        if m and tree:
            tree[-1][1].append(_fold(m.group(1)))
    return _task(
        "seed001", "001_f258f97c1c2e16fd.txt", "อบต.บ้านอ้อน", "กลยุทธ์ → ประเด็นยุทธศาสตร์ (5)", tree
    )


def seed004(text: str) -> dict:
    """The DLA plan 2560–2569 quoted in section 2.2: 'ยุทธศาสตร์ที่ N title', then
    'เป้าประสงค์ :' (skipped) and 'กลยุทธ์ :' followed by '(N) tactic' lines."""
    lines = [ln.strip() for ln in text.splitlines()]
    # the detailed block starts at the second occurrence of 'ยุทธศาสตร์ที่ ๑ การเสริมสร้าง…'
    firsts = [i for i, s in enumerate(lines) if s.startswith("ยุทธศาสตร์ที่ ๑ การเสริมสร้างการปกครอง")]
    start = firsts[1]
    end = next(i for i, s in enumerate(lines) if i > start and s.startswith("๒.๓ "))
    tree: list[tuple[str, list[str]]] = []
    mode = ""
    for s in lines[start:end]:
        if not s:
            continue
        m = re.match(r"ยุทธศาสตร์ที่\s*[๐-๙0-9]+\s+(.+)", s)
        if m:
            tree.append((_fold(m.group(1)), []))
            mode = ""
        elif s.startswith("เป้าประสงค์"):
            mode = "goal"
        elif s.startswith("กลยุทธ์"):
            mode = "tactic"
        elif mode == "tactic":
            m = re.match(r"\(([๐-๙0-9]+)\)\s*(.+)", s)
            if m:
                tree[-1][1].append(_fold(m.group(2)))
    return _task(
        "seed004",
        "004_a1e98dc7ddb37713.txt",
        "กรมส่งเสริมการปกครองท้องถิ่น (อ้างใน อบต.ท้ายเหมือง)",
        "กลยุทธ์ของแผนยุทธศาสตร์กรมส่งเสริมการปกครองท้องถิ่น → ยุทธศาสตร์ (6)",
        tree,
    )


def seed000_policy(text: str) -> dict:
    """'N. นโยบายด้าน…' headings after '. นโยบายการพัฒนาของผู้บริหารท้องถิ่น' (to the end of
    the file); every other non-empty line under a heading is one policy item of that area
    (numbered 'N.k' sub-policies with their numbering stripped, and plain paragraphs)."""
    lines = [ln.strip() for ln in text.splitlines()]
    start = next(i for i, s in enumerate(lines) if s == ". นโยบายการพัฒนาของผู้บริหารท้องถิ่น")
    tree: list[tuple[str, list[str]]] = []
    for s in lines[start + 1 :]:
        if not s:
            continue
        m = re.match(r"\d+\.\s*(นโยบายด้าน.+)", s)
        if m:
            tree.append((_fold(m.group(1)), []))
        elif tree:
            tree[-1][1].append(_fold(re.sub(r"^\d+\.\d+\s+", "", s)))
    return _task(
        "seed000-policy",
        "000_7c6bce5cff1fe495.txt",
        "อบต.โขมง",
        "นโยบายของผู้บริหาร → นโยบายด้าน (6)",
        tree,
    )


BUILDERS = {"000_7c6bce5cff1fe495.txt": seed000, "001_f258f97c1c2e16fd.txt": seed001,
            "004_a1e98dc7ddb37713.txt": seed004}  # fmt: skip


EXTRA = {"000_7c6bce5cff1fe495.txt": seed000_policy}  # a second task from the same plan


def build(seeds: Path = SEEDS) -> list[dict]:
    tasks = [fn((seeds / name).read_text(encoding="utf-8")) for name, fn in BUILDERS.items()]
    return tasks + [fn((seeds / n).read_text(encoding="utf-8")) for n, fn in EXTRA.items()]


def load(path: Path = OUT) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=Path, default=SEEDS)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="print the tasks for a reading by hand")
    args = ap.parse_args(argv)
    tasks = build(args.seeds)
    with args.out.open("w", encoding="utf-8") as fh:
        for t in tasks:
            fh.write(json.dumps(t, ensure_ascii=False) + "\n")
    for t in tasks:
        print(f"{t['task']}: {len(t['items'])} items → {len(t['targets'])} targets ({t['note']})")
        if args.check:
            for tg in t["targets"]:
                print(f"  {tg['id']} {tg['title']}")
                for it in t["items"]:
                    if it["gold"] == [tg["id"]]:
                        print(f"      {it['id']} {it['text'][:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
