"""The route class of every router: a plain `def` route runs as one turn of the worker threads, as one
unit of work, and a form it refuses is shown again.

FastAPI would run a plain `def` route in its own thread pool, then (for a JSON response model) validate
the result in a second trip to that pool, and close the request's session later still. A request that
had used its connection then waited for a thread while holding it; with every thread waiting for a
connection, the process froze (issue 16: fifty phones at once). Here the route runs through
`Database.run` (a bounded wait for a turn, then 503), and its session is closed at the end of that same
turn, so the connection is back in the pool before the thread is. What follows (validating a response
model, sending the page) happens on the event loop and holds nothing. An `async` route that needs the
database takes its turns itself, through `Database.run` or `app.db.read`.

The turn is the request's one unit of work: services add and flush, never commit; when the route returns,
its session is committed (then what waited for the commit runs: app.db.after_commit), and when it
raises, everything is rolled back. A route whose form can be refused names the page that shows the form
again (`@shows_refusals(page)`): a form that does not validate (app.forms.form) or a rule of the domain
that says no (a DomainError: a cap reached, a window closed) brings her back to that page with what she
typed and the reason beside the field, status 422 (or the rule's own), never to a bare error page.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.routing import APIRoute, APIRouter
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette._utils import get_route_path
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from app.db import commit
from app.errors import DomainError, as_unavailable
from app.forms import FormErrors, Invalid, Refused

T = TypeVar("T")
REQUEST = "academy_request__"  # the request, added to a plain route's parameters to reach its database


class Route(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = in_worker_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)


class Router(APIRouter):
    """The router of every domain: its routes are `Route`s, and a request none of its paths can match
    is turned away by one regular expression of them all.

    FastAPI (0.165) keeps each included router as one node and, to find a request's route, asks every
    route of every router in turn, each time through a few dictionary operations on the request's scope:
    37 routes tried for an API call, a seventh of the event loop's time on it (docs/performance.md).
    The check is on the path alone, so a path that one of its routes matches with another method is
    still found (and answered 405), and a path with or without its slash is still redirected. Include it
    without a prefix (app.main does; a test holds it): the pattern is of its routes' own paths."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", Route)
        super().__init__(**kwargs)
        self._paths: tuple[int, re.Pattern[str] | None] = (-1, None)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            paths = self._any_path()
            if paths is not None and paths.match(get_route_path(scope)) is None:
                return Match.NONE, {}
        return super().matches(scope)

    def _any_path(self) -> re.Pattern[str] | None:
        """One pattern of every route's path (None, and no shortcut, for a router with other kinds of
        route). Built again if a route was added since (routes are only ever added)."""
        count, pattern = self._paths
        if count != len(self.routes):
            pattern = any_path(self.routes)
            self._paths = (len(self.routes), pattern)
        return pattern


def any_path(routes: list[BaseRoute]) -> re.Pattern[str] | None:
    if not routes or not all(isinstance(route, APIRoute) for route in routes):
        return None
    # Each route's pattern is anchored (^…$); their groups are named after the path's parameters, which
    # several routes share, so the groups lose their names here.
    unnamed = [_NAMED_GROUP.sub("(?:", route.path_regex.pattern) for route in routes]  # type: ignore[attr-defined]
    return re.compile("|".join(f"(?:{pattern})" for pattern in unnamed))


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


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
        return await request.app.state.database.run(unit_of_work(endpoint, kwargs, request))

    if not named:
        parameters = [*signature.parameters.values()]
        parameters.append(inspect.Parameter(REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
        signature = signature.replace(parameters=parameters)
    route.__signature__ = signature  # type: ignore[attr-defined]
    return route


RefusalPage = Callable[[Refused], Response]
REFUSABLE = frozenset({400, 409, 413, 422, 429})  # a rule said no to what she sent; not "who are you"


def refusable(exc: DomainError) -> bool:
    """Whether a form's page shows this refusal beside her input (else the error page)."""
    return exc.refusable if exc.refusable is not None else exc.status_code in REFUSABLE


def shows_refusals(page: RefusalPage) -> Callable[[T], T]:
    """Mark a form's route: when its form is refused, `page(refused)` shows the form again."""

    def mark(endpoint: T) -> T:
        endpoint.academy_refusal_page = page  # type: ignore[attr-defined]
        return endpoint

    return mark


def unit_of_work(function: Callable[..., T], kwargs: dict[str, Any], request: Request) -> Callable[[], Any]:
    """`function(**kwargs)` as one unit of work: committed when it returns, rolled back when it raises;
    then every session among the arguments closed, in the same thread, so that the connection goes back
    before the thread does. A refused form goes to the route's refusal page instead (above)."""
    page: RefusalPage | None = getattr(function, "academy_refusal_page", None)
    sessions = [value for value in kwargs.values() if isinstance(value, Session)]

    def call() -> Any:
        try:
            invalid = next((value for value in kwargs.values() if isinstance(value, Invalid)), None)
            if invalid is not None:
                return _refused(page, request, sessions, kwargs, invalid.errors, invalid.status_code)
            try:
                result = function(**kwargs)
                for session in sessions:
                    commit(session)
            except (DomainError, DBAPIError, OSError) as raised:
                # A full disk refuses the write like a rule does: her form again, with what she wrote.
                exc = raised if isinstance(raised, DomainError) else as_unavailable(raised)
                if page is None or not isinstance(exc, DomainError) or not refusable(exc):
                    raise
                for session in sessions:
                    session.rollback()
                errors = FormErrors()
                errors.add(exc.field or "", exc.message, **exc.params)
                response = _refused(page, request, sessions, kwargs, errors, exc.status_code)
                response.headers.update(exc.headers or {})  # Retry-After, where the refusal has one
                return response
            return result
        finally:
            for session in sessions:
                session.close()

    return call


def _refused(
    page: RefusalPage | None,
    request: Request,
    sessions: list[Session],
    kwargs: dict[str, Any],
    errors: FormErrors,
    status_code: int,
) -> Response:
    if page is None or not sessions:  # a form with no page of its own: the error page
        raise Invalid.error(errors, status_code)
    values = getattr(request.state, "form_values", {})
    return page(Refused(request, sessions[0], kwargs, values, errors, status_code))
