"""The templates' gettext callables (app.web.templating.translating_callables) give exactly what Jinja's own
"newstyle" gettext gives, in an escaping template and a plain-text one, in another language too."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from app import i18n
from app.web.templating import translating_callables

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


def environment(*, ours: bool, autoescape: bool) -> Environment:
    env = Environment(autoescape=autoescape, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
    )
    if ours:
        env.globals.update(translating_callables())
    return env


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
@pytest.mark.parametrize("source", TEMPLATES)
def test_the_same_as_jinjas_own(source: str, locale: str, autoescape: bool) -> None:
    values = {"n": 5, "name": "<b>Айгүл & Co</b>"}
    with i18n.use_locale(locale):
        theirs = environment(ours=False, autoescape=autoescape).from_string(source).render(values)
        ours = environment(ours=True, autoescape=autoescape).from_string(source).render(values)
    assert ours == theirs


def test_translated_and_escaped() -> None:
    env = environment(ours=True, autoescape=True)
    with i18n.use_locale("ru"):
        plural = "{{ ngettext('%(num)s comment', '%(num)s comments', 5) }}"
        assert env.from_string(plural).render() == "5 комментариев"
        html = env.from_string("{{ _('Hello %(name)s', name=name) }}").render(name="<i>")
    assert "&lt;i&gt;" in html and "<i>" not in html
