"""The packages import downward only: each may import from the packages below it in ``ORDER``,
never from one above it, top-level or inside a function, so the import graph has no cycles and
reading a feature never needs the ones above it. Where a lower feature must cause work in a
higher one, a hook registered at start-up does it (or the shared piece moves down)."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "toeleiding"

# Lowest first. Packages on one line are peers: they may import each other, but not in a cycle.
ORDER = [
    ("config", "clock", "errors", "extensions", "security", "mail", "numbers", "dates", "unit_of_work"),
    ("crypto",),
    ("workflow",),
    ("organisations",),
    ("audit",),            # the access log: every feature writes to it
    ("users",),
    ("api", "web"),        # the HTTP frame: authentication, error mapping, i18n, navigation
    ("cases",),
    ("outreach",),         # contact attempts on a case (issue 11, point 7)
    ("signals",),          # signals from VE and CJG to JGZ (issue 11, point 9)
    ("reminders",),
    ("privacy",),
    ("monitor",),
    ("push",),             # the published monitor sent out on a schedule
    ("admin",),
    ("demo",),
    ("commands", "models", "workflow_data", "openapi", "__init__"),   # the application: assembles every feature
]
RANK = {name: i for i, layer in enumerate(ORDER) for name in layer}

# Upward imports allowed for now, each with what would remove it. Empty: keep it so. A test also
# fails when a listed one is gone, so the list can only shrink.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}


def package_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE).parts
    return rel[0].removesuffix(".py")


def imported_packages(path: Path) -> set[str]:
    """The toeleiding packages ``path`` imports from, wherever the import statement stands."""
    own = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if own[-1] == "__init__":
        own = own[:-1]
        own.append("__init__")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "toeleiding" and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] != "toeleiding":
                    continue
                target = parts[1:]
            else:
                base = own[:-node.level]   # the module's package, then up
                target = base + (node.module.split(".") if node.module else [])
            if target:
                found.add(target[0])
            else:   # "from .. import clock": the names are modules of the package
                found.update(alias.name for alias in node.names)
    return {p for p in found if p in RANK}


def edges() -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        src = package_of(path)
        for dst in imported_packages(path):
            if dst != src:
                out[(src, dst)].append(path.relative_to(PACKAGE).as_posix())
    return out


def test_every_package_has_a_place_in_the_order():
    packages = {package_of(p) for p in PACKAGE.rglob("*.py")}
    assert packages <= set(RANK), sorted(packages - set(RANK))


def test_imports_go_downward_only():
    upward = {(s, d): files for (s, d), files in edges().items() if RANK[d] > RANK[s]}
    new = {k: v for k, v in upward.items() if k not in KNOWN_UPWARD}
    assert not new, "imports upward (see ORDER): " + "; ".join(f"{s} -> {d} in {', '.join(f)}"
                                                              for (s, d), f in sorted(new.items()))
    gone = set(KNOWN_UPWARD) - set(upward)
    assert not gone, f"no longer imported, remove from KNOWN_UPWARD: {sorted(gone)}"


def test_peers_do_not_import_each_other_in_a_cycle():
    graph = edges()
    for layer in ORDER:
        for a in layer:
            for b in layer:
                assert not (a < b and (a, b) in graph and (b, a) in graph), f"{a} <-> {b}"


def test_the_check_sees_an_import_inside_a_function(tmp_path, monkeypatch):
    pkg = tmp_path / "toeleiding"
    (pkg / "users").mkdir(parents=True)
    (pkg / "users" / "x.py").write_text("def f():\n    from ..monitor.util import g\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", pkg)
    assert imported_packages(pkg / "users" / "x.py") == {"monitor"}


def test_views_and_api_handlers_leave_the_commit_to_the_boundary():
    """One unit of work per request (toeleiding/unit_of_work.py): pages and JSON routes never
    commit or roll back themselves. The sign-in page keeps a rehashed password at once, before a
    second factor is asked (the one step of the sign-in frame that commits on its own)."""
    allowed = {("web/views.py", "commit")}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if not (path.name in ("views.py", "api.py") or rel.startswith("api/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback")
                    and (rel, node.attr) not in allowed):
                found.append(f"{rel}:{node.lineno}: {node.attr}")
    assert not found, found
