"""The architecture's rules that import-linter cannot see (scripts/check_structure.py): they hold for app/,
and the checker does catch each kind of breach."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import check_structure  # noqa: E402


def test_the_app_keeps_the_rules() -> None:
    assert check_structure.main([]) == 0


BAD_ROUTE = """
import sqlalchemy as sa
from app.forms import form_fields
from app.discussions.routes import threads


def page(request, session, raw=Depends(form_fields)):
    rows = session.scalars(sa.select(Thing))
    session.commit()
    with request.app.state.database.session(write=True) as other:
        pass
    return raw
"""


def test_the_checker_finds_each_kind_of_breach(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    route = root / "app" / "learning" / "routes" / "bad.py"
    route.parent.mkdir(parents=True)
    route.write_text(BAD_ROUTE, encoding="utf-8")
    cli = root / "app" / "learning" / "cli.py"
    cli.write_text("def run(session):\n    session.commit()\n", encoding="utf-8")
    monkeypatch.setattr(check_structure, "ROOT", root)
    rules = {breach.rule.split(":")[0] for breach in check_structure.breaches([route, cli])}
    assert rules == {
        "runs SQL (scalars)",
        "builds SQL (sa.select)",
        "commits",
        "opens a session",
        "reads a raw form",
        "imports app.discussions.routes",
    }
    assert not list(check_structure.breaches_in(cli))  # the CLI may commit: it is a unit of work of its own
