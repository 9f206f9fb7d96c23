"""Bare targets (titles only) borrow budget programmes by the plan's partition of the
conventional strategy families (:mod:`plansearch.alignment.bare`)."""

from __future__ import annotations

import numpy as np
import pytest

from plansearch import align, reference_from_sections
from plansearch.alignment.bare import family_owners as _family_owners
from plansearch.alignment.bare import family_units as _family_units
from plansearch.alignment.bare import programmes_of
from plansearch.alignment.bare import won_families as _won_families
from plansearch.alignment.prepare import framework_vectors, prepare_space
from plansearch.alignment.scorecard import score_card
from plansearch.frameworks import space_from_reference
from plansearch.frameworks.knowledge import local_programs, programme_texts, strategy_families
from plansearch.sections import Section

CARD = score_card()


def family_owners(space, emb):
    return _family_owners(space, lambda texts, kind: framework_vectors(emb, texts, kind), CARD)


def won_families(space, emb, bare):
    return _won_families(bare, family_owners(space, emb))


def family_programmes(space, emb, bare):
    return programmes_of(won_families(space, emb, bare))


def family_units(space, emb, bare):
    return _family_units(space, bare, family_owners(space, emb))


TITLES = [
    "ด้านโครงสร้างพื้นฐาน",
    "ด้านเศรษฐกิจ",
    "ด้านสังคม",
    "ด้านการบริหารจัดการ",
    "ด้านอื่น ๆ",
]


def _space(titles=TITLES):
    secs = [Section.from_text(t, kind="strategy", id=f"S{i}") for i, t in enumerate(titles, 1)]
    return space_from_reference(reference_from_sections(secs, name="own", level="local"))


def test_every_family_names_real_budget_programmes() -> None:
    fams = strategy_families()
    titles = [p["title"] for p in local_programs()]
    assert len(fams) == 8
    for fam in fams:
        assert fam["programmes"], fam["id"]  # each family names at least one programme
        for j in fam["programmes"]:
            assert titles[j] in fam["text"]
        assert len(set(fam["programmes"])) == len(fam["programmes"])
    # every programme except the central fund is named by some family
    named = {j for fam in fams for j in fam["programmes"]}
    assert named >= set(range(len(titles))) - {titles.index("แผนงานงบกลาง")}


def test_each_family_goes_to_the_target_named_after_it(hashing) -> None:
    fams = strategy_families()
    space = _space([f["title"] for f in fams])  # one bare target per family, same title
    got = family_programmes(space, hashing, range(len(space)))
    assert got == {i: list(f["programmes"]) for i, f in enumerate(fams)}
    # a framework that divides all local work: the eight families are divided between
    # its targets, never shared, "ด้านอื่น ๆ" taking what the others do not name
    titles = ["ด้านโครงสร้างพื้นฐาน", "ด้านเศรษฐกิจ", "ด้านสังคม", "ด้านอื่น ๆ"]
    owners = family_owners(_space(titles), hashing)
    assert None not in owners
    got = family_programmes(_space(titles), hashing, range(4))
    named = {j for f in fams for j in f["programmes"]}
    assert set().union(*got.values()) == named
    # a framework of a few specific strategies divides no family: its titles take only
    # the typical phrasings they name
    few = ["ยุทธศาสตร์การท่องเที่ยวที่ยั่งยืน", "ยุทธศาสตร์การผลิต การแปรรูป และการตลาดของผลไม้เศรษฐกิจ"]
    assert family_owners(_space(few), hashing) == [None] * len(fams)
    units = family_units(_space(few), hashing, [0, 1])
    assert [fams[f]["children"][c]["title"] for f, c in units[0]] == ["การท่องเที่ยว"]
    assert 1 not in units
    assert family_programmes(_space(few), hashing, [0, 1]) == {}


def test_family_partition_data_is_consistent() -> None:
    fams = strategy_families()
    ids = {f["id"] for f in fams}
    for fam in fams:
        for unit in (fam, *fam["children"]):
            words = unit["named_by"]
            assert words and all(isinstance(w, str) and w.strip() for w in words), unit["id"]
        umbrella = fam.get("umbrella")
        if umbrella is not None:
            assert umbrella in ids and umbrella != fam["id"]
            # an umbrella holds its own place: no chains
            assert not next(f for f in fams if f["id"] == umbrella).get("umbrella")


