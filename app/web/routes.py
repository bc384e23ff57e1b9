"""The page shell's own routes: health, static files, and the offline layer's manifest, service worker
and offline page (docs/offline.md). The home page is learning's: it lists courses."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from app import i18n
from app.config import LOCALES
from app.routing import Router
from app.web import state

router = Router(include_in_schema=False)
log = logging.getLogger("academy.health")


@router.api_route("/healthz", methods=["GET", "HEAD"], name="healthz", include_in_schema=False)
def healthz(request: Request) -> Response:
    """The readiness probe a load balancer asks: 200 when this process can reach its database, 503 with
    the reason when not (take it out of rotation; it comes back by itself when the database does)."""
    try:
        request.app.state.database.ping()
    except SQLAlchemyError as exc:
        log.warning("database unreachable", extra={"error": exc.__class__.__name__})
        reason = f"the database did not answer ({exc.__class__.__name__})"
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "reason": reason},
            status_code=503,
            headers={"Cache-Control": "no-store", "Retry-After": "10"},
        )
    return JSONResponse({"status": "ok", "database": "ok"}, headers={"Cache-Control": "no-store"})


@router.api_route("/static/{name:path}", methods=["GET", "HEAD"], name="static", include_in_schema=False)
async def static(request: Request, name: str) -> Response:
    return request.app.state.static.respond(request, name)  # type: ignore[no-any-return]


THEME = "#0b4f6c"  # the header's blue (app.css --brand)


def _language(lang: str) -> str:
    return lang if lang in LOCALES else i18n.get_locale()


@router.get("/manifest.webmanifest", name="manifest")
async def manifest(request: Request, lang: str = "") -> Response:
    """The web app manifest, in the language asked for (base.html links the page's own)."""
    static = state.static(request)
    with i18n.use_locale(_language(lang)):
        body = {
            "name": i18n.gettext("Civic Space Academy"),
            "short_name": i18n.pgettext("app name on a phone's home screen", "Academy"),
            "description": i18n.gettext("Free online courses for community activists in Kyrgyzstan."),
            "lang": i18n.get_locale(),
            "start_url": "/my",
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME,
            "background_color": "#ffffff",
            "icons": [
                {"src": static.url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static.url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static.url("icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    return JSONResponse(body, media_type="application/manifest+json", headers={"Cache-Control": "no-cache"})


@router.get("/sw.js", name="service_worker")
async def service_worker(request: Request) -> Response:
    """The service worker, from the site's root so that its scope is the whole site."""
    response: Response = state.static(request).respond(request, "js/sw.js")
    response.headers["Cache-Control"] = "no-cache"  # a phone fetches a new version at its next visit
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@router.get("/offline", name="offline")
async def offline(request: Request, lang: str = "") -> Response:
    """What a phone shows for a page it does not have, with no connection. The service worker fetches
    it without cookies: it names no one and holds no form."""
    with i18n.use_locale(_language(lang)):
        response: Response = state.templates(request).render(request, "web/offline.html", {})
    return response


@router.get("/help/offline", name="help_offline")
def help_offline(request: Request) -> Response:
    """What the phone keeps, for how long, how to remove it (the plain-words part of docs/offline.md)."""
    response: Response = state.templates(request).render(request, "web/help_offline.html", {})
    return response
