"""Service-area profiles and the similar-goal re-ranking that uses them.

The fast path uses the hashing embedder (no semantics), so what these tests check on
it comes from the two lexical signals; the real model is checked under ``model``.
Statements here are hand-written, not taken from the evaluation set.
"""

from __future__ import annotations

import numpy as np
import pytest

from plansearch import PlanIndex, Section, reference
from plansearch.embed.hashing import HashingEmbedder
from plansearch.errors import InputError
from plansearch.frameworks import reference_from_dict
from plansearch.search import similar as similar_mod
from plansearch.search import topics as topics_mod
from plansearch.search.similar import similar_goals
from plansearch.search.topics import TopicProfiler, profiler_for

OBVIOUS = {
    "ขยายเขตระบบประปาหมู่บ้านและซ่อมแซมถังเก็บน้ำ": "SV03",
    "ก่อสร้างถนนคอนกรีตเสริมเหล็กสายบ้านหนองบัวถึงบ้านโนนสูง": "SV01",
    "รณรงค์คัดแยกขยะมูลฝอยและจัดตั้งธนาคารขยะในชุมชน": "SV20",
    "จ่ายเบี้ยยังชีพผู้สูงอายุ คนพิการ และผู้ป่วยเอดส์": "SV13",
    "ติดตั้งไฟฟ้าส่องสว่างและขยายเขตไฟฟ้าสาธารณะ": "SV05",
    "จัดการแข่งขันกีฬาตำบลต้านยาเสพติด และจัดซื้ออุปกรณ์กีฬา": "SV16",
}


@pytest.fixture(scope="module")
def prof(hashing) -> TopicProfiler:
    return TopicProfiler("services", embedder=hashing)


def test_builtin_services_reference_is_the_local_duties():
    ref = reference("services")
    roots = ref.roots()
    assert len(roots) == 26 and all(t.type == "service_area" for t in roots)
    assert ref.level == "local" and "2542" in ref.source
    assert all(t.keywords and len(t.text) > 80 for t in roots)


def test_profiles_are_unit_rows_and_deterministic(prof, hashing):
    texts = list(OBVIOUS)
    a = prof.profile(texts)
    b = prof.profile_vectors(hashing.encode(texts, kind="query"), texts)
    assert a.shape == (len(texts), 26) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    assert (a > 0).all()


def test_lexical_signals_alone_find_the_obvious_service(prof):
    p = prof.profile(list(OBVIOUS))
    assert [prof.top(row).id for row in p] == list(OBVIOUS.values())


def test_same_service_profiles_are_closer_than_different_ones(prof):
    water1, water2, road = prof.profile(
        ["ขยายเขตประปาหมู่บ้านให้ทั่วถึง", "ขุดเจาะบ่อบาดาลเพื่อผลิตน้ำประปา", "ซ่อมแซมถนนลูกรังในหมู่บ้าน"]
    )
    assert water1 @ water2 > water1 @ road + 0.2
    assert prof.shared(water1, water2).id == "SV03"


def test_text_without_any_service_word_gets_a_flat_profile(prof):
    flat, sure = prof.profile(["The quick brown fox jumps over the lazy dog.", *list(OBVIOUS)[:1]])
    # only the (meaningless) hashing vector speaks: no area should look as sure as a
    # statement that names its service
    assert flat.max() < 0.6 * sure.max()
    assert prof.profile([]).shape == (0, 26)


def test_vector_count_must_match(prof, hashing):
    with pytest.raises(ValueError, match="one vector per text"):
        prof.profile_vectors(hashing.encode(["ถนน", "ประปา"]), ["ถนน"])


def test_custom_reference_uses_keywords_of_the_whole_subtree(hashing):
    ref = reference_from_dict(
        {
            "name": "my_topics",
            "level": "province",
            "items": [
                {
                    "id": "A",
                    "title": "ด้านหนึ่ง",
                    "children": [{"id": "A1", "title": "ย่อย", "keywords": ["ลำไย"]}],
                },
                {"id": "B", "title": "ด้านสอง", "keywords": ["ผ้าไหม"]},
            ],
        }
    )
    p = TopicProfiler(ref, embedder=hashing)
    assert [a.id for a in p.areas] == ["A", "B"]
    rows = p.profile(["แปรรูปลำไยอบแห้ง", "ทอผ้าไหมลายโบราณ"])
    assert [p.top(r).id for r in rows] == ["A", "B"]
    one = reference_from_dict({"name": "x", "level": "local", "items": [{"id": "A", "title": "ก"}]})
    with pytest.raises(ValueError, match="at least 2"):
        TopicProfiler(one, embedder=hashing)


