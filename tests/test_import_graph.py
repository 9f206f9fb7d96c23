"""The package's import graph, read from the source with ``ast``.

Every ``import`` counts — at module level or inside a function — except those under
``if TYPE_CHECKING:`` (never run). Rules:

* ``plansearch.search`` never imports ``plansearch.alignment`` (not even through
  another module): search sits below alignment;
* no module inside the package imports the top-level facade ``plansearch``
  (``from .. import __version__`` included; ``plansearch.version`` holds it);
* ``plansearch.frameworks`` (the registry and its data) imports neither alignment,
  search, report nor web: they all ask it;
* there is no import cycle anywhere: not between subpackages (:func:`package_cycles`),
  not between modules (:func:`module_cycles`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import plansearch

PACKAGE = Path(plansearch.__file__).resolve().parent


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, skipping the bodies of ``if TYPE_CHECKING:`` (their ``else`` runs)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _imports_of(name: str, path: Path) -> set[str]:
    """The package modules ``name`` imports at run time (``plansearch`` = the facade)."""
    modules = _modules()
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [
                f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module
                for a in node.names
            ]
        else:
            continue
        out.update(t for t in targets if t == "plansearch" or t.startswith("plansearch."))
    return out


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Module → the package modules it imports at run time."""
    return {n: frozenset(_imports_of(n, p)) for n, p in _modules().items()}


def subpackage(module: str) -> str:
    """``plansearch.search.stores.local`` → ``search``; the facade is ``plansearch``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "plansearch"


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        comp.append(top)
                        if top == node:
                            break
                    out.append(sorted(comp))
    return out


def package_cycles(*, ignore: set[tuple[str, str]] | None = None) -> list[tuple[str, ...]]:
    """Groups of subpackages (``alignment``, ``report``, ``search``, ``web``…) that
    import each other in a cycle, each sorted; ``[]`` when the package has none.

    ``ignore``: module → module edges left out.
    """
    skip = ignore or set()
    graph: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        src = subpackage(module)
        graph.setdefault(src, set())
        for t in targets:
            dst = subpackage(t)
            if dst != src and (module, t) not in skip and dst != "plansearch":
                graph[src].add(dst)
    return sorted(tuple(c) for c in _strongly_connected(graph) if len(c) > 1)


def module_cycles(
    within: str = "plansearch", *, ignore: set[tuple[str, str]] | None = None
) -> list[tuple[str, ...]]:
    """Groups of modules under ``within`` that import each other in a cycle (function-level
    imports included), each sorted; ``[]`` when there is none."""
    skip = ignore or set()
    inside = {m for m in import_graph() if m == within or m.startswith(within + ".")}
    graph = {
        m: {t for t in import_graph()[m] if t in inside and (m, t) not in skip} for m in inside
    }
    return sorted(tuple(c) for c in _strongly_connected(graph) if len(c) > 1)


def reachable(start: str, *, ignore: set[tuple[str, str]]) -> set[str]:
    """Modules ``start`` imports, directly or through others."""
    graph = import_graph()
    seen: set[str] = set()
    todo = [start]
    while todo:
        m = todo.pop()
        for t in graph.get(m, ()):
            if (m, t) not in ignore and t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


# --------------------------------------------------------------------------- tests
def test_the_graph_is_read_from_the_source():
    graph = import_graph()
    assert "plansearch.search.index" in graph
    # a function-level import counts; a TYPE_CHECKING one does not
    assert "plansearch.search.stores.milvus" in graph["plansearch.search.index"]
    assert "plansearch.search.index" not in graph["plansearch.search.similar"]
    assert subpackage("plansearch.search.stores.local") == "search"


def test_index_package_is_gone():
    assert not (PACKAGE / "index").exists()
    assert not any(m.startswith(("plansearch.index.", "plansearch.alignment.topics"))
                   for m in _modules())  # fmt: skip


def test_search_never_imports_alignment():
    search = [m for m in import_graph() if subpackage(m) == "search"]
    assert len(search) > 10
    bad = {
        (m, t) for m in search for t in reachable(m, ignore=set()) if subpackage(t) == "alignment"
    }
    assert bad == set(), sorted(bad)


def test_frameworks_sit_below_the_packages_that_ask_them():
    frameworks = [m for m in import_graph() if subpackage(m) == "frameworks"]
    assert len(frameworks) >= 6
    above = {"alignment", "search", "report", "web", "cli"}
    bad = {(m, t) for m in frameworks for t in reachable(m, ignore=set()) if subpackage(t) in above}
    assert bad == set(), sorted(bad)


def test_there_is_no_import_cycle():
    assert package_cycles() == []
    assert module_cycles() == []


def test_no_module_imports_the_facade():
    offenders = sorted(m for m, targets in import_graph().items() if "plansearch" in targets)
    assert offenders == [], offenders
    # the facade itself takes its version from plansearch.version
    assert "plansearch.version" in import_graph()["plansearch"]


def test_search_is_in_no_cycle():
    cycles = package_cycles()
    assert not [c for c in cycles if "search" in c], cycles
    assert module_cycles("plansearch.search") == []
    assert not [c for c in module_cycles() if any(subpackage(m) == "search" for m in c)]


def test_cycle_helpers_find_a_cycle():
    """The helpers see a cycle where there is one (so ``[]`` means none)."""
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) in (
        [["a", "b", "c"], ["d"]],
        [["d"], ["a", "b", "c"]],
    )
    # the search → alignment edge this test file once allowed would be one
    edge = ("plansearch.search.topics", "plansearch.alignment.pipeline")
    graph = {m: set(t) for m, t in import_graph().items()}
    graph.setdefault(edge[0], set()).add(edge[1])
    sub: dict[str, set[str]] = {}
    for m, targets in graph.items():
        sub.setdefault(subpackage(m), set()).update(
            subpackage(t) for t in targets if subpackage(t) not in (subpackage(m), "plansearch")
        )
    assert any(set(c) >= {"alignment", "search"} for c in _strongly_connected(sub) if len(c) > 1)
