"""Every UI string is translated in ky, ru and en, and the catalogues match the code."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from app import i18n

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("ky", "ru", "en")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def load(locale: str) -> Catalog:
    with (ROOT / "app" / "locale" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def extracted_ids() -> set[str]:
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update({"N_": None, "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)})
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    jinja = {"trim_blocks": "True", "lstrip_blocks": "True"}
    options_map = {"templates/**.html": jinja, "templates/**.txt": jinja}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=keywords,
        # Babel skips folders whose names start with "_" by default: templates/_macros/ is ours.
        directory_filter=lambda path: (
            not Path(path).name.startswith(".") and Path(path).name != "__pycache__"
        ),
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add(f"{context}\u0004{msgid}" if context else msgid)
    return found


def key(message: object) -> str:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id  # type: ignore[attr-defined]
    context = message.context  # type: ignore[attr-defined]
    return f"{context}\u0004{msgid}" if context else msgid


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete(locale: str) -> None:
    catalog = load(locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {key(message)!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {key(message)!r}")
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(source[-1]))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ: {key(message)!r} -> {string!r}")
    assert not problems, f"{locale}: " + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_matches_the_code(locale: str) -> None:
    in_code = extracted_ids()
    in_catalog = {key(message) for message in load(locale) if message.id}
    missing, stale = in_code - in_catalog, in_catalog - in_code
    assert not missing and not stale, f"run `make i18n`: missing {sorted(missing)}, stale {sorted(stale)}"


def test_russian_has_three_plural_forms() -> None:
    assert load("ru").num_plurals == 3
    assert load("ky").num_plurals == 2


def test_russian_plural_rules() -> None:
    choose = gettext.c2py(load("ru").plural_expr)
    assert [choose(n) for n in (1, 2, 5, 11, 21, 22, 25, 111, 104)] == [0, 1, 2, 2, 0, 1, 2, 2, 1]


def test_accept_language_parsing_never_fails() -> None:
    assert i18n.parse_accept_language("ky-KG,ru;q=0.8") == "ky"
    assert i18n.parse_accept_language("ru;q=0.5, en;q=0.9") == "en"
    assert i18n.parse_accept_language("fr;q=abc, ;;, ru") == "ru"
    assert i18n.parse_accept_language("*") is None
    assert i18n.parse_accept_language("x" * 10_000) is None


# Text a template may show untranslated: the names of the languages in their own language, a format's
# name and a URL's fixed part.
UNTRANSLATED = {"English", "Русский", "Кыргызча", "JSON", "/verify/"}
JINJA = re.compile(r"\{#.*?#\}|\{%-?.*?-?%\}|\{\{-?.*?-?\}\}", re.S)
WORDS = re.compile(r"[^\W\d_]{2,}")
SHOWN_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}
ATTRIBUTE_LEFTOVER = re.compile(r'^[\s\w-]+="[^"]*"')  # an attribute Jinja put in a tag conditionally


class TemplateText(HTMLParser):
    """The text a template shows outside `{{ _(...) }}`: its text nodes and the attributes people read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style")
        self.found += [
            f"{name}={value!r}"
            for name, value in attrs
            if name in SHOWN_ATTRIBUTES and value and WORDS.search(value)
        ]

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if (
            not self.hidden
            and WORDS.search(text)
            and text not in UNTRANSLATED
            and not ATTRIBUTE_LEFTOVER.match(text)
        ):
            self.found.append(text[:80])


def test_templates_show_no_text_outside_the_catalogues() -> None:
    """Every word a page shows goes through gettext: a template with bare text fails here."""
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        parser = TemplateText()
        parser.feed(JINJA.sub(" ", path.read_text(encoding="utf-8")))
        problems += [f"{path.relative_to(ROOT)}: {text}" for text in parser.found]
    assert not problems, "wrap these in {{ _(...) }}:\n" + "\n".join(problems)


def test_the_parser_finds_bare_text() -> None:
    parser = TemplateText()
    parser.feed(JINJA.sub(" ", '<p>{{ _("Fine") }} Next</p><img alt="Logo"><p title="{{ _(\'x\') }}">·</p>'))
    assert parser.found == ["Next", "alt='Logo'"]


def test_russian_takes_no_gender_hedges() -> None:
    """No "завершил(а)": a neutral phrasing does (issue 21)."""
    hedged = [
        string
        for message in load("ru")
        for string in (message.string if isinstance(message.string, tuple) else (message.string,))
        if re.search(r"\((а|ла|на)\)", string or "")
    ]
    assert not hedged


def test_a_moment_in_a_message_is_written_as_her_language_writes_it_in_bishkek_time() -> None:
    """No ISO date or UTC time in prose (issue 25): a moment in a message is Babel's, in the
    organisation's time zone."""
    import datetime as dt

    from app.i18n import interpolate, use_locale

    moment = dt.datetime(2026, 12, 10, 8, 0, tzinfo=dt.UTC)  # 14:00 in Bishkek
    with use_locale("ru"):
        text = interpolate("до %(date)s", {"date": moment})
    assert text == "до 10.12.2026, 14:00"
    assert "2026-12-10" not in text and "UTC" not in text
