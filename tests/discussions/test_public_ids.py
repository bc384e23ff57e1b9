"""Public ids (app/refs.py): a learner's URLs name threads, posts and cohorts' boards by ids that do not
count rows, and the row numbers appear nowhere on her pages or in the API's answers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import refs
from app.accounts.models import User
from app.discussions import links
from app.forms import MAX_ID
from tests.conftest import TEST_SECRET_KEY
from tests.discussions.conftest import World, form, start


def test_every_row_id_has_one_public_id_and_back() -> None:
    ids = list(range(1, 5001)) + [MAX_ID - 1, MAX_ID]
    names = [refs.encode(row) for row in ids]
    assert len(set(names)) == len(ids)
    assert all(re.fullmatch(refs.PATTERN, name) for name in names)
    assert [refs.decode(name) for name in names] == ids
    assert refs.decode(names[41].upper()) == 42  # typed from paper, in capitals
    assert refs.decode(names[41].replace("k", "\u212a")) in (0, 42) and refs.decode("\u212a" * 12) == 0


def test_consecutive_rows_get_unrelated_names() -> None:
    """No shared prefix or order: from one name, the next row's cannot be told."""
    names = [refs.encode(row) for row in range(1, 201)]
    assert names != sorted(names)
    same_start = sum(a[:3] == b[:3] for a, b in zip(names, names[1:], strict=False))
    assert same_start <= 2
    # a character of a name changes with half the bits of the row number, not with the last one only
    differing = [
        sum(x != y for x, y in zip(a, b, strict=True)) for a, b in zip(names, names[1:], strict=False)
    ]
    assert min(differing) >= 6


@pytest.mark.parametrize("text", ["", "7", "q5v3kzt2m7a", "q5v3kzt2m7aaa", "q5v3kzt2m7a1", "q5v3kzt2m7a!"])
def test_text_that_is_not_a_public_id_names_no_row(text: str) -> None:
    assert refs.decode(text) == 0
    assert refs.decode_optional(text) is None


def test_a_guessed_name_almost_never_names_a_row() -> None:
    """Of 2**60 names, at most 2**31 name a row: 20,000 made-up names find none."""
    names = ("".join(refs.ALPHABET[(n * 7919 + k * 104729) % 32] for k in range(12)) for n in range(20_000))
    assert sum(1 for name in names if refs.decode(name)) == 0


def test_the_key_comes_from_the_secret_key() -> None:
    before, key = refs.encode(7), refs._key
    try:
        refs.configure("another secret key, at least thirty-two characters long")
        assert refs.encode(7) != before
        assert refs.decode(refs.encode(7)) == 7
        assert refs.decode(before) != 7
    finally:
        refs._key = key


def test_no_row_number_on_her_discussion_pages_or_in_the_api(
    session: Session,
    world: World,
    browser_of: Callable[[User], TestClient],
) -> None:
    thread, first = start(session, world.aigul, cohort=world.naryn, title="Сроки", body="Когда сдаём отчёт?")
    bermet = browser_of(world.bermet)
    answered = form(bermet, f"/threads/{refs.encode(thread.id)}/posts", {"body": "В пятницу"})
    assert answered.status_code == 303
    location = answered.headers["location"]
    assert re.fullmatch(r"/threads/[a-z2-7]{12}\?post=[a-z2-7]{12}#post-[a-z2-7]{12}", location), location
    pages = [
        bermet.get(links.cohort_board_path(world.naryn.id)).text,
        bermet.get(location.split("#")[0]).text,
        bermet.get(f"/threads/{refs.encode(thread.id)}?reply_to={refs.encode(first.id)}").text,
        bermet.get("/discussions").text,
    ]
    for page in pages:
        for row_id in (thread.id, first.id, world.naryn.id):
            for pattern in (
                f"/threads/{row_id}\\b",
                f"post-{row_id}\\b",
                f"cohorts/{row_id}\\b",
                f"cohort={row_id}\\b",
            ):
                assert not re.search(pattern, page), pattern
    assert f'value="{refs.encode(first.id)}"' in pages[2]  # her reply names its parent by its public id


@pytest.mark.parametrize("path", ["/threads/{}", "/discussions/cohorts/{}", "/posts/{}/edit"])
def test_a_row_number_in_place_of_a_public_id_finds_nothing(
    session: Session, world: World, browser_of: Callable[[User], TestClient], path: str
) -> None:
    thread, first = start(session, world.aigul, cohort=world.naryn, title="Сроки", body="x")
    client = browser_of(world.aigul)
    for number in {thread.id, first.id, world.naryn.id}:
        assert client.get(path.format(number)).status_code == 404
    assert client.get(path.format("aaaaaaaaaaaa")).status_code == 404  # well formed, names no row


def test_a_command_without_the_app_names_rows_as_the_app_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest runs without create_app: its links use the settings' key, never a built-in one."""
    from app import config

    expected = refs.encode(42)
    key = refs._key
    settings = config.Settings(_env_file=None, secret_key=TEST_SECRET_KEY)  # type: ignore[call-arg]
    monkeypatch.setattr(config, "get_settings", lambda: settings)
    refs._key = None
    try:
        assert links.thread_path(42) == f"/threads/{expected}"
    finally:
        refs._key = key
