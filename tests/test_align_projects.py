"""Concrete local projects and text of other registers (issue 22).

The examples are ``tests/data/align_examples.json``: project names (infrastructure,
festivals, scholarships, a foreign-language teacher) and formal-register statements
(Thai official documents, English report prose), written blind with every acceptable
target. They test the method; nothing is fitted to them.

* every framework's evidence names a sub-item of the suggested target (fast, hashing);
* each project ranks a fitting target first in every built-in framework, and the
  national evidence sits under a fitting master plan (real model);
* formal-register text gets at least "partial" on its right target (real model).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from plansearch import align, reference
from plansearch.alignment.results import Alignment

EXAMPLES = Path(__file__).parent / "data" / "align_examples.json"
FRAMEWORKS = ("national", "masterplan", "nesdp13", "sdg", "dla")


def _examples() -> dict[str, Any]:
    return json.loads(EXAMPLES.read_text("utf-8"))


PROJECTS = _examples()["projects"]
FORMAL = _examples()["formal_register"]


def _subtree_ids(framework: str, target_id: str) -> set[str]:
    ref = reference("national" if framework == "masterplan" else framework)
    return {t.id for t in ref.subtree(target_id)}


def _check_evidence_under_target(al: Alignment) -> None:
    for it in al.items:
        for fw in it.frameworks:
            for m in it.for_framework(fw):
                assert m.evidence.sub_id in _subtree_ids(fw, m.target_id), (
                    it.item.content,
                    fw,
                    m.target_id,
                    m.evidence.sub_id,
                )


def test_evidence_names_a_sub_item_of_the_suggested_target(hashing) -> None:
    texts = [p["text"] for p in PROJECTS] + [f["text"] for f in FORMAL]
    al = align(texts, list(FRAMEWORKS), embedder=hashing, k=4)
    _check_evidence_under_target(al)


# ------------------------------------------------------------------ real model


@cache
def _projects_aligned() -> Alignment:
    return align([p["text"] for p in PROJECTS], list(FRAMEWORKS), k=3)


@cache
def _formal_aligned() -> Alignment:
    return align([f["text"] for f in FORMAL], ["national", "sdg"], k=3)


@pytest.mark.model
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("project", PROJECTS, ids=[p["id"] for p in PROJECTS])
def test_a_project_ranks_a_fitting_target_first(project: dict, framework: str) -> None:
    al = _projects_aligned()
    item = al.items[PROJECTS.index(project)]
    best = item.best(framework)
    assert best is not None
    assert best.target_id in project["targets"][framework], (
        f"{project['id']} → {framework}: {[m.target_id for m in item.for_framework(framework)]}"
    )


@pytest.mark.model
def test_real_model_evidence_names_a_sub_item_of_the_suggested_target() -> None:
    _check_evidence_under_target(_projects_aligned())
    _check_evidence_under_target(_formal_aligned())


@pytest.mark.model
@pytest.mark.parametrize(
    "project",
    [p for p in PROJECTS if p["kind"] == "infrastructure"],
    ids=[p["id"] for p in PROJECTS if p["kind"] == "infrastructure"],
)
def test_national_evidence_of_infrastructure_sits_under_a_fitting_master_plan(
    project: dict,
) -> None:
    """The sub-item quoted for "infrastructure → NS2" supports the claim: when it lies
    under a master plan, that master plan is one the project fits (not, e.g., a research
    sub-plan of the same strategy); a sub-strategy of the national strategy itself (NS2.4
    infrastructure) also names the claim."""
    item = _projects_aligned().items[PROJECTS.index(project)]
    m = item.best("national")
    assert m is not None and m.target_id in project["targets"]["national"]
    under = [mp.id for mp in reference("national").of_type("master_plan")
             if m.evidence.sub_id in _subtree_ids("masterplan", mp.id)]  # fmt: skip
    assert all(mp in project["targets"]["masterplan"] for mp in under), (
        project["id"],
        m.evidence.sub_id,
        m.evidence.sub_title,
    )


#: Formal items measured to miss, each with its reason (strict: the test fails as soon
#: as one passes, so the list cannot go stale).
KNOWN_FORMAL_MISSES = {
    ("en-school", "national"): "the share is split between its two right targets (NS3 0.58, "
    "NS4 0.24: 0.82 together), below the 0.60 cut for NS3 alone (measured 2026-12-06)",
}


def _formal_cases() -> list[object]:
    cases = []
    for f in FORMAL:
        for framework in ("national", "sdg"):
            reason = KNOWN_FORMAL_MISSES.get((f["id"], framework))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(f, framework, marks=marks, id=f"{f['id']}-{framework}"))
    return cases


@pytest.mark.model
@pytest.mark.parametrize(("statement", "framework"), _formal_cases())
def test_formal_register_text_gets_at_least_partial_on_its_right_target(
    statement: dict, framework: str
) -> None:
    al = _formal_aligned()
    item = al.items[FORMAL.index(statement)]
    right = [
        m for m in item.for_framework(framework) if m.target_id in statement["targets"][framework]
    ]
    assert right, f"{statement['id']}: no right target in the top 3 of {framework}"
    assert right[0].strength in ("strong", "partial"), (
        statement["id"],
        framework,
        [(m.target_id, m.strength, m.share) for m in item.for_framework(framework)],
    )
