"""Jinja: one environment, translated through gettext, rendering a page or one block of it.

`render()` returns the whole page, or only the named block of the same template when the request
comes from htmx (see `is_partial`). Templates render what routes hand them; they never query.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app import changelog, i18n, refs
from app.config import LOCALES, Settings
from app.staticfiles import StaticAssets
from app.web import flash
from app.web.htmx import is_partial
from app.web.once import once_field

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"

# Extra globals a domain may contribute for every page (e.g. the signed-in user, the CSRF token).
ContextProcessor = Callable[[Request], Mapping[str, Any]]


class Templates:
    def __init__(self, settings: Settings, static: StaticAssets, directory: Path = TEMPLATE_DIR) -> None:
        self.settings = settings
        self.processors: list[ContextProcessor] = []
        env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        env.install_gettext_callables(  # type: ignore[attr-defined]
            i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
        )
        env.globals.update(translating_callables())
        env.globals.update(
            csrf_field=_csrf_field,
            once_field=once_field,  # a form that creates something: its one-time id (app/web/once.py)
            who=_who,
            static_url=static.url,
            locales=LOCALES,
            locale_names=i18n.LOCALE_NAMES,  # each language in itself: for a language switch
            language_name=i18n.language_name,  # in the reader's language: for a sentence or a label
            locale_choices=[(code, i18n.LOCALE_NAMES[code]) for code in LOCALES],
            get_locale=i18n.get_locale,
        )
        zone = ZoneInfo(settings.timezone)
        i18n.set_timezone(settings.timezone)  # for a moment in a message built outside a template

        def datetime_filter(value: dt.datetime | None, format: str = "medium") -> str:
            if value is None:
                return ""
            return format_datetime(value, format=format, tzinfo=zone, locale=i18n.get_locale())

        env.filters.update(
            date=_date,
            datetime=datetime_filter,
            number=_number,
            hours=i18n.format_hours,
            size=i18n.format_size,
            ref=refs.encode,  # a row's public id, for an anchor or a form field (app/refs.py)
            changelog=changelog.changelog,  # the platform's own changelog lines, translated
        )
        self.env = env

    def add_context_processor(self, processor: ContextProcessor) -> None:
        self.processors.append(processor)

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        block: str | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        partial = block is not None and is_partial(request)
        values: dict[str, Any] = {
            "request": request,
            # The path of a named route, {{ url('course', slug=course.slug) }}: a plain function bound to
            # this app, not a context function, which Jinja would give a context of its own at each call
            # in a loop.
            "url": functools.partial(url_for, request.app),
            "locale": i18n.get_locale(),
            "flash": None if partial else flash.pending(request),
        }
        for processor in self.processors:
            values.update(processor(request))
        if context:
            values.update(context)
        template = self.env.get_template(name)
        if partial:
            assert block is not None
            render_block = template.blocks[block]
            html = "".join(render_block(template.new_context(values)))
        else:
            html = template.render(values)
        response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
        if block is not None:
            response.headers["Vary"] = "HX-Request"
        if values["flash"] is not None:
            response.delete_cookie(flash.COOKIE, path="/")
        return response


def translating_callables() -> dict[str, Callable[..., str]]:
    """`_`, `gettext`, `ngettext`, `pgettext` and `npgettext` for the templates, as Jinja's "newstyle"
    gettext makes them (the translation marked safe where the template escapes, then always formatted
    with its variables, which are escaped), but each one call. Jinja's own `_` is a context function
    that looks `gettext` up by name and calls it through the context, which calls our function through
    the context again: three `Context.call`s for every string on a page (a lesson page has 32; this
    saved about 4% of its time, docs/performance.md). `install_gettext_callables` still runs first: it
    is what sets the environment's newstyle flag, which `{% trans %}` blocks are compiled by."""

    def finish(eval_ctx: EvalContext, text: str, variables: dict[str, Any]) -> str:
        return (Markup(text) if eval_ctx.autoescape else text) % variables

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        return finish(eval_ctx, i18n.gettext(message), variables)

    @pass_eval_context
    def ngettext(eval_ctx: EvalContext, singular: str, plural: str, n: int, /, **variables: Any) -> str:
        variables.setdefault("num", n)
        return finish(eval_ctx, i18n.ngettext(singular, plural, n), variables)

    @pass_eval_context
    def pgettext(eval_ctx: EvalContext, context: str, message: str, /, **variables: Any) -> str:
        variables.setdefault("context", context)
        return finish(eval_ctx, i18n.pgettext(context, message), variables)

    @pass_eval_context
    def npgettext(
        eval_ctx: EvalContext, context: str, singular: str, plural: str, n: int, /, **variables: Any
    ) -> str:
        variables.setdefault("context", context)
        variables.setdefault("num", n)
        return finish(eval_ctx, i18n.npgettext(context, singular, plural, n), variables)

    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "npgettext": npgettext,
    }


