"""The ceiling: a bare FastAPI app that renders a Jinja page of a given size, and nothing else (no
database, sessions, middleware or translations, but gzip like the real app). Served the same way as the
app, under the same load, its requests per second are what the lesson page is compared with.

The page is the lesson page's size both before and after compression (BENCH_CEILING_BYTES and
BENCH_CEILING_GZIP_BYTES, both measured by bench/run.py on the real lesson page): prose paragraphs from
the shipped lessons until the compressed size is reached, then one sentence repeated until the raw size
is. A page of markup compresses better than prose, so both can be met; bench/run.py stops if they are
not. The first ceiling repeated one sentence only: 18 KB compressed to 0.4 KB, so the bare page spent a
tenth of the lesson page's time in gzip and sent a fifteenth of its bytes (docs/performance.md).

    BENCH_CEILING_BYTES=18000 BENCH_CEILING_GZIP_BYTES=6500 \
        gunicorn -w 2 -k uvicorn_worker.UvicornWorker bench.ceiling:app
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from starlette.middleware.gzip import GZipMiddleware

SIZE = int(os.environ.get("BENCH_CEILING_BYTES", "18000"))
GZIP_SIZE = int(os.environ.get("BENCH_CEILING_GZIP_BYTES", "6500"))
SENTENCE = "Жергиликтүү тобокелдиктер жана пландар тууралуу сабактын абзацы. "
COURSES = Path(__file__).resolve().parent.parent / "courses"

TEMPLATE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="ky"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/app.css"></head><body><main><h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}</main></body></html>"""
)


def _prose() -> list[str]:
    """The shipped lessons' English and Russian prose paragraphs (no headings, lists, tables or quotes),
    in a fixed order: the same text whatever other translations are added."""
    found = []
    for path in sorted(p for p in COURSES.glob("*/*/*.md") if p.name.endswith((".en.md", ".ru.md"))):
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            text = " ".join(block.split())
            if len(text) >= 80 and not text.startswith(("#", "-", "|", "*", ">", "1.")):
                found.append(text)
    return found


def _page(paragraphs: list[str]) -> bytes:
    return TEMPLATE.render(title="Ceiling", paragraphs=paragraphs).encode()


def _paragraphs(size: int, gzip_size: int) -> list[str]:
    """Prose until the page compresses to `gzip_size` bytes (the last paragraph cut to fit, word by
    word), then a short sentence repeated until it has `size` bytes."""
    paragraphs: list[str] = []
    for text in _prose():
        words = text.split()
        while words and len(zlib.compress(_page([*paragraphs, " ".join(words)]), 6)) > gzip_size:
            words = words[: len(words) * 9 // 10]
        if words:
            paragraphs.append(" ".join(words))
        if len(words) < len(text.split()):
            break
    while len(_page([*paragraphs, SENTENCE])) <= size:
        paragraphs.append(SENTENCE)
    return paragraphs


PARAGRAPHS = _paragraphs(SIZE, GZIP_SIZE)

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)


@app.get("/page", response_class=HTMLResponse)
def page() -> HTMLResponse:
    return HTMLResponse(TEMPLATE.render(title="Ceiling", paragraphs=PARAGRAPHS))


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
