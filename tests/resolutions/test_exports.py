"""Every file of a published resolution has every item, in order, and Kyrgyz letters survive."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable

import pytest
from docx import Document
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import LOCALES
from app.resolutions import drafting
from app.resolutions.models import Resolution, ResolutionItem
from tests.resolutions.conftest import World, adopted, role

KYRGYZ = "Жергиликтүү кеңештер өрт коопсуздугун көзөмөлдөсүн"


@pytest.fixture
def published(session: Session, world: World) -> Resolution:
    resolution = adopted(session, world, items=12, overrides={7: {"ky": KYRGYZ}})  # ң, ө, ү
    drafting.publish(
        session, role(session, world.coordinator, world.forum), resolution, author=world.coordinator
    )
    session.commit()
    return resolution


def _numbers(text: str, locale: str) -> list[int]:
    return [int(n) for n in re.findall(rf"Пункт (\d+) \({locale}\)", text)]


@pytest.mark.parametrize("locale", LOCALES)
def test_pdf_docx_and_markdown_have_every_item_in_order(
    client: TestClient, published: Resolution, locale: str
) -> None:
    base = f"/resolutions/{published.number}"
    pdf = client.get(f"{base}.pdf?lang={locale}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    docx = client.get(f"{base}.docx?lang={locale}")
    docx_text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    markdown = client.get(f"{base}.md?lang={locale}").text
    expected = [n for n in range(1, 13) if not (locale == "ky" and n == 7)]
    for text in (pdf_text, docx_text, markdown):
        assert _numbers(text.replace("\n", " "), locale) == expected
        assert published.fingerprint in text.replace("\n", "")
    if locale == "ky":
        for text in (pdf_text, docx_text, markdown):
            assert KYRGYZ in text.replace("\n", " ")


def test_json_has_the_fingerprinted_text_and_monitoring(client: TestClient, published: Resolution) -> None:
    document = json.loads(client.get(f"/resolutions/{published.number}.json").text)
    assert [item["number"] for item in document["text"]["items"]] == list(range(1, 13))
    assert [row["number"] for row in document["monitoring"]] == list(range(1, 13))
    assert document["fingerprint"]["value"] == published.fingerprint


def test_unknown_formats_and_numbers_are_404(client: TestClient, published: Resolution) -> None:
    assert client.get(f"/resolutions/{published.number}.exe").status_code == 404
    assert client.get("/resolutions/1999-9").status_code == 404
    assert client.get("/resolutions/1999-9.pdf").status_code == 404


def test_the_public_page_in_each_language(
    client: TestClient, published: Resolution, session: Session, browser_of: Callable[[User], TestClient]
) -> None:
    for locale in LOCALES:
        page = client.get(f"/resolutions/{published.number}", headers={"Accept-Language": locale}).text
        assert _numbers(page, locale) == [n for n in range(1, 13) if not (locale == "ky" and n == 7)]
    assert session.query(ResolutionItem).count() == 12
