"""Reaffirmations linked both ways (issue 25, point 11): an item that reaffirms an item of an earlier
resolution says so ("reaffirms item 3 of resolution 2026-1") in all four files of the published
resolution and on its pages; the earlier resolution's item says "reaffirmed as item 2 of resolution
2026-2", with a link. And the recommendation form started from a post comes filled with the post's text,
which she may change: what she sends is what is saved."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable

import pytest
from docx import Document
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import LOCALES, Settings
from app.i18n import gettext, use_locale
from app.refs import encode as ref
from app.resolutions import drafting, monitoring
from app.resolutions.drafting import canonical
from app.resolutions.forums import ForumFields, save
from app.resolutions.models import Forum, Recommendation, Resolution, ResolutionItem
from tests.discussions.conftest import start
from tests.resolutions.conftest import BISHKEK, FULL, World, adopted, form, fresh, role

REAFFIRMS = "reaffirms item %(item)s of resolution %(number)s"
REAFFIRMED_AS = "reaffirmed as item %(item)s of resolution %(number)s"


def _said(locale: str, message: str, **params: object) -> str:
    with use_locale(locale):
        return gettext(message) % params


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


def _squeezed(text: str) -> str:
    """Without any whitespace: a PDF line break may fall anywhere in a sentence or an address."""
    return "".join(text.split())


def _later(session: Session, world: World, *, publish: bool = True) -> tuple[Resolution, Resolution]:
    """Resolution 2026-1 (published, three items) and 2026-2 of a later forum, whose item 2 reaffirms
    item 3 of 2026-1."""
    first = adopted(session, world)
    coordinator = role(session, world.coordinator, world.forum)
    drafting.publish(session, coordinator, first, author=world.coordinator)
    session.commit()
    old_item = next(item for item in drafting.items_of(session, first) if item.position == 3)
    following = save(session, None, ForumFields(name={"ru": "Форум осени", "ky": "Күзгү форум", "en": "Autumn forum"},
                                                  place={"ru": "Нарын"}, held_on=dt.date(2026, 11, 20),
                                                  cohorts=[world.naryn.id]), actor=world.coordinator)  # fmt: skip
    session.commit()
    manager = role(session, world.coordinator, following)
    carried = monitoring.reaffirm(session, manager, old_item, author=world.coordinator)
    session.commit()
    second = drafting.resolution_of(session, following)
    rows = [
        drafting.ItemDraft(id=None, position=1, text={code: f"Новый пункт ({code})" for code in LOCALES},
                           theme="civic_space", addressee="parliament"),
        drafting.ItemDraft(id=carried.id, position=2, text=dict(carried.text), theme=carried.theme,
                           addressee=carried.addressee),
    ]  # fmt: skip
    drafting.save_draft(session, manager, second, preamble=FULL, items=rows, note="Второй форум",
                        base_revision=second.revision, author=world.coordinator)  # fmt: skip
    drafting.adopt(session, manager, second, adopted_on=dt.date(2026, 11, 20), outcome="consensus", votes=None,
                   author=world.coordinator, zone=BISHKEK)  # fmt: skip
    if publish:
        drafting.publish(session, manager, second, author=world.coordinator)
    session.commit()
    assert (first.number, second.number) == ("2026-1", "2026-2")
    return first, second


@pytest.mark.parametrize("locale", LOCALES)
def test_pdf_docx_and_markdown_say_what_an_item_reaffirms(
    session: Session, world: World, client: TestClient, settings: Settings, locale: str
) -> None:
    _first, second = _later(session, world)
    base = f"/resolutions/{second.number}"
    line = _said(locale, REAFFIRMS, item=3, number="2026-1")
    address = f"{settings.base_url.rstrip('/')}/resolutions/2026-1#item-3"
    markdown = client.get(f"{base}.md?lang={locale}").text
    assert f"2. Пункт 3 ({locale})" in markdown
    assert f"   *([{line}]({address}))*" in markdown  # under item 2, linked
    docx = client.get(f"{base}.docx?lang={locale}")
    paragraphs = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    at = paragraphs.index(f"2. Пункт 3 ({locale})")
    assert paragraphs[at + 1] == f"({line}: {address})"
    pdf = client.get(f"{base}.pdf?lang={locale}")
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert _squeezed(f"({line}: {address})") in _squeezed(pdf_text)
    assert line not in markdown.split("2. Пункт 3")[0]  # item 1 reaffirms nothing


def test_the_json_lists_what_each_item_reaffirms_beside_the_untouched_text(
    session: Session, world: World, client: TestClient, settings: Settings
) -> None:
    _first, second = _later(session, world)
    document = json.loads(client.get(f"/resolutions/{second.number}.json").text)
    assert document["reaffirms"] == [
        {
            "item": 2,
            "resolution": "2026-1",
            "resolution_item": 3,
            "url": f"{settings.base_url.rstrip('/')}/resolutions/2026-1#item-3",
        }
    ]
    assert hashlib.sha256(canonical(document["text"])).hexdigest() == document["fingerprint"]["value"]
    first_document = json.loads(client.get("/resolutions/2026-1.json").text)
    assert first_document["reaffirms"] == []


def test_both_public_pages_link_the_two_items(session: Session, world: World, client: TestClient) -> None:
    _later(session, world)
    for locale in LOCALES:
        headers = {"Accept-Language": locale}
        later = client.get("/resolutions/2026-2", headers=headers).text
        assert _escaped(_said(locale, REAFFIRMS, item=3, number="2026-1")) in later
        assert '<a href="/resolutions/2026-1#item-3">' in later
        earlier = client.get("/resolutions/2026-1", headers=headers).text
        said = _escaped(_said(locale, REAFFIRMED_AS, item=2, number="2026-2"))
        assert f'<a href="/resolutions/2026-2#item-2">{said}</a>' in earlier
        assert earlier.count(said) == 1  # on item 3 only
        assert earlier.index(said) > earlier.index('id="item-3"')


def test_the_earlier_forum_page_says_it_was_reaffirmed(
    session: Session, world: World, browser_of: Callable[[User], TestClient], client: TestClient
) -> None:
    _later(session, world, publish=False)
    said = _escaped(_said("ru", REAFFIRMED_AS, item=2, number="2026-2"))
    member = browser_of(world.a1)
    page = member.get(f"/forums/{world.forum.id}/resolution").text
    assert said in page and "/resolutions/2026-2" not in page  # adopted, not published: no link yet
    assert said not in client.get("/resolutions/2026-1").text  # the public page waits for publication
    second = next(r for r in fresh(session, Resolution) if r.number == "2026-2")
    following = second.forum_id
    later_forum = fresh(session, Forum, id=following)[0]
    drafting.publish(session, role(session, world.coordinator, later_forum), second, author=world.coordinator)
    session.commit()
    page = member.get(f"/forums/{world.forum.id}/resolution").text
    assert f'<a href="/resolutions/2026-2#item-2">{said}</a>' in page
    later = browser_of(world.coordinator).get(f"/forums/{following}/resolution").text
    assert _escaped(_said("ru", REAFFIRMS, item=3, number="2026-1")) in later
    assert "/resolutions/2026-1#item-3" in later


# The form from a post ---------------------------------------------------------------------------------------


def test_the_form_from_a_post_is_filled_with_it_and_saves_what_she_edits(
    session: Session, world: World, browser_of: Callable[[User], TestClient]
) -> None:
    body = "В Баткене нужны безопасные убежища для женщин и детей."
    thread, post = start(session, world.a1, cohort=world.naryn, title="Убежища в Баткене", body=body)
    a1 = browser_of(world.a1)
    page = a1.get(f"/posts/{ref(post.id)}/recommend")
    assert page.status_code == 200
    textarea = page.text.split('name="text"', 1)[1].split("</textarea>", 1)[0]
    assert textarea.endswith(f">{body}")  # her post's text, in the field
    opening = textarea.split(">", 1)[0]
    assert "readonly" not in opening and "disabled" not in opening  # hers to change
    assert 'name="title"' in page.text and 'value="Убежища в Баткене"' in page.text

    edited = "Акимиатам Баткенской области открыть безопасные убежища для женщин и детей до 2027 года."
    made = form(a1, f"/posts/{ref(post.id)}/recommend", {
        "forum": str(world.forum.id), "title": "Безопасные убежища в Баткене", "text": edited,
        "theme": "peace_security", "addressee": "local_councils",
    })  # fmt: skip
    assert made.status_code == 303, made.text[:300]
    [rec] = fresh(session, Recommendation)
    assert (rec.title, rec.text, rec.thread_id) == ("Безопасные убежища в Баткене", edited, thread.id)
    assert body not in rec.text


def test_no_item_without_a_reaffirmation_says_one(session: Session, world: World, client: TestClient) -> None:
    resolution = adopted(session, world)
    drafting.publish(
        session, role(session, world.coordinator, world.forum), resolution, author=world.coordinator
    )
    session.commit()
    with use_locale("ru"):
        marker = gettext(REAFFIRMS).split("%")[0]
    assert marker not in client.get("/resolutions/2026-1.md?lang=ru").text
    assert len(fresh(session, ResolutionItem)) == 3
