"""Imports flow one way: api → fieldforce → geo; inside fieldforce, domains import only
downwards, in the order of DOMAIN_LAYERS (DESIGN §2, docs/decisions.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"geo": {"fieldforce", "api"}, "fieldforce": {"api"}, "api": set()}

# Lowest first. A module may import its own domain, any domain of a lower layer, and the
# domains listed before its own in its layer; never a later one, so no cycle can form.
DOMAIN_LAYERS: tuple[tuple[str, ...], ...] = (
    # infrastructure: no domain knowledge
    (
        "__init__",
        "errors",
        "context",
        "logs",
        "outbound",
        "settings",
        "db",
        "pagination",
        "changes",
    ),
    ("embedded",),
    # foundation
    ("audit", "org", "tenancy", "auth"),
    # what the phones and the map do
    ("devices", "notify", "tracking", "zones", "duty", "monitoring", "attachments"),
    # workflows
    (
        "approvals",
        "leave",
        "travel",
        "attendance",
        "positioning",
        "customers",
        "visits",
        "inspections",
        "plans",
        "reports",
    ),
    # where one domain's change leads to work in another, and what runs them all
    ("flows", "locating", "gathering", "jobs", "demo", "models", "migrate", "migrations", "cli"),
)
RANK = {
    domain: (layer, place)
    for layer, domains in enumerate(DOMAIN_LAYERS)
    for place, domain in enumerate(domains)
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downwards(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no sources found for {package}"
    offenders = {
        str(f.relative_to(ROOT)): sorted(imported_packages(f) & FORBIDDEN[package])
        for f in files
        if imported_packages(f) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_the_check_itself_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from api.app import create_app\nimport fieldforce.db\n")
    assert imported_packages(bad) == {"api", "fieldforce"}


# domains ------------------------------------------------------------------------------------


def domain_of(module: str) -> str:
    """``fieldforce.zones.service`` → ``zones``; ``fieldforce.flows`` → ``flows``;
    ``fieldforce`` itself → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path, package_root: Path) -> str:
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, package_root: Path) -> set[str]:
    """Every fieldforce module the file imports, at the top or inside a function,
    relative imports resolved; ``from fieldforce import flows`` names ``fieldforce.flows``."""
    module = module_name(path, package_root)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path.name == "__init__.py")
            found.update(
                _submodule(package_root, alias.name) if base == "fieldforce" else base
                for alias in node.names
            )
    return {m for m in found if m == "fieldforce" or m.startswith("fieldforce.")}


def _submodule(package_root: Path, name: str) -> str:
    """``from fieldforce import name``: a module of the package, or a name in its root."""
    is_module = (package_root / name).is_dir() or (package_root / f"{name}.py").is_file()
    return f"fieldforce.{name}" if is_module else "fieldforce"


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".")
    if not is_package:
        package.pop()
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def domain_imports(package_root: Path) -> dict[tuple[str, str], set[str]]:
    """(importing domain, imported domain) → the files that make that edge."""
    edges: dict[tuple[str, str], set[str]] = {}
    for path in sorted(package_root.rglob("*.py")):
        module = module_name(path, package_root)
        source = domain_of(module)
        for target in imported_modules(path, package_root):
            imported = domain_of(target)
            if imported != source:
                edges.setdefault((source, imported), set()).add(
                    str(path.relative_to(package_root.parent))
                )
    return edges


def layering_violations(
    edges: Mapping[tuple[str, str], set[str]], rank: Mapping[str, tuple[int, int]]
) -> dict[str, list[str]]:
    """Each import of a domain that is not below the importer, or of a domain without a
    place in the order."""
    found: dict[str, list[str]] = {}
    for (source, target), files in sorted(edges.items()):
        if source not in rank or target not in rank:
            unplaced = source if source not in rank else target
            found[f"{source} → {target}"] = [f"{unplaced} has no place in DOMAIN_LAYERS"]
        elif rank[target] >= rank[source]:
            found[f"{source} → {target}"] = sorted(files)
    return found


def cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The cycles of the domain graph, each once (depth-first search, gray nodes)."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    found: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return found


FIELDFORCE = ROOT / "fieldforce"


def test_every_fieldforce_module_has_a_domain_in_the_order() -> None:
    domains = {domain_of(module_name(p, FIELDFORCE)) for p in FIELDFORCE.rglob("*.py")}
    assert domains - set(RANK) == set()


def test_domains_import_only_lower_domains() -> None:
    assert layering_violations(domain_imports(FIELDFORCE), RANK) == {}


def test_no_cycle_between_domains() -> None:
    assert cycles(domain_imports(FIELDFORCE)) == []


def test_the_domain_check_catches_upward_and_circular_imports(tmp_path: Path) -> None:
    package = tmp_path / "fieldforce"
    (package / "org").mkdir(parents=True)
    (package / "zones").mkdir()
    (package / "__init__.py").write_text("")
    (package / "flows.py").write_text("")
    (package / "org" / "__init__.py").write_text("")
    (package / "zones" / "__init__.py").write_text("")
    (package / "org" / "staff.py").write_text(
        "def move():\n    from fieldforce.zones.staleness import mark_stale\n"
    )
    (package / "zones" / "service.py").write_text(
        "from fieldforce.org import staff\nfrom . import models\nfrom fieldforce import flows\n"
        "from fieldforce import __version__\n"
    )
    edges = domain_imports(package)
    assert edges == {
        ("org", "zones"): {"fieldforce/org/staff.py"},
        ("zones", "org"): {"fieldforce/zones/service.py"},
        ("zones", "flows"): {"fieldforce/zones/service.py"},
        ("zones", "__init__"): {"fieldforce/zones/service.py"},
    }
    assert layering_violations(edges, RANK) == {
        "org → zones": ["fieldforce/org/staff.py"],
        "zones → flows": ["fieldforce/zones/service.py"],
    }
    assert cycles(edges) == [["org", "zones", "org"]]
    assert layering_violations({("zones", "visits2"): {"x.py"}}, RANK) == {
        "zones → visits2": ["visits2 has no place in DOMAIN_LAYERS"]
    }
