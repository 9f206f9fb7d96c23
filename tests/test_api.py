"""The public API: short, lazy (no heavy imports or side effects), documented."""

from __future__ import annotations

import subprocess
import sys

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
