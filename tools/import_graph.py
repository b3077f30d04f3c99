"""Print the package-level import graph and check it: no cycle between top-level packages or
between the parts of `app/`, and no arrow running up the layers (crvs_field | ui | sync | app).

    python tools/import_graph.py          # exit 0 when the graph holds, 1 otherwise

Built with grimp (the graph library under import-linter), so it sees what `lint-imports` sees,
including imports inside functions and under TYPE_CHECKING.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import grimp

LAYERS = ("crvs_field", "ui", "sync", "app")       # each may import only those to its right
SEPARATE = ("mosip_emulator", "opencrvs_emulator", "relay")  # separate programs: import none of ours
ALLOWED_EXTRA = {("crvs_field", "mosip_emulator"), ("crvs_field", "opencrvs_emulator")}  # the demo runs them
CORE = "app"


def node_of(module: str) -> str:
    """A top-level package; inside the core, its direct part (`app.records`, `app.audit`)."""
    parts = module.split(".")
    if parts[0] == CORE and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def package_edges(graph: grimp.ImportGraph) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], str]]:
    """Arrows between nodes, each with how many module pairs make it and one such pair."""
    edges: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            a, b = node_of(importer), node_of(imported)
            if a != b:
                edges[(a, b)] += 1
                example.setdefault((a, b), f"{importer} -> {imported}")
    return edges, example


def cycles(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    successors: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        successors.setdefault(a, []).append(b)
        successors.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in successors[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(successors):
        if node not in index:
            visit(node)
    return found


def upward(a: str, b: str) -> bool:
    """An arrow the layering forbids, between top-level packages."""
    top_a, top_b = a.split(".")[0], b.split(".")[0]
    if top_a == top_b or (top_a, top_b) in ALLOWED_EXTRA:
        return False
    if top_a in SEPARATE or top_b in SEPARATE:
        return True
    return LAYERS.index(top_a) > LAYERS.index(top_b)


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    graph = grimp.build_graph(*LAYERS, *SEPARATE, include_external_packages=False, cache_dir=None)
    edges, example = package_edges(graph)
    top: Counter[tuple[str, str]] = Counter()
    for (a, b), count in edges.items():
        if a.split(".")[0] != b.split(".")[0]:
            top[(a.split(".")[0], b.split(".")[0])] += count
    print("top-level packages (importer -> imported: module pairs)")
    for (a, b), count in sorted(top.items()):
        print(f"  {a:<14} -> {b:<14} {count:>4}")
    print(f"\nparts of {CORE}/")
    inner = {k: v for k, v in edges.items() if k[0].startswith(CORE + ".") and k[1].startswith(CORE + ".")}
    for (a, b), count in sorted(inner.items()):
        print(f"  {a:<22} -> {b:<22} {count:>4}")

    problems = 0
    found = cycles({m.split(".")[0] for m in graph.modules}, top) + cycles(
        {node_of(m) for m in graph.modules if m.startswith(CORE + ".")}, inner)
    print()
    for component in found:
        problems += 1
        print("cycle: " + ", ".join(component))
        for a, b in sorted(edge for edge in inner if edge[0] in component and edge[1] in component):
            print(f"    {a} -> {b}  (e.g. {example[(a, b)]})")
    for a, b in sorted(top):
        if upward(a, b):
            problems += 1
            print(f"upward arrow: {a} -> {b}")
    if problems:
        print(f"{problems} problem(s)")
        return 1
    print(f"no cycles, no upward arrows ({len(top)} package arrows, {len(inner)} arrows inside {CORE}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
