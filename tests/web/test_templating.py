"""The templates' gettext callables (app.web.templating.translating_callables), as the app's own Jinja
environment has them, give exactly what Jinja's own "newstyle" gettext gives, where the template escapes
and where it does not (a plain-text email), in every language."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from app import i18n
from app.config import Settings
from app.staticfiles import STATIC_DIR, StaticAssets
from app.web.templating import Templates, translating_callables

TEMPLATES = [
    "{{ _('Sign out') }}",
    "{{ _('%(num)s comment', num=n) }}",
    "{{ _('Hello %(name)s', name=name) }}",  # the variable escaped where the template escapes
    "{{ _('100%% done') }}",  # always a format string: %% is one %
    "{{ ngettext('%(num)s comment', '%(num)s comments', n) }}",
    "{{ ngettext('%(num)s change', '%(num)s changes', n, who=name) }}",
    "{{ pgettext('verb', 'Post') }} {{ npgettext('x', '%(num)s flag', '%(num)s flags', n) }}",
    "{% trans %}Sign out{% endtrans %} {% trans count=n %}{{ count }} flag{% pluralize %}{{ count }} flags{% endtrans %}",
]


@pytest.fixture(scope="module")
def app_environment(settings: Settings) -> Environment:
    return Templates(settings, StaticAssets(STATIC_DIR)).env


def jinjas_own() -> Environment:
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
    )
    return env


def test_the_app_uses_them(app_environment: Environment) -> None:
    ours = {name: function.__qualname__ for name, function in translating_callables().items()}
    assert {name: app_environment.globals[name].__qualname__ for name in ours} == ours


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
@pytest.mark.parametrize("source", TEMPLATES)
def test_the_same_as_jinjas_own(
    app_environment: Environment, source: str, locale: str, autoescape: bool
) -> None:
    if not autoescape:  # as in a plain-text template (the emails)
        source = "{% autoescape false %}" + source + "{% endautoescape %}"
    values = {"n": 5, "name": "<b>Айгүл & Co</b>"}
    with i18n.use_locale(locale):
        theirs = jinjas_own().from_string(source).render(values)
        ours = app_environment.from_string(source).render(values)
    assert ours == theirs


def test_translated_and_escaped(app_environment: Environment) -> None:
    with i18n.use_locale("ru"):
        plural = "{{ ngettext('%(num)s comment', '%(num)s comments', 5) }}"
        assert app_environment.from_string(plural).render() == "5 комментариев"
        html = app_environment.from_string("{{ _('Hello %(name)s', name=name) }}").render(name="<i>")
    assert "&lt;i&gt;" in html and "<i>" not in html
