"""Thai BM25: PyThaiNLP segmentation (never regex/whitespace), Okapi scores, masks, persistence."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from plansearch import thai
from plansearch.search import bm25 as terms  # terms, idf and weights
from plansearch.search.bm25 import K1, B
from plansearch.search.lexical import BM25Index

DOCS = [
    "ก่อสร้างถนนคอนกรีตเสริมเหล็กหมู่ที่๓",
    "ขยายเขตน้ำประปาหมู่บ้านและซ่อมแซมถนนลูกรัง",
    "จัดเก็บขยะมูลฝอยในชุมชน",
    "ส่งเสริมอาชีพผู้สูงอายุ",
]


def test_finds_word_inside_unspaced_thai():
    bm25 = BM25Index()
    bm25.add(DOCS)
    # "ถนน" never stands alone: whitespace or regex word tokenizers cannot find it
    assert all("ถนน" not in d.split() for d in DOCS)
    assert all("ถนน" not in re.findall(r"\w+", d) for d in DOCS)
    ids, scores = bm25.search("ถนน", k=10)
    assert sorted(ids.tolist()) == [0, 1]
    assert (scores > 0).all()
    ids, _ = bm25.search("ประปา", k=10)
    assert ids.tolist() == [1]
    ids, _ = bm25.search("ขยะ", k=10)
    assert ids.tolist() == [2]


def test_compound_words_are_also_indexed_as_parts():
    assert terms.compound_parts("ถนนลูกรัง") == ("ถนน", "ลูกรัง")
    assert terms.compound_parts("น้ำประปา") == ("น้ำ", "ประปา")
    assert terms.compound_parts("ไฟฟ้า") == ()  # too short to split
    assert terms.tokenize("ซ่อมแซมถนนลูกรัง")[-3:] == ["ถนนลูกรัง", "ถนน", "ลูกรัง"]


def test_tokenisation_goes_through_pythainlp_newmm(monkeypatch):
    import pythainlp.tokenize

    real = pythainlp.tokenize.word_tokenize
    calls: list[tuple[str, str]] = []

    def spy(text, *args, **kwargs):
        calls.append((text, kwargs.get("engine")))
        return real(text, *args, **kwargs)

    thai._segment.cache_clear()
    monkeypatch.setattr(pythainlp.tokenize, "word_tokenize", spy)
    bm25 = BM25Index()
    bm25.add(["ปรับปรุงภูมิทัศน์สวนสาธารณะประจำตำบล"])
    bm25.search("สวนสาธารณะ", k=1)
    assert calls and all(engine == "newmm" for _, engine in calls)
    assert len(calls) == 2  # one document, one query

    def broken(*args, **kwargs):
        raise RuntimeError("segmenter unavailable")

    thai._segment.cache_clear()
    monkeypatch.setattr(pythainlp.tokenize, "word_tokenize", broken)
    with pytest.raises(RuntimeError, match="segmenter"):
        BM25Index().add(["ทดสอบว่าไม่มีตัวตัดคำสำรองแบบนิพจน์ปกติ"])
    thai._segment.cache_clear()


def test_okapi_scores_match_formula():
    bm25 = BM25Index()
    bm25.add(DOCS)
    toks = [terms.tokenize(d) for d in DOCS]
    n = len(DOCS)
    avgdl = sum(map(len, toks)) / n
    q = "ถนนคอนกรีต"
    q_terms = set(terms.tokenize(q))
    expected = []
    for t in toks:
        s = 0.0
        for term in q_terms:
            tf = t.count(term)
            if not tf:
                continue
            df = sum(term in u for u in toks)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            s += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(t) / avgdl))
        expected.append(s)
    ids, scores = bm25.search(q, k=n)
    got = dict(zip(ids.tolist(), scores.tolist(), strict=True))
    for i, e in enumerate(expected):
        assert got.get(i, 0.0) == pytest.approx(e, rel=1e-5)
    assert ids[0] == 0  # the document with both words ranks first


def test_mask_applies_before_top_k():
    bm25 = BM25Index()
    bm25.add(DOCS * 3)  # rows 0..11
    mask = np.zeros(12, dtype=bool)
    mask[[1, 5, 10]] = True
    top, _ = bm25.search("ถนน", k=2)
    assert not mask[top].any()  # filtering the unfiltered top-2 afterwards would leave nothing
    ids, _ = bm25.search("ถนน", k=2, mask=mask)
    assert sorted(ids.tolist()) == [1, 5]


def test_empty_and_unknown():
    bm25 = BM25Index()
    assert bm25.search("ถนน", k=3)[0].size == 0
    bm25.add(DOCS)
    assert bm25.search("ดาวเทียม", k=3)[0].size == 0
    assert bm25.search("และ", k=3)[0].size == 0  # stopword only


def test_replace_and_incremental_equal_full():
    a = BM25Index()
    a.add(DOCS[:2])
    a.add(DOCS[2:])
    full = BM25Index()
    full.add(DOCS)
    for q in ("ถนน", "ขยะมูลฝอย", "ผู้สูงอายุ"):
        ia, sa = a.search(q, k=4)
        ib, sb = full.search(q, k=4)
        assert ia.tolist() == ib.tolist()
        np.testing.assert_allclose(sa, sb, rtol=1e-6)
    a.replace([0], ["ติดตั้งไฟฟ้าส่องสว่าง"])
    assert a.search("ถนน", k=4)[0].tolist() == [1]
    assert a.search("ไฟฟ้า", k=4)[0].tolist() == [0]


def test_save_load_roundtrip(tmp_path):
    bm25 = BM25Index(k1=1.2, b=0.6)
    bm25.add(DOCS)
    names = bm25.save(tmp_path)
    assert sorted(names) == ["lexical.npz", "vocab.json"]
    again = BM25Index.load(tmp_path)
    assert (again.k1, again.b) == (1.2, 0.6)
    for q in ("ถนน", "น้ำประปา"):
        np.testing.assert_array_equal(again.search(q, k=4)[0], bm25.search(q, k=4)[0])
    (tmp_path / "vocab.json").write_text('["x"]', encoding="utf-8")
    from plansearch import IndexCorruptedError

    with pytest.raises(IndexCorruptedError, match="rebuild"):
        BM25Index.load(tmp_path)


# ------------------------------------------------------- the one BM25 / IDF module
def _old_bm25_idf(df: int, n: int) -> float:
    """BM25 idf as the alignment's ``Vocabulary`` computed it before (``math.log``)."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def test_vocabulary_gives_the_alignments_idf_and_matrix():
    """``search.bm25.Vocabulary`` is what the alignment's lexical coverage reads: sorted
    term ids, BM25 idf in float32 (within 1e-6 of before) and a binary matrix."""
    from plansearch.alignment import lexical
    from plansearch.frameworks import reference

    assert lexical.Vocabulary is terms.Vocabulary  # one implementation

    for name in ("national", "nesdp13", "services"):
        docs = [thai.tokenize(t.content) for t in reference(name).items]
        v = terms.Vocabulary(docs)
        assert list(v.index) == sorted(v.index) and list(v.index.values()) == list(range(len(v)))
        n = len(docs)
        df = terms.document_frequencies(docs)
        want = np.array([_old_bm25_idf(df[t], n) for t in v.index], dtype=np.float32)
        assert v.idf.dtype == np.float32
        np.testing.assert_allclose(v.idf, want, rtol=0, atol=1e-6)
        probe = [thai.tokenize(d) for d in DOCS]
        m = v.matrix(probe)
        assert m.dtype == np.float32 and m.max() <= 1
        for i, d in enumerate(probe):  # binary: the document's known terms, once each
            assert set(m[i].indices) == {v.index[t] for t in d if t in v.index}


