"""The rules of docs/architecture.md that import-linter cannot see, checked on the code's syntax tree.

1. One write path: `.commit(` only in app/db.py (the unit of work and `write_aside`) and the CLI.
2. Sessions are opened only by app/db.py and the CLI (`database.session(...)`, `Session(...)`).
3. Route modules (routes.py, *_routes.py, api.py) run no SQL: they call services.
4. Route modules read no raw form: they take a typed form (app.forms.form) or a pydantic body.
5. Only app.main imports a route module; no domain imports another one's route or page helpers.

`python scripts/check_structure.py` prints every breach as path:line and exits 1 if there is one
beyond the ones scripts/structure_baseline.txt still tolerates (with files or folders named: every breach
in them) (code being converted: the baseline may
only shrink; `--update-baseline` rewrites it). `make check` runs it, and so does CI.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
BASELINE = ROOT / "scripts" / "structure_baseline.txt"

# Where a transaction may be committed and a session opened by hand: the unit of work itself, and the
# command line (each command is its own unit of work; `academy demo` is app/demo.py).
SESSION_OWNERS = ("app/db.py", "app/cli.py", "app/cli_support.py", "app/*/cli.py", "app/demo.py")
SQL_FUNCTIONS = {"select", "insert", "update", "delete", "text", "func", "exists", "union", "case"}
SQL_METHODS = {"execute", "scalars", "scalar", "scalar_one", "query", "get", "merge", "flush"}
RAW_FORM = {"form", "form_fields", "form_lists", "json", "body"}


@dataclass(frozen=True)
class Breach:
    path: str
    line: int
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}"


def is_route_module(path: Path) -> bool:
    return path.name in ("routes.py", "api.py") or path.parent.name == "routes"


def matches(relative: str, patterns: tuple[str, ...]) -> bool:
    return any(Path(relative).match(pattern) for pattern in patterns)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def breaches_in(path: Path) -> Iterator[Breach]:
    relative = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    owner = matches(relative, SESSION_OWNERS)
    route = is_route_module(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for rule in _call_rules(node, owner=owner, route=route):
                yield Breach(relative, node.lineno, rule)
        elif isinstance(node, ast.Name) and route and node.id in ("form_fields", "form_lists"):
            yield Breach(relative, node.lineno, "reads a raw form: take a typed form (app.forms.form)")
        elif isinstance(node, ast.ImportFrom) and node.module and relative != "app/main.py":
            yield from _route_imports(relative, path, node)


def _call_rules(node: ast.Call, *, owner: bool, route: bool) -> Iterator[str]:
    """What a call breaks: committing or opening a session outside their owners; SQL or a raw form
    read in a route module."""
    function = node.func
    if isinstance(function, ast.Name):
        if function.id in ("Session", "sessionmaker") and not owner:
            yield "opens a session: use app.db (write_aside, read)"
        return
    if not isinstance(function, ast.Attribute):
        return
    name = function.attr
    if name == "commit" and not owner:
        yield "commits: the unit of work commits (app/routing.py)"
    if name == "session" and not owner and _is_database(function.value):
        yield "opens a session: use app.db (write_aside, read)"
    if not route:
        return
    if name in SQL_METHODS and _is_session(function.value):
        yield f"runs SQL ({name}): call a service"
    if name in SQL_FUNCTIONS and _names(function.value, ("sa", "sqlalchemy")):
        yield f"builds SQL (sa.{name}): call a service"
    if name in RAW_FORM and _names(function.value, ("request",)):
        yield f"reads the raw request ({name}): take a typed form"


def _route_imports(relative: str, path: Path, node: ast.ImportFrom) -> Iterator[Breach]:
    imported = [node.module] if node.module else []
    imported += [f"{node.module}.{alias.name}" for alias in node.names]
    here = module_name(path).split(".")[:2]
    for name in imported:
        parts = name.split(".")
        if len(parts) < 3 or parts[0] != "app" or parts[1] == "web":  # the web kit is for every domain
            continue
        last = parts[2]
        page_module = last in ("routes", "api", "pages") or last.endswith("_routes")
        if page_module and (parts[:2] != here or not is_route_module(path) and last != "pages"):
            yield Breach(relative, node.lineno, f"imports {'.'.join(parts[:3])}: only app.main may")
            return


def _names(node: ast.AST, names: tuple[str, ...]) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _is_session(node: ast.AST) -> bool:
    """`session.x(...)`, `self.session.x(...)`, `refused.session.x(...)`: a name ending in session."""
    if isinstance(node, ast.Name):
        return node.id.endswith("session") or node.id in ("db", "connection", "writer")
    if isinstance(node, ast.Attribute):
        return node.attr.endswith("session")
    return False


def _is_database(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ("database", "db")
    if isinstance(node, ast.Attribute):
        return node.attr in ("database", "_database")
    if isinstance(node, ast.Call):  # state.database(request).session(...)
        return isinstance(node.func, ast.Attribute) and node.func.attr == "database"
    return False


def breaches(paths: list[Path] | None = None) -> list[Breach]:
    found: list[Breach] = []
    for path in sorted(paths or APP.rglob("*.py")):
        found.extend(breaches_in(path))
    return found


def kinds(found: list[Breach]) -> Counter[str]:
    return Counter(f"{breach.path}: {breach.rule}" for breach in found)


def tolerated() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    counts: Counter[str] = Counter()
    for line in BASELINE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            count, _sep, kind = line.partition(" ")
            counts[kind] = int(count)
    return counts


def main(argv: list[str]) -> int:
    if argv == ["--update-baseline"]:
        lines = [f"{count} {kind}" for kind, count in sorted(kinds(breaches()).items())]
        header = "# Breaches still tolerated while the code is converted (scripts/check_structure.py).\n"
        BASELINE.write_text(header + "".join(line + "\n" for line in lines), encoding="utf-8")
        return 0
    if argv:  # named files or folders: every breach in them, baseline or not
        named = [Path(arg).resolve() for arg in argv]
        found = breaches([f for path in named for f in ([path] if path.is_file() else path.rglob("*.py"))])
        for breach in found:
            print(breach)
        return 1 if found else 0
    found = breaches()
    allowed = tolerated()
    over = {kind: count for kind, count in kinds(found).items() if count > allowed[kind]}
    for breach in found:
        if f"{breach.path}: {breach.rule}" in over:
            print(breach)
    tolerated_count = sum(min(count, allowed[kind]) for kind, count in kinds(found).items())
    print(f"{len(found)} breach(es), {tolerated_count} tolerated by the baseline", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
