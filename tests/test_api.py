"""The public API: short, lazy (no heavy imports or side effects), documented."""

from __future__ import annotations

import subprocess
import sys

import pytest

import plansearch

PUBLIC = [
    "parse_plan",
    "load_corpus",
    "Section",
    "Plan",
    "Embedder",
    "PlanIndex",
    "Hit",
    "align",
    "Alignment",
    "similar_goals",
    "reference",
    "load_reference",
]


def test_import_is_cheap_and_side_effect_free(tmp_path):
    code = (
        "import sys, plansearch; heavy = [m for m in ('torch', 'faiss', 'pythainlp', "
        "'sentence_transformers') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == []


def test_public_names_resolve_and_have_docstrings():
    for name in PUBLIC:
        obj = getattr(plansearch, name)
        assert obj.__doc__, name
        assert name in dir(plansearch)
    assert callable(plansearch.align) and callable(plansearch.similar_goals)


def test_unknown_attribute_is_a_clear_error():
    try:
        plansearch.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


# ---------------------------------------------------------------- the pinned public API

#: Names users receive or pass (results included), all importable from ``plansearch``.
RESULT_TYPES = [
    "Hit",
    "Alignment",
    "ItemAlignment",
    "Match",
    "Evidence",
    "Thresholds",
    "FrameworkInfo",
    "TargetCoverage",
    "LinkageRow",
    "LinkageCell",
    "NearDuplicate",
    "SimilarGoals",
    "SimilarHit",
    "OrgGroup",
    "CorpusResult",
    "Reference",
    "Target",
    "BaseEmbedder",
]


def test_result_types_are_exported_with_docstrings():
    for name in RESULT_TYPES + PUBLIC:
        assert name in plansearch.__all__, name
        obj = getattr(plansearch, name)
        assert isinstance(obj, type) or callable(obj), name
        assert obj.__doc__ and obj.__doc__.strip(), name
    for name in plansearch.__all__:  # every exported name resolves
        getattr(plansearch, name)


#: errors a document reader raises, importable from ``plansearch`` like the others
DOCUMENT_ERRORS = [
    "EmptyDocumentError",
    "BinaryFileError",
    "EncodingError",
    "DocumentTooLargeError",
    "UnsupportedFormatError",
    "EncryptedDocumentError",
    "ScannedDocumentError",
    "DamagedDocumentError",
]


def test_document_errors_are_exported_input_errors():
    import plansearch.errors as errors

    for name in DOCUMENT_ERRORS:
        assert name in plansearch.__all__ and name in dir(plansearch), name
        cls = getattr(plansearch, name)
        assert cls is getattr(errors, name)
        assert issubclass(cls, plansearch.InputError) and cls.__doc__, name
    assert issubclass(plansearch.ScannedDocumentError, plansearch.EmptyDocumentError)


def _entry_points():
    return {
        "parse_plan": plansearch.parse_plan,
        "load_corpus": plansearch.load_corpus,
        "align": plansearch.align,
        "similar_goals": plansearch.similar_goals,
        "PlanIndex.search": plansearch.PlanIndex.search,
        "load_reference": plansearch.load_reference,
        "reference_from_sections": plansearch.reference_from_sections,
        "Embedder": plansearch.Embedder.__init__,
    }


def test_entry_points_take_optional_settings_by_keyword_only():
    import inspect

    # the one or two things a call is about may be positional; every option is keyword-only
    positional_ok = {"against", "query", "index", "local", "source", "path", "sections", "model"}
    for where, fn in _entry_points().items():
        for p in inspect.signature(fn).parameters.values():
            if p.name == "self" or p.default is inspect.Parameter.empty:
                continue
            if p.name in positional_ok:
                continue
            assert p.kind is inspect.Parameter.KEYWORD_ONLY, f"{where}({p.name}=...)"


def test_entry_points_have_no_any_annotations():
    import inspect

    for where, fn in _entry_points().items():
        sig = inspect.signature(fn)
        for p in sig.parameters.values():
            if p.name in ("self", "where"):  # where= is a free-form filter mapping
                continue
            assert "Any" not in str(p.annotation), f"{where}({p.name}: {p.annotation})"


def test_result_count_is_called_k_everywhere():
    import inspect

    for fn in (plansearch.align, plansearch.similar_goals, plansearch.PlanIndex.search):
        params = inspect.signature(fn).parameters
        assert "k" in params, fn
    # the old name top_k is gone: an unknown keyword, not a silent alias
    emb = plansearch.Embedder("hashing")
    with pytest.raises(TypeError, match="top_k"):
        plansearch.align(["ก่อสร้างถนนคอนกรีต"], "sdg", top_k=2, embedder=emb)  # type: ignore[call-arg]
    new = plansearch.align(["ก่อสร้างถนนคอนกรีต"], "sdg", k=2, embedder=emb)
    assert len(new.items[0].for_framework("sdg")) == 2


def test_results_are_iterable_and_sized():
    from plansearch.search.similar import SimilarGoals, SimilarHit

    section = plansearch.Section.from_text("ส่งเสริมอาชีพผู้สูงอายุ", org="อบต.ตัวอย่าง")
    hit = SimilarHit(section, 0.9, 1)
    res = SimilarGoals("อาชีพ", (hit,), ())
    assert list(res) == [hit] and len(res) == 1
    al = plansearch.align(["ส่งเสริมอาชีพ"], "sdg", embedder=plansearch.Embedder("hashing"))
    assert list(al) == list(al.items) and len(al) == 1


def test_embedder_names_mean_the_same_in_library_and_cli():
    import numpy as np
    import pytest

    from plansearch.cli.index import make_embedder

    texts = ["ถนนคอนกรีตเสริมเหล็ก", "ผู้สูงอายุ"]
    plain = plansearch.HashingEmbedder(dim=64)
    for name in ("hashing:64", "hashing-64"):
        lib = plansearch.Embedder(name)
        cli = make_embedder(name)
        assert lib.name == cli.name == plain.name == "hashing-64"
        assert lib.fingerprint == cli.fingerprint == plain.fingerprint
        np.testing.assert_array_equal(lib.encode(texts), plain.encode(texts))
        np.testing.assert_array_equal(cli.encode(texts), plain.encode(texts))
    assert plansearch.Embedder("hashing").dimension == 384
    # a near miss of a plansearch name is a clear error, never a hub download
    for bad in ("hashing:0", "hashing:x", "hashing:-5", "hasing", "Hashing", "defualt", "hashing:"):
        with pytest.raises(plansearch.ModelError):
            plansearch.Embedder(bad)
    with pytest.raises(plansearch.ModelError, match="does not exist"):
        plansearch.Embedder("/no/such/model-dir")
