"""Routers are included hottest first (FastAPI tries routes in order, and a learner's pages should not
wait behind a hundred others), so the order must never let one route hide another."""

from __future__ import annotations

import re

from starlette.routing import Match

from app.main import ROUTERS


def sample_path(path_format: str) -> str:
    """A path the route itself would serve: every parameter filled with a plausible value."""
    samples = {"path": "a/b", "ref": "q5v3kzt2m7aa"}  # a public id (app/refs.py)
    return re.sub(r"\{(\w+)(?::(\w+))?\}", lambda m: samples.get(m.group(2) or "", "7"), path_format)


def test_no_route_is_hidden_by_an_earlier_one() -> None:
    routes = [route for router in ROUTERS for route in router.routes]
    hidden = []
    for index, route in enumerate(routes):
        path = sample_path(route.path)  # type: ignore[attr-defined]
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            scope = {"type": "http", "path": path, "method": method, "root_path": ""}
            first = next((other for other in routes if other.matches(scope)[0] == Match.FULL), None)
            if first is not route and routes.index(first) < index:  # type: ignore[arg-type]
                hidden.append(f"{method} {route.path_format} is answered by {first.path_format}")  # type: ignore[union-attr]
    assert not hidden, hidden


def test_the_hottest_routes_come_first() -> None:
    routes = [route.path_format for router in ROUTERS for route in router.routes]  # type: ignore[attr-defined]
    assert routes.index("/courses/{slug}/{lesson_slug}") < 30