# Records keep the name of who did something as it was then (a label). Where no person is behind it,
# the label is one of these, stored in English and shown in the reader's language.
NO_PERSON_LABELS = {
    "command line": i18n.N_("command line"),  # app.accounts.service.COMMAND_LINE
    "files": i18n.N_("files"),  # a revision loaded from courses/ (app.courses.sync)
    "a deleted account": i18n.N_("a deleted account"),  # app.accounts.personal_data.DELETED
}


def _who(label: str | None, person_id: int | None = None) -> str:
    """A record's label of who did it: {{ who(event.actor_label, event.actor_id) }}. Only a label with no
    person behind it is translated (so a person who calls herself "files" is shown as she wrote it)."""
    if person_id is None and label in NO_PERSON_LABELS:
        return i18n.gettext(NO_PERSON_LABELS[label])
    return label or ""


@pass_context
def _csrf_field(context: Context) -> Markup:
    """The hidden CSRF field of a form: {{ csrf_field() }}. A global rather than a macro, so that the
    form macros need no page context and Jinja builds their module once, not on every page."""
    token = str(context.get("csrf_token", ""))
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


def url_for(app: Any, name: str, /, **params: Any) -> str:
    """Like Starlette's `url_path_for`, from a table made once per app: Starlette's own walks every
    route and raises an exception for each that does not match, which cost a page with 20 links as
    much as all its database queries."""
    table: dict[str, tuple[str, dict[str, Any]]] | None = getattr(app.state, "url_table", None)
    if table is None:
        table = {}
        for route in every_route(app.routes):
            name_of, path_format = getattr(route, "name", None), getattr(route, "path_format", None)
            if name_of and path_format and name_of not in table:
                table[name_of] = (path_format, dict(getattr(route, "param_convertors", {})))
        app.state.url_table = table
    found = table.get(name)
    if found is None or params.keys() != found[1].keys() or any("/" in str(v) for v in params.values()):
        return str(app.url_path_for(name, **params))  # the slow way, which also raises the right errors
    convertors = found[1]  # a public id (app/refs.py) is written by its convertor, as Starlette would
    return found[0].format(**{key: convertors[key].to_string(value) for key, value in params.items()})


def every_route(routes: list[Any]) -> Any:
    """Every route, including those of included routers (FastAPI keeps one of those as one node)."""
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI keeps an included router as one node
            yield from every_route(route.original_router.routes)
        else:
            yield route


def _date(value: dt.date | None, format: str = "medium") -> str:
    if value is None:
        return ""
    day = value.date() if isinstance(value, dt.datetime) else value
    return _format_date(day, format, i18n.get_locale())


@functools.lru_cache(maxsize=4096)
def _format_date(day: dt.date, format: str, locale: str) -> str:
    """Babel's formatting is slow and reports show the same few dates hundreds of times."""
    return str(format_date(day, format=format, locale=locale))


def _number(value: float | int | None) -> str:
    return "" if value is None else format_decimal(value, locale=i18n.get_locale())