def test_idf_weightings_keep_each_callers_formula():
    n = 26
    for df in (1, 2, 5, 26):
        # BM25 (lexical search, Milvus, the alignment): ≥ 0 even when every document has it
        assert float(terms.bm25_idf(df, n)) == pytest.approx(_old_bm25_idf(df, n), abs=1e-12)
        assert float(terms.bm25_idf(np.float32(df), n)) >= 0
        # plain (service-area profiles): log(1 + n/df), df below 1 counted as 1
        assert float(terms.plain_idf(df, n)) == pytest.approx(math.log(1 + n / df), abs=1e-12)
    assert float(terms.plain_idf(0, n)) == pytest.approx(math.log(1 + n), abs=1e-12)
    assert terms.bm25_idf(np.array([1, 2], dtype=np.float32), 10).dtype == np.float32


def test_term_weight_inverts_to_the_count():
    for tf in (1, 2, 3, 7, 40):
        for dl, avgdl in ((5, 12.0), (12, 12.0), (90, 12.0)):
            norm = terms.bm25_norm(dl, avgdl)
            w = terms.bm25_weight(tf, norm)
            assert terms.tf_from_weight(w, norm) == tf
            assert terms.bm25_weight(tf, norm, idf=2.0) == pytest.approx(2.0 * w)
