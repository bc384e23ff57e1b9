"""Domain errors and the one place that turns any error into a page, a fragment or JSON.

A service raises a `DomainError` subclass (say `CourseNotFound`, 404) with an untranslated message;
the handler translates it into the request's language. Expected outcomes are 4xx; a 500 means a bug,
and its page never shows a stack trace.
"""

from __future__ import annotations

import errno
import logging
from html import escape
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.i18n import N_, gettext, interpolate

log = logging.getLogger("academy.errors")


class DomainError(Exception):
    """An expected failure with a message for the user (marked with N_, translated when shown)."""

    status_code = 400
    message = N_("The request could not be completed.")
    location: str | None = None  # where a browser's GET is sent instead of an error page (e.g. sign-in)
    headers: dict[str, str] | None = None
    field: str = ""  # on a form's page, the field the message belongs beside ("": the form as a whole)
    # A rule about what she sent (409, 413, 422, 429: yes; 401, 403, 404: no), so that a form's page shows
    # it beside her input (app.routing.shows_refusals). A 403 about what she wrote rather than who she
    # is (a thread locked while she wrote) says `refusable = True`.
    refusable: bool | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int | None = None,
        location: str | None = None,
        field: str | None = None,
        **params: Any,
    ) -> None:
        if message is not None:
            self.message = message
        if status_code is not None:
            self.status_code = status_code
        if location is not None:
            self.location = location
        if field is not None:
            self.field = field
        self.params = params
        super().__init__(self.message)

    def translated(self) -> str:
        return interpolate(gettext(self.message), self.params)


class NotFound(DomainError):
    status_code = 404
    message = N_("We could not find that page.")


class Forbidden(DomainError):
    status_code = 403
    message = N_("You do not have permission to do that.")


class Conflict(DomainError):
    status_code = 409
    message = N_("That conflicts with something that already exists.")


RETRY_AFTER_SECONDS = 5


class Busy(DomainError):
    """Too much at once: no worker thread (or database connection, or SQLite's write lock) came free in
    time. The request did nothing; the client may send it again (app.db.Database.run)."""

    status_code = 503
    message = N_("Too many people are using the academy right now. Please try again in a few seconds.")
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


class DatabaseDown(DomainError):
    """The database cannot be reached (a restart, a network cut, a file that cannot be opened). Nothing
    of the request was saved; the pool replaces its connections when the database is back."""

    status_code = 503
    message = N_(
        "The academy cannot reach its database just now, so nothing you sent was saved. What you saved "
        "before is safe. Please try again in a minute."
    )
    headers = {"Retry-After": "30"}


class DiskFull(DomainError):
    """No space left for a write: nothing of it was kept (the transaction rolled back, a file removed)."""

    status_code = 507
    refusable = True  # a form's page shows it with what she wrote kept (app.routing)
    message = N_(
        "The server has no space left to save this, so nothing you sent was saved. What you saved before "
        "is safe, and you can keep reading. Please try again later."
    )
    headers = {"Retry-After": "300"}


_SQLITE_DOWN = ("unable to open database file", "disk i/o error", "database disk image is malformed")


def as_unavailable(exc: BaseException) -> DomainError | None:
    """The outage `exc` stands for, if it is one: overload (our queue's timeout, the pool's, SQLite's
    write lock held too long), a database that cannot be reached, or a full disk. Any other database
    error is a bug, and None."""
    if isinstance(exc, Busy | DatabaseDown | DiskFull):
        return exc
    if isinstance(exc, sa_exc.TimeoutError):
        return Busy()
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull()
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    text = str(exc.orig).lower()
    if "database is locked" in text:
        return Busy()
    if "database or disk is full" in text or getattr(exc.orig, "sqlstate", None) == "53100":
        return DiskFull()
    if exc.connection_invalidated:
        return DatabaseDown()
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        sqlite = type(exc.orig).__module__.startswith("sqlite3")
        if not sqlite or any(sign in text for sign in _SQLITE_DOWN):
            return DatabaseDown()  # PostgreSQL's OperationalError is a connection's; SQLite's, only these
    return None


TITLES = {
    400: N_("Bad request"),
    401: N_("Please sign in"),
    403: N_("Access denied"),
    404: N_("Page not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    413: N_("Too large"),
    422: N_("Please check what you entered"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
    503: N_("Temporarily unavailable"),
    507: N_("Not enough space"),
}

DEFAULT_MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Please sign in to continue."),
    403: N_("You do not have permission to do that."),
    404: N_("We could not find that page. It may have moved, or the address may be mistyped."),
    405: N_("This address does not accept that kind of request."),
    413: N_("What you sent is too large."),
    422: N_("Some of what you entered could not be accepted."),
    429: N_("Too many attempts. Please wait a minute and try again."),
    500: N_("An error on our side stopped this page. It has been logged; please try again later."),
    503: N_("The service is temporarily unavailable. Please try again in a few minutes."),
    507: DiskFull.message,
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(
    request: Request, status_code: int, message: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    """The response for an error: JSON under /api/, otherwise the error page (or its block for htmx)."""
    text = message or gettext(DEFAULT_MESSAGES.get(status_code, DEFAULT_MESSAGES[400]))
    if wants_json(request):
        return JSONResponse({"detail": text}, status_code=status_code, headers=headers)
    title = gettext(TITLES.get(status_code, TITLES[400]))
    try:
        templates = request.app.state.templates
        return templates.render(  # type: ignore[no-any-return]
            request,
            "errors/error.html",
            {"status_code": status_code, "title": title, "message": text},
            block="content",
            status_code=status_code,
            headers=headers,
        )
    except Exception:  # the error page itself failed: answer with a bare page, never a traceback
        log.exception("error page failed to render")
        body = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(text)}</p>"
        return HTMLResponse(body, status_code=status_code, headers=headers)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if exc.location and not wants_json(request) and request.method in ("GET", "HEAD"):
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": exc.location})
        return RedirectResponse(exc.location, status_code=303)
    return error_response(request, exc.status_code, exc.translated(), headers=exc.headers)


async def _overload(request: Request, exc: Exception) -> Response:
    outage = as_unavailable(exc)
    if outage is None:
        raise exc  # any other database error is a bug: the 500 page (app.middleware)
    log.warning("unavailable: %s (%s)", type(outage).__name__, type(exc).__name__)
    return await _domain_error(request, outage)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=headers)
    return error_response(request, exc.status_code, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if wants_json(request):
        errors = [
            {
                "field": ".".join(str(part) for part in error.get("loc", ())[1:]),
                "problem": error.get("msg", ""),
            }
            for error in exc.errors()
        ]
        return JSONResponse({"detail": gettext(DEFAULT_MESSAGES[422]), "errors": errors}, status_code=422)
    return error_response(request, 422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(sa_exc.TimeoutError, _overload)
    app.add_exception_handler(sa_exc.DBAPIError, _overload)
    app.add_exception_handler(OSError, _overload)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
