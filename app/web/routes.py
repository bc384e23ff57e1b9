"""The page shell's own routes: health and static files (the home page is learning's: it lists courses)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from app.routing import Route

router = APIRouter(include_in_schema=False, route_class=Route)
log = logging.getLogger("academy.health")


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