def _owners(titles, emb):
    """family id → index of the target whose bare title won it."""
    fams = strategy_families()
    got = family_programmes(_space(titles), emb, range(len(titles)))
    out = {}
    for fam in fams:
        holders = [i for i, progs in got.items() if set(fam["programmes"]) <= set(progs)]
        assert len(holders) == 1, (fam["id"], got)
        out[fam["id"]] = holders[0]
    return out


def test_a_title_that_names_a_family_wins_it(hashing) -> None:
    owners = _owners(["ด้านอื่น ๆ", "ด้านการพัฒนาสาธารณสุข", "ด้านสังคม", "ด้านเศรษฐกิจ"], hashing)
    assert owners["LF5"] == 1  # named by สาธารณสุข, not left to the umbrella
    assert owners["LF3"] == 2
    assert owners["LF2"] == 3


def test_an_unnamed_family_goes_to_its_umbrella(hashing) -> None:
    # no title names health, education or public safety: they go where plans usually
    # put them, with the social / quality-of-life strategy
    titles = ["ด้านโครงสร้างพื้นฐาน", "ด้านเศรษฐกิจ", "ด้านพัฒนาสังคม", "ด้านอื่น ๆ"]
    owners = _owners(titles, hashing)
    assert owners["LF3"] == owners["LF4"] == owners["LF5"] == owners["LF7"] == 2
    # an education strategy beside it keeps education (and only education) to itself
    owners = _owners([*titles, "ด้านการศึกษาและวัฒนธรรม"], hashing)
    assert owners["LF4"] == 4
    assert owners["LF5"] == owners["LF7"] == 2


def test_a_target_that_won_no_family_keeps_its_closest_programmes(hashing) -> None:
    space = _space(["ด้านท่องเที่ยว", "ด้านผลไม้เศรษฐกิจ"])  # divides nothing: no family won
    fam = prepare_space(space, hashing, CARD)
    won = family_programmes(space, hashing, range(len(space)))
    assert won == {}

    def progs(prep, i):
        return [n.id.split("~")[1] for n in prep.space.nodes if n.root == i and n.type == "program"]

    ids = [p["id"] for p in local_programs()]
    titles = hashing.encode(list(space.target_titles), kind="query")
    sims = titles @ hashing.encode(programme_texts(), kind="passage").T
    for i in range(len(space)):
        closest = [ids[j] for j in np.argsort(-sims[i])[: CARD.programmes_per_bare_target]]
        assert progs(fam, i) == closest
    # a target that won families borrows exactly their programmes
    space = _space()
    fam = prepare_space(space, hashing, CARD)
    won = family_programmes(space, hashing, range(len(space)))
    assert won
    for i, got in won.items():
        assert progs(fam, i) == [ids[j] for j in got]


def test_bare_targets_carry_the_knowledge_of_the_families_they_hold(hashing) -> None:
    space = _space()
    prep = prepare_space(space, hashing, CARD)
    won = won_families(space, hashing, range(len(space)))
    fams = strategy_families()
    for i in range(len(space)):
        mine = [n for n in prep.space.nodes if n.root == i]
        fam_ids = [n.id.split("~")[1] for n in mine if n.type == "strategy_family"]
        assert fam_ids == [fams[f]["id"] for f in won.get(i, [])]
        patterns = [n for n in mine if n.type == "project_pattern"]
        # no title here names a single phrasing, so each family's phrasings go with it
        want = [c["title"] for f in won.get(i, []) for c in fams[f]["children"]]
        assert [n.title for n in patterns] == want
    # "ด้านสังคม" holds health by the umbrella rule: its phrasings come along
    social = TITLES.index("ด้านสังคม")
    assert f"S{social + 1}~LF5" in {n.id for n in prep.space.nodes if n.root == social}


def test_targets_with_text_of_their_own_borrow_nothing(hashing) -> None:
    long = "การพัฒนาโครงสร้างพื้นฐาน ถนน สะพาน ทางระบายน้ำ ไฟฟ้า ประปา และแหล่งน้ำ ให้ได้มาตรฐาน " * 2
    space = _space([long, "ด้านสังคม"])
    prep = prepare_space(space, hashing, CARD)
    assert not [n for n in prep.space.nodes if n.root == 0 and n.type == "program"]
    assert [n for n in prep.space.nodes if n.root == 1 and n.type == "program"]


