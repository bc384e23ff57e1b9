"""Every route runs its database work in a turn of the worker threads (app/routing.py, Database.run), so a
request never holds a connection while it waits for a thread: checked over the whole app, so that a new
route or dependency cannot slip past."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.routing import Route
from tests.accounts.test_security import all_routes


def api_routes(app: FastAPI) -> list[APIRoute]:
    routes = list(all_routes(app))
    assert len(routes) > 100  # the walk finds them all (FastAPI keeps an included router as one node)
    return routes


def dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from dependencies(sub)


def test_every_route_is_one_of_ours(app: FastAPI) -> None:
    assert [route.path for route in api_routes(app) if not isinstance(route, Route)] == []


def test_every_endpoint_leaves_the_event_loop_only_through_database_run(app: FastAPI) -> None:
    """FastAPI runs a plain `def` (an endpoint or a dependency) in its own thread pool, outside the
    worker threads' turns and their bounded wait: none may remain."""
    plain = []
    for route in api_routes(app):
        if not inspect.iscoroutinefunction(route.endpoint):
            plain.append(f"{route.path}: the endpoint")
        for sub in dependencies(route.dependant):
            call = sub.call
            if call is None or inspect.isclass(call):
                continue
            function = call if inspect.isfunction(call) or inspect.ismethod(call) else call.__call__  # type: ignore[operator]
            if not (inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)):
                plain.append(f"{route.path}: {getattr(call, '__name__', call)!r}")
    assert plain == []


# The routers' shortcut (app.routing.Router): a path none of a router's routes can match skips the router.


def test_each_routers_pattern_matches_exactly_the_paths_of_its_routes() -> None:
    """A sample path of every route matches its router's pattern; a path of another router matches it
    only where one of this router's routes would match it too."""
    from starlette.routing import Match

    from app.main import ROUTERS
    from tests.web.test_route_order import sample_path

    samples = [sample_path(route.path) for router in ROUTERS for route in router.routes]  # type: ignore[attr-defined]
    for router in ROUTERS:
        pattern = router._any_path()  # type: ignore[attr-defined]
        assert pattern is not None
        for path in samples:
            scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
            own = any(route.matches(scope)[0] != Match.NONE for route in router.routes)
            assert (pattern.match(path) is not None) == own, path


def test_a_route_added_later_is_found() -> None:
    from app.routing import Router

    router = Router(prefix="/things")

    @router.get("/one")
    async def one() -> dict[str, str]:
        return {}

    before = router._any_path()
    assert before is not None and before.match("/things/one") and not before.match("/things/two")

    @router.get("/two")
    async def two() -> dict[str, str]:
        return {}

    after = router._any_path()  # built again: the router has one route more
    assert after is not None and after.match("/things/two")


def test_wrong_method_missing_slash_and_unknown_path_are_answered_as_before(client: TestClient) -> None:
    assert client.post("/healthz").status_code == 405  # its path is known, with GET and HEAD
    moved = client.get("/forums", follow_redirects=False)  # the route is /forums/
    assert moved.status_code in (307, 308) and moved.headers["location"].endswith("/forums/")
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/api/v1/no-such-thing").status_code == 404


def test_routers_are_included_without_a_prefix(app: FastAPI) -> None:
    """A router's pattern is of its routes' own paths: a prefix given when it is included (FastAPI keeps
    it outside the routes) would make it turn every request away."""
    included = [route for route in app.router.routes if hasattr(route, "include_context")]
    assert included and all(not route.include_context.prefix for route in included)  # type: ignore[attr-defined]
