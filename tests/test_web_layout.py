"""The shape of ``plansearch/web``, read with ``ast`` (nothing is imported).

* its modules import each other without a cycle (lazy and type-checking imports count);
* routes are declared only in ``api.py`` (JSON) and ``pages.py`` (pages);
* only ``search.py`` imports the search index and similar goals;
* web code asks the registry instead of naming built-in frameworks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

WEB = Path(__file__).parent.parent / "plansearch" / "web"
PACKAGE = "plansearch.web"
ROUTE_FILES = {"api.py", "pages.py"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "api_route"}
ROUTE_CALLS = {"add_api_route", "add_route", "api_route", "route", "websocket", "APIRouter"}
#: Built-in framework names web code may still spell out, and why. Everything else
#: (defaults, titles, letters, columns, targets) comes from plansearch.frameworks.
NAMED_FRAMEWORKS = {
    # the framework choice on the review page leaves out the service-area knowledge
    "templates/review.html": {"services"},
}


def modules() -> dict[str, ast.Module]:
    return {
        p.stem: ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
        for p in sorted(WEB.glob("*.py"))
    }


def imported(name: str, tree: ast.Module) -> set[str]:
    """Absolute names of every module ``name`` imports, anywhere in the file."""
    here = f"{PACKAGE}.{name}" if name != "__init__" else PACKAGE
    package = here if name == "__init__" else here.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                root = ".".join(base + ([node.module] if node.module else []))
            else:
                root = node.module or ""
            out.add(root)
            out.update(f"{root}.{a.name}" for a in node.names)  # ``from . import export``
    return out


def web_graph() -> dict[str, set[str]]:
    trees = modules()
    names = set(trees) - {"__init__"}
    return {
        name: {m.rsplit(".", 1)[-1] for m in imported(name, tree) if m.startswith(PACKAGE + ".")}
        & names
        for name, tree in trees.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_web_package_has_no_import_cycle() -> None:
    graph = web_graph()
    assert {"api", "app", "pages", "workbench", "plans"} <= set(graph)
    assert cycles(graph) == []
    assert "app" not in graph["api"] and "app" not in graph["pages"]


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def routes_in(tree: ast.Module) -> list[int]:
    """Lines that declare a route: ``@x.get(...)``-style decorators, ``APIRouter(...)``
    and ``add_api_route``-style calls."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for d in node.decorator_list:
                call = d.func if isinstance(d, ast.Call) else d
                if isinstance(call, ast.Attribute) and call.attr in HTTP_METHODS:
                    lines.append(d.lineno)
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in ROUTE_CALLS:
                lines.append(node.lineno)
    return lines


def test_routes_live_only_in_api_and_pages() -> None:
    trees = modules()
    elsewhere = {
        f"{name}.py:{line}"
        for name, tree in trees.items()
        if f"{name}.py" not in ROUTE_FILES
        for line in routes_in(tree)
    }
    assert elsewhere == set()
    assert len(routes_in(trees["api"])) > 20 and len(routes_in(trees["pages"])) > 5


def test_only_search_py_imports_the_search_package() -> None:
    """The search package (index, similar goals) is imported in one module of the web."""
    users = {
        name
        for name, tree in modules().items()
        for m in imported(name, tree)
        if m.startswith("plansearch.search")
    }
    assert users == {"search"}


def named_frameworks(path: Path, names: list[str]) -> set[str]:
    """Built-in framework names a file spells out: string constants of a module
    (docstrings are examples, not facts), quoted words of a template or script."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return {n for n in names if re.search(rf"""["']{re.escape(n)}["']""", text)}
    tree = ast.parse(text)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    strings = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }
    return set(names) & strings


WEB_FILES = sorted(
    p.relative_to(WEB).as_posix() for p in WEB.rglob("*") if p.suffix in {".py", ".html", ".js"}
)


@pytest.mark.parametrize("path", WEB_FILES)
def test_web_code_asks_the_registry_for_framework_facts(path: str) -> None:
    from plansearch.frameworks import available_references

    assert named_frameworks(WEB / path, available_references()) == NAMED_FRAMEWORKS.get(path, set())


def test_the_framework_name_check_sees_names(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""Docstring: dla."""\nCOVERED = ("national", "sdg")\n', encoding="utf-8")
    assert named_frameworks(sample, ["sdg", "dla"]) == {"sdg"}
    assert "review.html" in " ".join(WEB_FILES) and "static/app.js" in WEB_FILES
