"""The quality benchmark's data and its fast mode (hashing embedder, tiny fixture)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import align_eval  # noqa: E402
import eval_tasks  # noqa: E402
import quality  # noqa: E402

from plansearch import reference  # noqa: E402

FIX = ROOT / "tests" / "data" / "quality"


def test_custom_tasks_file_is_the_seeds_structure() -> None:
    built = eval_tasks.build(ROOT / "corpus" / "raw")
    sizes = {t["task"]: (len(t["items"]), len(t["targets"])) for t in built}
    assert sizes == {
        "seed000": (29, 6),
        "seed001": (16, 5),
        "seed004": (37, 6),
        "seed000-policy": (33, 6),
    }
    assert eval_tasks.load(eval_tasks.OUT) == built  # the committed file is reproducible
    for t in built:  # titles carry no numbering
        assert not any(x["title"][:1].isdigit() or x["title"][:1] in "๑๒๓๔๕๖" for x in t["targets"])


def test_dev_framework_labels_name_real_targets() -> None:
    ids = {
        "masterplan": {t.id for t in reference("national").of_type("master_plan")},
        "nesdp13": {t.id for t in reference("nesdp13").of_type("milestone")},
        "sdg": {t.id for t in reference("sdg").roots()},
    }
    assert len(ids["masterplan"]) == 23 and len(ids["nesdp13"]) == 13 and len(ids["sdg"]) == 17
    rows = align_eval.load_jsonl(ROOT / "benchmarks" / "data" / "dev_frameworks.jsonl")
    assert len(rows) == 148 and len({r["id"] for r in rows}) == 148
    for r in rows:
        for fw, valid in ids.items():
            assert r[fw] and set(r[fw]) <= valid and len(set(r[fw])) == len(r[fw]), r["id"]


def test_embedding_cache_round_trip(tmp_path: Path) -> None:
    from plansearch.embed import Embedder

    inner = Embedder("hashing")
    first = align_eval.CachedEmbedder(inner, tmp_path)
    a = first.encode(["ถนนคอนกรีต", "ประปาหมู่บ้าน"], kind="query")
    first.save()
    second = align_eval.CachedEmbedder(inner, tmp_path)
    b = second.encode(["ประปาหมู่บ้าน", "ถนนคอนกรีต"], kind="query")
    assert (second.hits, second.misses) == (2, 0)
    assert np.allclose(a[::-1], b)
    assert second.encode(["ถนนคอนกรีต"], kind="passage").shape == (1, inner.dimension)
    assert second.misses == 1  # a passage is not a query


def test_fast_mode_writes_every_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = quality.main(
        [
            "--fast",
            "--dev", str(FIX / "dev.jsonl"),
            "--labels", str(FIX / "frameworks.jsonl"),
            "--custom", str(FIX / "custom.jsonl"),
            "--projects", str(FIX / "projects.jsonl"),
            "--formal", str(FIX / "formal.jsonl"),
            "--results", str(tmp_path / "results"),
            "--cache", str(tmp_path / "cache"),
        ]
    )  # fmt: skip
    assert rc == 0
    out = json.loads((tmp_path / "results" / "quality_frameworks_fast.json").read_text("utf-8"))
    tasks = ["dev:national", "dev:masterplan", "dev:nesdp13", "dev:sdg", "custom:fixture"]
    projects = [f"proj:{fw} [{o}]" for fw in ("national", "masterplan", "nesdp13", "sdg", "dla")
                for o in ("seed", "budget-style")]  # fmt: skip
    # a framework no statement of a register is labelled for has no row
    formal = ["formal:th-official:national", "formal:th-official:masterplan",
              "formal:th-official:sdg", "formal:en:national", "formal:en:sdg"]  # fmt: skip
    assert list(out["dev"]) == tasks + projects + formal
    # items of no plan (budget-style names, formal text) have no leave-one-plan-out row
    assert list(out["lopo"]) == tasks + [p for p in projects if p.endswith("[seed]")]
    for split in ("dev", "lopo"):
        for task in out[split]:
            for method in ("plansearch", "e5", "tfidf"):
                r = out[split][task][method]
                assert 0.0 <= r["hit@1"] <= r["hit@3"] <= 1.0
                assert r["hit@1"] <= r["mrr"] <= 1.0
            ps = out[split][task]["plansearch"]
            assert ps["strong_cov"] is not None and 0.0 <= ps["strong_cov"] <= 1.0
            assert ps["strong_cov"] <= ps["partial_cov"] <= 1.0
            assert ps["none_right"] is None or 0.0 <= ps["none_right"] <= 1.0
    assert out["lopo"]["proj:sdg [seed]"]["plansearch"]["n"] == 2
    assert out["dev"]["formal:en:sdg"]["plansearch"]["n"] == 2
    text = (tmp_path / "results" / "quality_frameworks_fast.md").read_text("utf-8")
    assert "| sdg | formal registers | 4 |" in text  # the method line's reliability table
    assert set(out["lopo_strong_threshold"]) == {"900", "901"}
    assert "| dev:sdg | 6 | plansearch |" in capsys.readouterr().out


def test_strong_threshold_fit() -> None:
    rows = [(0.9 - i * 0.05, i < 12) for i in range(16)]  # 12 right, then 4 wrong
    t = align_eval.fit_strong_threshold(rows, 0.85)
    above = [ok for s, ok in rows if s >= t]
    assert sum(above) / len(above) >= 0.85 and len(above) >= 12
    assert align_eval.fit_strong_threshold([(0.5, False)] * 20) == float("inf")


def test_corrections_gain_passes_each_correction_to_align(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each correction reaches ``align(examples=...)``; the items without it get none."""
    import plansearch
    from plansearch.embed import Embedder

    tasks = align_eval.custom_tasks(FIX / "custom.jsonl")
    emb = Embedder("hashing")
    real = plansearch.align

    seen: list[list[Any]] = []

    def fake(local: Any, against: Any, *, examples: Any = None, **kw: Any) -> Any:
        seen.append(list(examples or []))
        return real(local, against, **kw)

    monkeypatch.setattr(plansearch, "align", fake)
    out = align_eval.corrections_gain(tasks, emb, ks=(1,), repeats=2)
    assert out == {}  # 4 items < k + 5: nothing to measure
    tasks[0].items *= 2
    tasks[0].gold *= 2
    out = align_eval.corrections_gain(tasks, emb, ks=(1,), repeats=2)
    assert out is not None and set(out) == {"custom:fixture k=1"}
    assert [len(x) for x in seen] == [0, 1, 0, 1]
    assert all(e.target_id in {"S1", "S2"} and e.framework for x in seen for e in x)
