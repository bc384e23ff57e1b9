"""The route class of every router: a plain `def` route runs as one turn of the worker threads.

FastAPI would run a plain `def` route in its own thread pool, then (for a JSON response model) validate
the result in a second trip to that pool, and close the request's session later still. A request that
had used its connection then waited for a thread while holding it; with every thread waiting for a
connection, the process froze (issue 16: fifty phones at once). Here the route runs through
`Database.run` (a bounded wait for a turn, then 503), and its session is closed at the end of that same
turn, so the connection is back in the pool before the thread is. What follows (validating a response
model, sending the page) happens on the event loop and holds nothing. An `async` route that needs the
database takes its turns itself, through `Database.run` or `app.db.read`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.requests import Request

T = TypeVar("T")
REQUEST = "academy_request__"  # the request, added to a plain route's parameters to reach its database


class Route(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = in_worker_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)


def in_worker_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint` as an `async` route that runs it in one turn of the worker threads."""
    try:
        signature = inspect.signature(endpoint, eval_str=True)
    except NameError:  # a name only imported for type checking: FastAPI resolves it, as it would have
        signature = inspect.signature(endpoint)

    # FastAPI hands a route one request, under one name: the route's own, or one added here.
    named = [p.name for p in signature.parameters.values() if p.annotation is Request]
    name = named[0] if named else REQUEST

    @functools.wraps(endpoint)
    async def route(**kwargs: Any) -> Any:
        request: Request = kwargs[name] if named else kwargs.pop(name)
        return await request.app.state.database.run(releasing(endpoint, kwargs))

    if not named:
        parameters = [*signature.parameters.values()]
        parameters.append(inspect.Parameter(REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
        signature = signature.replace(parameters=parameters)
    route.__signature__ = signature  # type: ignore[attr-defined]
    return route


def releasing(function: Callable[..., T], kwargs: dict[str, Any]) -> Callable[[], T]:
    """`function(**kwargs)`, then every session among the arguments closed, whether it returned or
    failed: in the same thread, so that the connection goes back before the thread does."""

    def call() -> T:
        try:
            return function(**kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()

    return call
