"""The ceiling: a bare FastAPI app that renders a Jinja page of a given size, and nothing else (no
database, sessions, middleware or translations, but gzip like the real app). Served the same way as the
app, under the same load, its requests per second are what the lesson page is compared with.

    BENCH_CEILING_BYTES=18000 gunicorn -w 2 -k uvicorn_worker.UvicornWorker bench.ceiling:app
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from starlette.middleware.gzip import GZipMiddleware

SIZE = int(os.environ.get("BENCH_CEILING_BYTES", "18000"))
SENTENCE = "Жергиликтүү тобокелдиктер жана пландар тууралуу сабактын абзацы. "

TEMPLATE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="ky"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/app.css"></head><body><main><h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}</main></body></html>"""
)


def _paragraphs(size: int) -> list[str]:
    one = SENTENCE * 6
    count = max(1, size // len((f"<p>{one}</p>\n").encode()))
    return [one] * count


PARAGRAPHS = _paragraphs(SIZE)

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)


@app.get("/page", response_class=HTMLResponse)
def page() -> HTMLResponse:
    return HTMLResponse(TEMPLATE.render(title="Ceiling", paragraphs=PARAGRAPHS))


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
