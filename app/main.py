"""create_app(): settings, database, templates, middleware, routers and error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app import errors
from app.config import Settings, get_settings
from app.db import Database, create_engine
from app.logs import configure_logging
from app.middleware import LocaleMiddleware, RequestContextMiddleware, SecurityHeadersMiddleware
from app.staticfiles import StaticAssets
from app.templating import Templates
from app.web import routes as web_routes

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.ensure_data_dir()
    secret_key = settings.resolved_secret_key
    database = database or Database(create_engine(settings.resolved_database_url))
    static = StaticAssets(STATIC_DIR)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        database.dispose()

    app = FastAPI(
        title="Civic Space Academy",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN; we serve the document only
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.secret_key = secret_key
    app.state.database = database
    app.state.static = static
    app.state.templates = Templates(settings, static)

    for router in (web_routes.router,):
        app.include_router(router)
    errors.install(app)

    # Added innermost first: a request meets them in the reverse order.
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(LocaleMiddleware, default=settings.default_locale)
    app.add_middleware(SecurityHeadersMiddleware, https=settings.https)
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    return app


def serve_app() -> FastAPI:
    """The factory that `academy serve` and gunicorn run: logging first, then the app."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
