"""The knowledge files (issue 22) parse, cite their sources, and link only to real targets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import plansearch
from plansearch import available_references, reference

KNOWLEDGE = Path(plansearch.__file__).parent / "frameworks" / "data" / "knowledge"
EXPECTED = (
    "sdg_indicators",
    "function_sdg_targets",
    "dla_scope",
    "masterplan_local_scope",
    "project_types",
)
THAI = re.compile(r"[\u0e00-\u0e7f]")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _knowledge_files() -> dict[str, dict[str, Any]]:
    docs = {p.stem: _load(p) for p in sorted(KNOWLEDGE.glob("*.json"))}
    return {name: doc for name, doc in docs.items() if doc.get("kind") == "knowledge"}


def _builtin_ids() -> set[str]:
    ids: set[str] = set()
    for name in available_references():
        ref = reference(name)
        stack = list(ref.roots())
        while stack:
            node = stack.pop()
            ids.add(node.id)
            stack.extend(ref.children(node.id))
    return ids


def test_every_json_file_in_the_folder_parses_and_names_its_source() -> None:
    files = sorted(KNOWLEDGE.glob("*.json"))
    assert files
    for path in files:
        doc = _load(path)
        assert isinstance(doc, dict), path.name
        assert isinstance(doc.get("source"), str) and doc["source"].strip(), path.name


def test_the_expected_knowledge_files_are_there_and_cited_in_sources_md() -> None:
    docs = _knowledge_files()
    assert set(EXPECTED) <= set(docs)
    sources = (KNOWLEDGE / "SOURCES.md").read_text(encoding="utf-8")
    for name, doc in docs.items():
        assert doc["name"] == name
        assert doc["format"] == 1
        assert f"`{name}.json`" in sources, f"{name}.json is not cited in SOURCES.md"


@pytest.mark.parametrize("name", EXPECTED)
def test_every_entry_is_complete_and_has_a_source(name: str) -> None:
    doc = _knowledge_files()[name]
    entries = doc["entries"]
    assert entries
    for entry in entries:
        for key in ("id", "title", "text", "type", "source"):
            value = entry.get(key)
            assert isinstance(value, str) and value.strip(), (name, entry.get("id"), key)
        assert isinstance(entry.get("links"), list) and entry["links"], (name, entry["id"])


def test_every_link_names_an_existing_target_of_a_builtin_framework() -> None:
    frameworks = set(available_references())
    refs = {fw: reference(fw) for fw in frameworks}
    for name, doc in _knowledge_files().items():
        for entry in doc["entries"]:
            for link in entry["links"]:
                fw, tid = link.get("framework"), link.get("id")
                assert fw in frameworks, (name, entry["id"], fw)
                assert refs[fw].get(tid) is not None, (name, entry["id"], fw, tid)
                relation = link.get("relation")
                assert isinstance(relation, str) and relation, (name, entry["id"])


def test_entry_ids_are_unique_and_never_shadow_a_builtin_target() -> None:
    builtin = _builtin_ids()
    seen: set[str] = set()
    for name, doc in _knowledge_files().items():
        for entry in doc["entries"]:
            assert entry["id"] not in seen, (name, entry["id"])
            assert entry["id"] not in builtin, (name, entry["id"])
            seen.add(entry["id"])


def test_sdg_indicators_hang_under_their_own_target_and_cover_every_target() -> None:
    doc = _knowledge_files()["sdg_indicators"]
    covered: set[str] = set()
    for entry in doc["entries"]:
        (link,) = entry["links"]
        code = entry["id"].removeprefix("SDG")
        target = "SDG" + code.rsplit(".", 1)[0]
        assert link == {"framework": "sdg", "id": target, "relation": "indicator_of"}
        covered.add(link["id"])
        assert entry["title_en"].strip()
        if entry["text_lang"] == "th":
            assert THAI.search(entry["title_th"]) and entry["text"] == entry["title_th"]
            assert entry["source"].startswith("Thai: ")
        else:
            assert entry["text_lang"] == "en" and entry["text"] == entry["title_en"]
            assert "title_th" not in entry
    sdg = reference("sdg")
    targets = {child.id for goal in sdg.roots() for child in sdg.children(goal.id)}
    assert targets == covered
    ids = {e["id"] for e in doc["entries"]}
    assert {"SDG9.1.1", "SDG11.4.1", "SDG6.1.1"} <= ids


def test_project_types_name_their_function_and_existing_indicators() -> None:
    docs = _knowledge_files()
    indicators = {e["id"] for e in docs["sdg_indicators"]["entries"]}
    services = reference("services")
    for entry in docs["project_types"]["entries"]:
        assert services.get(entry["function"]) is not None
        function = {"framework": "services", "id": entry["function"], "relation": "function"}
        assert function in entry["links"], entry["id"]
        assert set(entry["indicators"]) <= indicators, entry["id"]
        primaries = {link["framework"] for link in entry["links"] if link["relation"] == "primary"}
        assert primaries == {"national", "nesdp13", "sdg", "dla"}, entry["id"]
        assert THAI.search(entry["text"]), entry["id"]
        assert entry["budget_programme"].startswith("แผนงาน"), entry["id"]


def test_dla_scope_covers_every_node_of_the_dla_framework() -> None:
    doc = _knowledge_files()["dla_scope"]
    dla = reference("dla")
    nodes = {c.id for r in dla.roots() for c in (r, *dla.children(r.id))}
    linked = {e["links"][0]["id"] for e in doc["entries"]}
    assert linked == nodes
    kinds = {
        "local_services",
        "community_and_democracy",
        "lao_administration",
        "department_administration",
    }
    for entry in doc["entries"]:
        assert entry["scope"] and set(entry["scope"]) <= kinds
        assert entry["about_lao_projects"] == (entry["scope"][0] != "department_administration")
    by_id = {e["links"][0]["id"]: e for e in doc["entries"]}
    assert not by_id["DLA6"]["about_lao_projects"]
    assert by_id["DLA4"]["scope"][0] == "local_services"
