"""create_app(): settings, database, templates, middleware, routers and error handlers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from starlette.requests import Request
from starlette.types import ASGIApp

from app import errors, refs
from app.accounts.bearer import token_owner
from app.accounts.middleware import AuthMiddleware
from app.accounts.ratelimit import RateLimiter
from app.accounts.routes import account as accounts_routes
from app.accounts.routes import admin as accounts_admin_routes
from app.accounts.routes import twofactor as accounts_two_factor_routes
from app.authoring import media_routes as authoring_media_routes
from app.authoring import routes as authoring_routes
from app.compression import COMPRESS_LEVEL, GZip
from app.config import Settings, get_settings
from app.db import Database, create_engine
from app.discussions import api as discussions_api
from app.discussions.routes import moderation as discussions_moderation_routes
from app.discussions.routes import notifications as discussions_notification_routes
from app.discussions.routes import reflections as discussions_reflection_routes
from app.discussions.routes import threads as discussions_routes
from app.learning import api as learning_api
from app.learning.routes import cohorts as cohort_routes
from app.learning.routes import lessons as learning_routes
from app.logs import configure_logging
from app.memory import limit_malloc_arenas
from app.middleware import LocaleMiddleware, RequestContextMiddleware, SecurityHeadersMiddleware
from app.reports import routes as reports_routes
from app.resolutions.routes import forums as resolutions_forum_routes
from app.resolutions.routes import public as resolutions_public_routes
from app.resolutions.routes import resolutions as resolutions_resolution_routes
from app.serving import guard_stop
from app.staticfiles import STATIC_DIR, StaticAssets
from app.web import routes as web_routes
from app.web.access import csrf_protect, current_principal
from app.web.openapi import document_errors
from app.web.templating import Templates

MAX_BODY_BYTES = 2 * 1024 * 1024  # forms and JSON; uploads set their own limit

# FastAPI tries routes in this order, each at a cost: the pages learners open most come first.
# tests/web/test_route_order.py checks that no route ever hides another.
ROUTERS = (
    web_routes.router,
    learning_routes.router,
    learning_api.router,
    authoring_media_routes.router,
    accounts_routes.router,
    accounts_admin_routes.router,
    accounts_two_factor_routes.router,
    discussions_api.router,
    authoring_routes.router,
    cohort_routes.router,
    reports_routes.router,
    discussions_routes.router,
    discussions_moderation_routes.router,
    discussions_reflection_routes.router,
    discussions_notification_routes.router,
    resolutions_forum_routes.router,
    resolutions_resolution_routes.router,
    resolutions_public_routes.router,
)


def page_context(request: Request) -> Mapping[str, Any]:
    """What every page may show: the signed-in person, the CSRF token and a permission check."""
    principal = current_principal(request)
    return {
        "current_user": principal,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "can": (lambda capability: principal is not None and principal.can(capability)),
    }


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.ensure_data_dir()
    secret_key = settings.resolved_secret_key
    refs.configure(secret_key)  # the public ids in URLs (threads, posts, cohorts' boards)
    # A turn of the worker threads holds at most two connections (the request's session and a short
    # writer beside it) and gives them back before it ends (Database.run), so two per thread never run
    # dry; no overflow, and a wait for one is bounded like a wait for a turn (then 503).
    database = database or Database(
        create_engine(
            settings.resolved_database_url,
            pool_size=2 * settings.worker_threads,
            max_overflow=0,
            pool_timeout=settings.queue_timeout,
        ),
        threads=settings.worker_threads,
        queue_timeout=settings.queue_timeout,
    )
    static = StaticAssets(STATIC_DIR)
    templates = Templates(settings, static)
    templates.add_context_processor(page_context)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        guard_stop()
        yield
        database.dispose()

    app = FastAPI(
        title="Civic Space Academy",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN; we serve the document only
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(csrf_protect)],
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.static = static
    app.state.templates = templates
    app.state.rate_limiter = RateLimiter(secret_key)
    app.state.token_owner = token_owner

    for router in ROUTERS:
        app.include_router(router)
    document_errors(app)
    errors.install(app)

    # Added innermost first: a request meets them in the reverse order.
    app.add_middleware(AuthMiddleware, database=database, settings=settings, secret=secret_key)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(LocaleMiddleware, default=settings.default_locale)
    app.add_middleware(GZip, minimum_size=500, compresslevel=COMPRESS_LEVEL)
    _outermost(app, lambda inner: SecurityHeadersMiddleware(inner, https=settings.https))
    return app


def _outermost(app: FastAPI, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
    """Wrap the whole stack, Starlette's error middleware included (add_middleware puts a middleware
    inside it), so that what it adds reaches every response, a 500 too."""
    build = app.build_middleware_stack

    def built() -> ASGIApp:
        return wrap(build())

    app.build_middleware_stack = built  # type: ignore[method-assign]


def serve_app() -> FastAPI:
    """The factory that `academy serve` and gunicorn run: logging first, then the app."""
    settings = get_settings()
    configure_logging(settings.log_level)
    limit_malloc_arenas()
    app = create_app(settings)
    tune_gc()
    return app


def tune_gc() -> None:
    """After start-up: move everything alive now out of the collector's sight (it lives as long as the
    process), and collect the youngest objects less often. A report of 30,000 cells otherwise pays for
    full collections that walk every object of the app (seen: 70 ms spikes on a 20 ms query).
    No collection before the freeze: it walked the app's 155,000 objects for 0.1 s of every start to
    free about 800 of them (2,700 small blocks; resident memory did not change), which now stay."""
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    gc.enable()  # a gunicorn worker imports the app with it paused (docker/gunicorn.conf.py)
