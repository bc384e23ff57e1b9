"""Discussions through the JSON API: start a thread on a lesson or in a cohort, read it, reply."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.discussions.models import Post, Thread
from app.refs import encode as ref
from tests.discussions.conftest import World, fetch
from tests.learning.test_api import token_for


@pytest.fixture
def bearer(new_client: Callable[[], TestClient]) -> Callable[[object], tuple[TestClient, dict[str, str]]]:
    def make(user: object) -> tuple[TestClient, dict[str, str]]:
        client = new_client()
        return client, token_for(client, user.email)  # type: ignore[attr-defined]

    return make


def test_start_read_and_reply(
    session: Session, world: World, bearer: Callable[..., tuple[TestClient, dict[str, str]]]
) -> None:
    client, headers = bearer(world.aigul)
    created = client.post(
        "/api/v1/threads",
        json={"lesson": world.lesson.id, "title": "Вопрос", "body": "Что *важно*?"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    thread_id = created.json()["id"]
    assert created.json()["url"] == f"/threads/{thread_id}"
    by_slug = client.post(
        "/api/v1/threads",
        json={"lesson": "example-course/first-steps", "title": "Ещё", "body": "x"},
        headers=headers,
    )
    assert by_slug.status_code == 201
    other, other_headers = bearer(world.cholpon)
    answer = other.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "Вот что"}, headers=other_headers)
    assert answer.status_code == 201
    read = client.get(f"/api/v1/threads/{thread_id}", headers=headers).json()
    assert read["scope"] == "lesson" and read["lesson"] == world.lesson.id and read["post_count"] == 2
    assert [post["author"] for post in read["posts"]] == ["Айгүл", "Чолпон"]
    assert read["posts"][0]["body_html"] == "<p>Что <em>важно</em>?</p>\n"
    assert "email" not in str(read) and world.aigul.email not in str(read)


def test_cohort_threads_and_hidden_names(
    session: Session, world: World, bearer: Callable[..., tuple[TestClient, dict[str, str]]]
) -> None:
    client, headers = bearer(world.aigul)
    created = client.post(
        "/api/v1/threads",
        json={"cohort": ref(world.naryn.id), "title": "Тихо", "body": "Без имени", "anonymous": True},
        headers=headers,
    )
    assert created.status_code == 201
    peer, peer_headers = bearer(world.bermet)
    seen = peer.get(f"/api/v1/threads/{created.json()['id']}", headers=peer_headers).json()
    assert seen["posts"][0]["author"] is None
    staff, staff_headers = bearer(world.trainer)
    assert (
        staff.get(f"/api/v1/threads/{created.json()['id']}", headers=staff_headers).json()["posts"][0][
            "author"
        ]
        == "Айгүл"
    )
    stranger, stranger_headers = bearer(world.cholpon)
    assert (
        stranger.get(f"/api/v1/threads/{created.json()['id']}", headers=stranger_headers).status_code == 404
    )
    refused = stranger.post(
        "/api/v1/threads",
        json={"cohort": ref(world.naryn.id), "title": "Чужое", "body": "x"},
        headers=stranger_headers,
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Нет места", "body": "x"},
        {"lesson": 1, "cohort": 1, "title": "Оба", "body": "x"},
        {"cohort": 3, "title": "Номер вместо id", "body": "x"},
        {"cohort": "q5v3kzt2m7a", "title": "Короткий id", "body": "x"},
        {"lesson": 1, "title": "Лишнее поле", "body": "x", "extra": 1},
        {"lesson": 1, "title": "", "body": "x"},
        {"lesson": 1, "title": "Пустой", "body": "   "},
        {"lesson": 1, "title": "Длинный", "body": "x" * 10_001},
        {"lesson": [1], "title": "Список", "body": "x"},
        {"lesson": 1, "title": None, "body": "x"},
    ],
)
def test_bad_bodies_are_422_with_json(
    session: Session,
    world: World,
    bearer: Callable[..., tuple[TestClient, dict[str, str]]],
    body: dict[str, object],
) -> None:
    client, headers = bearer(world.aigul)
    if body.get("lesson") == 1:
        body = {**body, "lesson": world.lesson.id}
    response = client.post("/api/v1/threads", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/json") and response.json()["detail"]
    assert fetch(session, Thread) == [] and fetch(session, Post) == []


@pytest.mark.parametrize("lesson", [999_999, "example-course/nope", "nope/nope"])
def test_unknown_lessons_are_404(
    world: World, bearer: Callable[..., tuple[TestClient, dict[str, str]]], lesson: object
) -> None:
    client, headers = bearer(world.aigul)
    response = client.post(
        "/api/v1/threads", json={"lesson": lesson, "title": "Где?", "body": "x"}, headers=headers
    )
    assert response.status_code == 404


def test_without_a_token_is_401(client: TestClient, world: World) -> None:
    assert client.get(f"/api/v1/threads/{ref(1)}").status_code == 401
    assert client.post("/api/v1/threads", json={"lesson": 1, "title": "x", "body": "y"}).status_code in (
        401,
        403,
    )