def test_profiler_for_caches_builtins_per_embedder(hashing):
    assert profiler_for(hashing) is profiler_for(hashing)
    assert profiler_for(HashingEmbedder(2 * hashing.dimension)) is not profiler_for(hashing)
    # keyed by the embedder's fingerprint, not the object: one model, one profiler
    assert HashingEmbedder(hashing.dimension) is not hashing
    assert profiler_for(HashingEmbedder(hashing.dimension)) is profiler_for(hashing)
    for i in range(topics_mod.CACHED_PROFILERS + 3):
        profiler_for(HashingEmbedder(16 + i))  # distinct fingerprints
    assert len(topics_mod._CACHE) == topics_mod.CACHED_PROFILERS


def test_cached_lexical_evidence_equals_the_batch_computation(prof, hashing):
    texts = [*OBVIOUS, *OBVIOUS]  # second pass comes from the cache
    ev = prof.evidence(hashing.encode(texts), texts)
    # float32 products: the cached and batch paths may sum in another order (BLAS, threads)
    np.testing.assert_allclose(ev[: len(OBVIOUS)], ev[len(OBVIOUS) :], rtol=1e-5, atol=1e-6)
    words, phrases = prof.word_scores(texts), prof.phrase_scores(texts)
    assert (words > 0).any(axis=1).all() and (phrases > 0).any(axis=1).all()


# ------------------------------------------------------------ similar_goals re-ranking
@pytest.fixture(scope="module")
def index(hashing) -> PlanIndex:
    secs = [
        # shares many words with the query, but is about roads
        Section.from_text("ซ่อมแซมถนนในหมู่บ้านให้ทั่วถึงทุกหมู่บ้าน", org="อบต.ก", kind="goal", id="road"),
        # shares few words, but is about piped water
        Section.from_text("จัดหาน้ำสะอาดด้วยระบบประปาผิวดิน", org="อบต.ข", kind="goal", id="water"),
        Section.from_text("ส่งเสริมการแข่งขันกีฬาประจำปี", org="อบต.ค", kind="goal", id="sport"),
        Section.from_text("ขยายเขตประปาหมู่บ้านให้ทั่วถึงทุกหมู่บ้าน", org="อบต.ง", kind="goal", id="own"),
    ]
    return PlanIndex.build(secs, embedder=hashing)


QUERY = "ขยายเขตประปาให้ทั่วถึงทุกหมู่บ้าน"


def test_service_profile_lifts_the_same_service_above_shared_boilerplate(index):
    text_only = similar_goals(index, QUERY, k=3, exclude_org="อบต.ง", topics=None)
    assert text_only.hits[0].section.id == "road"  # words in common win without topics
    assert all(h.topic is None and h.text_score == h.score for h in text_only.hits)
    res = similar_goals(index, QUERY, k=3, exclude_org="อบต.ง")
    assert res.hits[0].section.id == "water"
    top = res.hits[0]
    assert top.topic == reference("services")["SV03"].title
    assert top.topic_score is not None and top.topic_score > res.hits[1].topic_score
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores)
    assert [h.rank for h in res.hits] == [1, 2, 3]
    d = res.to_dict()["groups"][0]["hits"][0]
    assert {"text_score", "topic_score", "topic"} <= d.keys()


@pytest.mark.parametrize(
    "query", ["Improve waste management and recycling", "\x00\x01\xff" * 20, "🚰🚰🚰", "๑๒๓ 123"]
)
def test_no_topic_label_without_a_named_service(index, query):
    res = similar_goals(index, query, k=3)
    assert res.hits and all(h.topic is None for h in res.hits)
    assert all(0.0 <= h.score <= 1.0 for h in res.hits)


def test_oversized_query_is_answered_and_not_cached(index, prof):
    huge = "ขยายเขตประปาหมู่บ้าน " * 2_000  # ~42k characters: a pasted document
    res = similar_goals(index, huge, k=2, exclude_org="อบต.ง")
    assert res.hits[0].section.id == "water"
    before = prof._lexical_row.cache_info().currsize
    prof.profile([huge])
    assert prof._lexical_row.cache_info().currsize == before


