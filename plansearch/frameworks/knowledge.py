"""Knowledge of local plans that is not a framework: budget programmes and strategy families.

Two files in ``plansearch/frameworks/data/knowledge`` (sources in ``data/SOURCES.md``):

* ``local_programs.json`` — the standard local budget programmes (แผนงาน) with their
  conventional content: the *generic local text* alignment measures every score
  against, and what a bare provincial strategy borrows as content;
* ``local_strategy_families.json`` — the conventional strategy families of local plans
  (โครงสร้างพื้นฐาน, เศรษฐกิจ, สังคม, …), the words by which a strategy title names each
  (``named_by``), the family a small one sits under when a plan gives it no strategy
  of its own (``umbrella``), and typical project phrasings.

>>> [p["id"] for p in local_programs()][:2]
['P01', 'P02']
>>> strategy_families()[0]["title"]
'ยุทธศาสตร์การพัฒนาด้านโครงสร้างพื้นฐาน'
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from ..thai import fold_for_matching

_KNOWLEDGE = "data/knowledge"


def _read(filename: str) -> dict[str, Any]:
    raw = resources.files("plansearch.frameworks").joinpath(f"{_KNOWLEDGE}/{filename}")
    data: dict[str, Any] = json.loads(raw.read_text("utf-8"))
    return data


@lru_cache(maxsize=1)
def local_programs() -> tuple[dict[str, Any], ...]:
    """The standard local budget programmes (แผนงาน) with their conventional content."""
    return tuple(_read("local_programs.json")["items"])


def programme_texts() -> list[str]:
    """The standard budget programmes as texts: the *generic local text* of the background."""
    return [f"{p['title']} {p['text']}" for p in local_programs()]


@lru_cache(maxsize=1)
def strategy_families() -> tuple[dict[str, Any], ...]:
    """The conventional strategy families of local plans, each with ``programmes``: the
    indexes (into :func:`local_programs`) of the budget programmes its text names, in
    the order named."""
    titles = [p["title"] for p in local_programs()]
    out = []
    for fam in _read("local_strategy_families.json")["items"]:
        named = sorted((fam["text"].find(t), j) for j, t in enumerate(titles) if t in fam["text"])
        out.append({**fam, "programmes": tuple(j for _, j in named)})
    return tuple(out)


def naming(titles: Sequence[str], unit: dict[str, Any]) -> list[int]:
    """Indexes of the (folded) ``titles`` that contain one of ``unit``'s ``named_by``
    words (a family, or one group of its typical project phrasings).

    >>> naming(["ด้านสาธารณสุข", "ด้านเศรษฐกิจ"], {"named_by": ["สาธารณสุข"]})
    [0]
    """
    words = [w for w in (fold_for_matching(x) for x in unit.get("named_by", ())) if w]
    return [t for t, title in enumerate(titles) if any(w in title for w in words)]
