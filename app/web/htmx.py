"""Small helpers for answering htmx and plain browsers alike."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target on this site only: a path, never another host (open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def redirect(request: Request, url: str) -> Response:
    """After a successful POST: 303 for a plain browser, HX-Redirect for htmx."""
    if is_partial(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def is_partial(request: Request) -> bool:
    """True when htmx asks for a fragment: HX-Request, but not a history restore or a boosted page."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-history-restore-request") != "true"
        and headers.get("hx-boosted") != "true"
    )