def test_named_areas_and_shared_among_them(prof):
    named = prof.named(["ขยายเขตประปาหมู่บ้าน", "hello"])
    assert named[0, 2] and not named[1].any()  # SV03 is the third area
    a, b = prof.profile(["ขยายเขตประปาหมู่บ้าน", "ซ่อมแซมถนนลูกรัง"])
    assert prof.shared(a, b, among=np.zeros(26, bool)) is None
    only_roads = np.zeros(26, bool)
    only_roads[0] = True
    assert prof.shared(a, b, among=only_roads).id == "SV01"


def test_topic_weight_zero_is_the_text_ranking(index, monkeypatch):
    monkeypatch.setattr(similar_mod, "TOPIC_WEIGHT", 0.0)
    res = similar_goals(index, QUERY, k=3, exclude_org="อบต.ง")
    assert res.hits[0].section.id == "road"


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_every_search_mode_reranks_and_keeps_exclusions(index, mode):
    res = similar_goals(index, QUERY, k=5, exclude_org="อบต.ง", mode=mode)
    assert res.hits and all(h.section.org != "อบต.ง" for h in res.hits)
    assert all(0.0 <= h.score <= 1.0 for h in res.hits)


def test_custom_topics_reference(index):
    ref = reference_from_dict(
        {
            "name": "two",
            "level": "local",
            "items": [
                {"id": "W", "title": "น้ำ", "keywords": ["ประปา", "น้ำสะอาด"]},
                {"id": "R", "title": "ทาง", "keywords": ["ถนน"]},
            ],
        }
    )
    res = similar_goals(index, QUERY, k=2, exclude_org="อบต.ง", topics=ref)
    assert res.hits[0].section.id == "water" and res.hits[0].topic == "น้ำ"


def test_search_accepts_a_precomputed_query_vector(index, hashing):
    vec = hashing.encode([QUERY], kind="query")[0]
    a = [h.section.id for h in index.search(QUERY, k=4)]
    b = [h.section.id for h in index.search(QUERY, k=4, vector=vec)]
    assert a == b
    with pytest.raises(InputError, match="dimensions"):
        index.search(QUERY, k=2, vector=np.zeros(3, np.float32))


@pytest.mark.model
def test_real_model_profiles_find_the_obvious_service():
    from plansearch.embed import Embedder

    p = TopicProfiler("services", embedder=Embedder())
    rows = p.profile(list(OBVIOUS))
    assert [p.top(r).id for r in rows] == list(OBVIOUS.values())


# ------------------------------------------------------------- project-type knowledge
def test_a_project_type_phrasing_with_no_area_word_scores_its_area_first(prof, hashing):
    """Phrasings of typical projects (``project_types.json``) that share no word or key
    phrase with any area's description profile to the project type's function."""
    bare = TopicProfiler("services", embedder=hashing, knowledge={})
    phrasings = {
        "ลูกระนาดและกระจกโค้ง": "SV01",  # PT.ROAD_SAFETY
        "สารส้มและคลอรีน": "SV03",  # PT.WATER_SUPPLY
        "ยางพาราและปาล์มน้ำมัน": "SV10",  # PT.CROPS
        "สนามฟุตซอล": "SV16",  # PT.SPORT_FACILITY
        "บำเพ็ญกุศลและเตาเผา": "SV22",  # PT.CREMATORIUM
        "ผักตบชวาและวัชพืช": "SV23",  # PT.RIVER_CONSERVATION
    }
    texts = list(phrasings)
    assert not bare.named(texts).any()  # no area names them without the knowledge
    rows = prof.profile(texts)
    assert [prof.top(r).id for r in rows] == list(phrasings.values())
    named = prof.named(texts)
    assert all(named[i, int(np.argmax(r))] for i, r in enumerate(rows))
    assert set(prof.knowledge) <= {a.id for a in prof.areas} and "SV01" in prof.knowledge


def test_knowledge_adds_words_but_never_takes_one_from_another_area(prof, hashing):
    """A tourism festival's phrasing does not make ``ประเพณี`` (culture, SV15) a tourism
    word; the descriptions embedded for the dense signal are the reference's own."""
    bare = TopicProfiler("services", embedder=hashing, knowledge={})
    for word in ("ประเพณี", "ถนน", "ขยะ"):
        assert np.array_equal(prof.word_scores([word]) > 0, bare.word_scores([word]) > 0)
    assert prof.documents == bare.documents and prof.documents_sha256 == bare.documents_sha256
    custom = TopicProfiler(reference("services"), embedder=hashing)  # an object: no knowledge
    assert custom.knowledge == {} and not custom.named(["ลูกระนาด"]).any()
