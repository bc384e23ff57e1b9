"""The page shell's own routes: home, health, static files and the language switcher."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from app.config import LOCALES
from app.middleware import LOCALE_COOKIE
from app.web.htmx import safe_next

router = APIRouter()
log = logging.getLogger("academy.health")


@router.get("/", name="home")
def home(request: Request) -> Response:
    return request.app.state.templates.render(request, "web/home.html")  # type: ignore[no-any-return]


@router.api_route("/healthz", methods=["GET", "HEAD"], name="healthz", include_in_schema=False)
def healthz(request: Request) -> Response:
    try:
        request.app.state.database.ping()
    except SQLAlchemyError as exc:
        log.warning("database unreachable", extra={"error": exc.__class__.__name__})
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"}, headers={"Cache-Control": "no-store"})


@router.api_route("/static/{name:path}", methods=["GET", "HEAD"], name="static", include_in_schema=False)
async def static(request: Request, name: str) -> Response:
    return request.app.state.static.respond(request, name)  # type: ignore[no-any-return]


@router.post("/language", name="set_language")
def set_language(request: Request, locale: str = Form(...), next: str = Form("/")) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if locale in LOCALES:
        response.set_cookie(
            LOCALE_COOKIE,
            locale,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.https,
        )
    return response