@pytest.mark.parametrize(
    "titles", [TITLES, ["ด้านท่องเที่ยว", "ด้านผลไม้เศรษฐกิจ"]], ids=["divides", "partial"]
)
def test_align_and_bulk_agree_whether_the_targets_divide_the_work_or_not(hashing, titles) -> None:
    from plansearch.alignment.bulk import align_bulk, prepare_spaces
    from plansearch.alignment.items import item_vectors
    from plansearch.thai import tokenize

    secs = [Section.from_text(t, kind="strategy", id=f"S{i}") for i, t in enumerate(titles, 1)]
    ref = reference_from_sections(secs, name="own", level="local")
    items = ["ก่อสร้างถนนคอนกรีตเสริมเหล็ก", "ส่งเสริมอาชีพเกษตรกร", "ป้องกันโรคไข้เลือดออก"]
    al = align(items, ref, embedder=hashing, k=5)
    prepared = prepare_spaces(ref, hashing, card=CARD)
    q = item_vectors(
        [Section.from_text(t, kind="goal", id=f"i{k}") for k, t in enumerate(items)],
        None,
        hashing,
        CARD,
        CARD.context_weight,
    )
    res = align_bulk(q, prepared, top_k=5, item_tokens=[tokenize(t) for t in items])["own"]
    for i, it in enumerate(al.items):
        assert res.target_ids(i) == [m.target_id for m in it.matches[0]]


def test_a_title_that_names_a_phrasing_takes_it_from_the_family(hashing) -> None:
    fams = strategy_families()
    water = next(
        (f, c)
        for f, fam in enumerate(fams)
        for c, ch in enumerate(fam["children"])
        if "ประปา" in ch["named_by"]
    )
    titles = ["ด้านโครงสร้างพื้นฐาน", "ด้านพัฒนาแหล่งน้ำ", "ด้านสังคม", "ด้านเศรษฐกิจ"]
    units = family_units(_space(titles), hashing, range(4))
    assert water in units[1] and water not in units[0]
    # the rest of the infrastructure family stays with the infrastructure strategy
    infra = water[0]
    assert (infra, None) in units[0]
    assert {c for f, c in units[0] if f == infra and c is not None} == (
        set(range(len(fams[infra]["children"]))) - {water[1]}
    )
    # every unit is held exactly once
    held = [u for us in units.values() for u in us]
    assert len(held) == len(set(held)) == sum(1 + len(f["children"]) for f in fams)
    # when the owner names the phrasing too, it keeps it
    units = family_units(_space(["ด้านโครงสร้างพื้นฐานและประปา", "ด้านแหล่งน้ำ"]), hashing, [0, 1])
    assert water in units[0]


@pytest.mark.parametrize(
    "titles",
    [
        ["Infrastructure", "Economy", "Society"],  # non-Thai
        ["\x00\x01\ufffd", "ด้านอื่น ๆ"],  # control characters and a catch-all
        ["อื่น ๆ"],  # a single catch-all target
        ["ด้านสังคม " * 2000, "ด้านเศรษฐกิจ", "ด้านโครงสร้างพื้นฐาน"],  # an oversized title
    ],
)
def test_partition_on_odd_titles(hashing, titles) -> None:
    space = _space(titles)
    owners = family_owners(space, hashing)
    assert len(owners) == len(strategy_families())
    assert all(o is None or 0 <= o < len(titles) for o in owners)
    prep = prepare_space(space, hashing, CARD)
    assert prep.node_vecs.shape[0] == len(prep.space.nodes)
    assert np.isfinite(prep.node_vecs).all()
    al = align(
        ["ก่อสร้างถนนคอนกรีตเสริมเหล็ก", "Road works"],
        reference_from_sections(
            [Section.from_text(t, kind="strategy", id=f"S{i}") for i, t in enumerate(titles, 1)],
            name="own",
            level="local",
        ),
        embedder=hashing,
        k=1,
    )
    assert all(it.best("own") for it in al.items)
