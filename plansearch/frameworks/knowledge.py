"""Knowledge of local plans that is not a framework: budget programmes, strategy families,
and what a planner knows about the built-in frameworks' targets.

Files in ``plansearch/frameworks/data/knowledge`` (sources in ``SOURCES.md`` there):

* ``local_programs.json`` — the standard local budget programmes (แผนงาน) with their
  conventional content: the *generic local text* alignment measures every score
  against, and what a bare provincial strategy borrows as content;
* ``local_strategy_families.json`` — the conventional strategy families of local plans
  (โครงสร้างพื้นฐาน, เศรษฐกิจ, สังคม, …), the words by which a strategy title names each
  (``named_by``), the family a small one sits under when a plan gives it no strategy
  of its own (``umbrella``), and typical project phrasings;
* the knowledge files of issue 22 (``kind: knowledge``): the SDG indicators under their
  targets, local functions → SDG targets, typical LAO project types linked to the
  targets they belong to, and the scope of the DLA's strategies (the local scope of
  master-plan sub-plans is kept as data, not used). :func:`knowledge_units` gives the
  units that hang under a built-in framework's nodes (they become nodes of the targets'
  subtrees,
  :func:`plansearch.frameworks.space.builtin_space`); :func:`out_of_local_scope` the
  nodes that are about another organisation's own administration;
  :func:`function_texts` the project types under the local function (service area of
  ``services``) each belongs to, which the service-area profiles of search read.

>>> [p["id"] for p in local_programs()][:2]
['P01', 'P02']
>>> strategy_families()[0]["title"]
'ยุทธศาสตร์การพัฒนาด้านโครงสร้างพื้นฐาน'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
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


def local_register_texts() -> list[str]:
    """Texts in the register of Thai local plans: the budget programmes, the strategy
    families and their typical project phrasings, and the typical project types. An
    item's similarities to them say how close its wording is to local plans' (its
    *register*), whatever it is about (:func:`plansearch.alignment.evidence.register_of`).
    """
    texts = programme_texts()
    for fam in strategy_families():
        texts.append(f"{fam['title']} {fam['text']}")
        texts += [f"{c['title']} {c.get('text', '')}".strip() for c in fam.get("children", ())]
    texts += [f"{e['title']} {e['text']}" for e in knowledge_file("project_types")["entries"]]
    return texts


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


#: The knowledge files whose entries hang under built-in targets, and the link relation
#: that places each (an entry hangs where it belongs most directly, never where it only
#: contributes: a road under SDG 9.1, not under 11.2). ``masterplan_local_scope`` is not
#: among them: as sub-plan nodes it moved 1-2 items the wrong way on the held-out
#: statement and formal-register tasks (benchmarks/README.md, 2026-12-06).
HANGING: dict[str, tuple[str, ...]] = {
    "sdg_indicators": ("indicator_of",),
    "function_sdg_targets": ("primary",),
    "project_types": ("primary",),
}
#: The file that says which nodes of a framework are about work local plans do.
SCOPE_FILE = "dla_scope"


@dataclass(frozen=True)
class KnowledgeUnit:
    """One entry of a knowledge file placed under a node of a built-in framework.

    ``of`` is the framework node it hangs under (``"MP07.1"``, ``"SDG9.1"``): the
    sub-item a match names as its evidence when the unit is the best node.
    """

    id: str
    title: str
    text: str
    type: str
    framework: str
    of: str


def _unit_text(name: str, entry: dict[str, Any]) -> tuple[str, str]:
    """``(title, text)`` a knowledge entry is embedded and matched with.

    A local function's entry quotes the wording of every SDG target it serves, so only
    its title (the function) is its content.
    """
    if name == "function_sdg_targets":
        return entry["title"], ""
    if name == "sdg_indicators":
        return entry["text"], ""
    return entry["title"], entry.get("text") or ""


@lru_cache(maxsize=16)
def knowledge_file(name: str) -> dict[str, Any]:
    """One knowledge file of ``data/knowledge`` as stored (``kind: knowledge``)."""
    doc = _read(f"{name}.json")
    if doc.get("kind") != "knowledge":
        raise ValueError(f"{name}.json is not a knowledge file")
    return doc


@lru_cache(maxsize=16)
def knowledge_units(framework: str) -> tuple[KnowledgeUnit, ...]:
    """Every knowledge unit that hangs under a node of ``framework`` (a reference name:
    ``"national"`` holds the master plans' too), in file order.

    >>> units = knowledge_units("sdg")
    >>> any(u.of == "SDG9.1" and u.type == "project_type" for u in units)
    True
    """
    out = []
    for name, relations in HANGING.items():
        for entry in knowledge_file(name)["entries"]:
            title, text = _unit_text(name, entry)
            seen = set()
            for link in entry["links"]:
                if link["framework"] != framework or link["relation"] not in relations:
                    continue
                if link["id"] in seen:
                    continue
                seen.add(link["id"])
                out.append(
                    KnowledgeUnit(entry["id"], title, text, entry["type"], framework, link["id"])
                )
    return tuple(out)


@lru_cache(maxsize=16)
def out_of_local_scope(framework: str) -> frozenset[str]:
    """Ids of ``framework``'s nodes that are about another organisation's own
    administration, not work a local plan does (``dla_scope.json``: the department's
    own staff, organisation and IT), so they are no evidence for a local item.

    >>> "DLA6.1" in out_of_local_scope("dla"), "DLA4.1" in out_of_local_scope("dla")
    (True, False)
    """
    ids = set()
    for entry in knowledge_file(SCOPE_FILE)["entries"]:
        if entry.get("about_lao_projects", True):
            continue
        for link in entry["links"]:
            if link["framework"] == framework and link["relation"] == "scope_of":
                ids.add(link["id"])
    return frozenset(ids)


#: The knowledge files whose entries name the local function they belong to (a link
#: with relation ``function`` to a service area of ``services``).
FUNCTION_FILES: tuple[str, ...] = ("project_types",)


@lru_cache(maxsize=16)
def function_texts(framework: str = "services") -> Mapping[str, tuple[str, ...]]:
    """The knowledge texts that belong to each node of ``framework`` as its function:
    node id → the ``"title text"`` of every entry of :data:`FUNCTION_FILES` linked to
    it with relation ``function`` (a project type under its service area), in file
    order. Nodes without any are absent.

    >>> texts = function_texts("services")
    >>> any("ลูกระนาด" in t for t in texts["SV01"])
    True
    """
    out: dict[str, list[str]] = {}
    for name in FUNCTION_FILES:
        for entry in knowledge_file(name)["entries"]:
            text = f"{entry['title']} {entry.get('text') or ''}".strip()
            for node in dict.fromkeys(
                link["id"]
                for link in entry["links"]
                if link["framework"] == framework and link["relation"] == "function"
            ):
                out.setdefault(node, []).append(text)
    return MappingProxyType({k: tuple(v) for k, v in out.items()})
