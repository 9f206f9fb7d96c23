"""Whole-plan assignment: evidence shared along the plan's own strategy → tactic tree."""

from __future__ import annotations

import numpy as np

from plansearch.alignment.engine import align
from plansearch.alignment.scoring import structure_prior
from plansearch.alignment.settings import AlignSettings
from plansearch.embed.hashing import HashingEmbedder
from plansearch.sections import Plan, Section


def test_a_tactic_inherits_its_strategys_preference() -> None:
    ev = np.array(
        [
            [3.0, 0.0, 0.0],  # strategy: clearly target 0
            [1.0, 1.0, 0.0],  # its tactic: a tie between 0 and 1
            [0.0, 1.0, 1.0],  # an unrelated root item
        ],
        np.float32,
    )
    parent = np.array([-1, 0, -1])
    out = structure_prior(ev, parent, 0.5)
    assert out[1, 0] > out[1, 1]  # the tie is broken towards the strategy's target
    assert np.array_equal(out[2], ev[2])  # no tree neighbours: unchanged
    assert np.array_equal(structure_prior(ev, parent, 0.0), ev)
    # centred: a neighbour's overall level does not move the item
    shifted = ev.copy()
    shifted[0] += 10
    assert np.allclose(structure_prior(shifted, parent, 0.5)[1], out[1])


def test_structure_weight_is_used_by_align_on_a_plan() -> None:
    emb = HashingEmbedder(256)
    s = Section(id="s1", kind="strategy", level="local", title="พัฒนาโครงสร้างพื้นฐาน", text="")
    t = Section(id="t1", kind="tactic", level="local", title="ส่งเสริมอาชีพ", text="", parent_id="s1")
    plan = Plan(org="อบต.ตัวอย่าง", province=None, source=None, sections=(s, t))
    alone = align(plan, "national", embedder=emb)
    shared = align(plan, "national", embedder=emb, settings=AlignSettings(structure_weight=0.5))
    assert alone.items[1].scores_for("national") != shared.items[1].scores_for("national")
    assert shared.settings is not None and shared.settings.structure_weight == 0.5
