"""The synthetic national corpus generator (benchmarks/synthetic_corpus.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import synthetic_corpus as sc

from plansearch import Section
from plansearch.sections import read_jsonl
from plansearch.thai import thai_ratio


def test_deterministic_for_same_seed() -> None:
    a = sc.generate(600, seed=3)
    b = sc.generate(600, seed=3)
    assert [s.to_dict() for s in a] == [s.to_dict() for s in b]


def test_different_seed_differs() -> None:
    a = sc.generate(300, seed=0)
    b = sc.generate(300, seed=1)
    assert [s.text for s in a] != [s.text for s in b]


@pytest.mark.parametrize("n", [0, 1, 7, 501, 1234])
def test_exact_size_and_prefix_stable(n: int) -> None:
    secs = sc.generate(n, seed=0)
    assert len(secs) == n
    bigger = sc.generate(n + 50, seed=0)
    assert [s.id for s in bigger[:n]] == [s.id for s in secs]


def test_negative_size_is_an_error() -> None:
    with pytest.raises(ValueError):
        sc.generate(-1)


def test_valid_thai_sections_with_variety() -> None:
    secs = sc.generate(3000, seed=0)
    assert all(isinstance(s, Section) and s.level == "local" for s in secs)
    assert len({s.id for s in secs}) == len(secs)
    assert all(s.text.strip() and thai_ratio(s.text) > 0.5 for s in secs)
    assert all(s.province in sc.PROVINCES for s in secs)
    orgs = {s.org for s in secs}
    assert len(orgs) >= 6  # 200–500 sections per organisation
    assert all(o.startswith(sc._ORG_PREFIX) for o in orgs)  # type: ignore[union-attr]
    kinds = {s.kind for s in secs}
    assert {"project", "tactic", "goal", "strategy"} <= kinds
    assert any("หมู่ที่" in s.text for s in secs)
    assert len({s.text for s in secs}) > 0.4 * len(secs)
    ids = {s.id for s in secs}
    assert all(s.parent_id is None or s.parent_id in ids for s in secs)


def test_cli_writes_readable_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "national.jsonl"
    assert sc.main(["--n", "250", "--seed", "2", "--out", str(out)]) == 0
    back = read_jsonl(out)
    assert [s.to_dict() for s in back] == [s.to_dict() for s in sc.generate(250, seed=2)]
