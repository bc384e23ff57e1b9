"""Every route runs its database work in a turn of the worker threads (app/routing.py, Database.run), so a
request never holds a connection while it waits for a thread: checked over the whole app, so that a new
route or dependency cannot slip past."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

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
