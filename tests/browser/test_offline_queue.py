"""Unit tests of the offline queue (app/static/js/offline.js, `self.academyQueue`), run in Chromium: no
Node toolchain. The server's answers are played by the test (context.route), so each case is exact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest


def event(event_id: str, state: str = "waiting") -> dict[str, Any]:
    return {
        "id": event_id,
        "state": state,
        "url": "/courses/c/l",
        "event": {"id": event_id, "lesson": "c/l", "type": "completed", "at": "2026-12-06T10:00:00Z"},
    }


@pytest.fixture
def queue_page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server + "/offline?lang=ru")
    page.wait_for_function("() => !!self.academyQueue")
    yield page
    context.close()


def answer_with(page: Any, status: int, body: Any, seen: list[Any]) -> None:
    def reply(route: Any) -> None:
        seen.append((json.loads(route.request.post_data), route.request.headers.get("x-csrf-token")))
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    page.context.route("**/api/v1/progress", reply)


def put(page: Any, *items: dict[str, Any]) -> None:
    page.evaluate(
        "async (items) => { for (const item of items) await self.academyQueue.put(item); }", list(items)
    )


def stored(page: Any) -> list[tuple[str, str, Any]]:
    items = page.evaluate("async () => await self.academyQueue.all()")
    return sorted((item["id"], item["state"], item.get("reason")) for item in items)


def test_an_event_put_twice_is_kept_once_and_meta_values_are_kept(queue_page: Any) -> None:
    put(queue_page, event("a"), event("a"), event("b"))
    assert stored(queue_page) == [("a", "waiting", None), ("b", "waiting", None)]
    queue_page.evaluate(
        "async () => { await self.academyQueue.set('csrf', 't1'); await self.academyQueue.drop('a'); }"
    )
    assert stored(queue_page) == [("b", "waiting", None)]
    assert queue_page.evaluate("async () => await self.academyQueue.get('csrf')") == "t1"
    queue_page.evaluate("async () => await self.academyQueue.clear()")
    assert (
        stored(queue_page) == []
        and queue_page.evaluate("async () => await self.academyQueue.get('csrf')") is None
    )


def test_send_drops_the_accepted_keeps_the_refused_and_sends_only_what_waits(queue_page: Any) -> None:
    seen: list[Any] = []
    results = [
        {"id": "a", "status": "accepted"},
        {"id": "b", "status": "duplicate"},
        {"id": "c", "status": "rejected", "reason": "Ваша группа завершила обучение"},
    ]
    answer_with(queue_page, 200, {"results": results}, seen)
    put(queue_page, event("a"), event("b"), event("c"), event("old", "rejected"))
    queue_page.evaluate("async () => await self.academyQueue.send('token-1')")
    [(body, token)] = seen
    assert token == "token-1"
    assert [one["id"] for one in body["events"]] == ["a", "b", "c"]  # not the one already refused
    assert set(body["events"][0]) == {"id", "lesson", "type", "at"}  # the event, not the queue's notes
    assert stored(queue_page) == [
        ("c", "rejected", "Ваша группа завершила обучение"),
        ("old", "rejected", None),
    ]


def test_a_failed_send_keeps_everything_waiting(queue_page: Any) -> None:
    seen: list[Any] = []
    answer_with(queue_page, 503, {"detail": "busy"}, seen)
    put(queue_page, event("a"))
    failed = queue_page.evaluate(
        "async () => { try { await self.academyQueue.send('t'); return false; } catch (e) { return true; } }"
    )
    assert failed and len(seen) == 1
    assert stored(queue_page) == [("a", "waiting", None)]


def test_a_body_the_server_cannot_take_is_refused_not_retried_forever(queue_page: Any) -> None:
    seen: list[Any] = []
    answer_with(queue_page, 422, {"detail": [{"msg": "Слишком длинный текст"}]}, seen)
    put(queue_page, event("a"))
    queue_page.evaluate("async () => await self.academyQueue.send('t')")
    assert stored(queue_page) == [("a", "rejected", "Слишком длинный текст")]


def test_two_sends_at_once_make_one_request_and_nothing_waiting_makes_none(queue_page: Any) -> None:
    seen: list[Any] = []
    answer_with(queue_page, 200, {"results": [{"id": "a", "status": "accepted"}]}, seen)
    put(queue_page, event("a"))
    queue_page.evaluate(
        "async () => await Promise.all([self.academyQueue.send('t'), self.academyQueue.send('t')])"
    )
    assert len(seen) == 1
    assert queue_page.evaluate("async () => await self.academyQueue.send('t')") == []
    assert len(seen) == 1


def test_at_most_500_events_go_in_one_request(queue_page: Any) -> None:
    seen: list[Any] = []
    answer_with(queue_page, 200, {"results": []}, seen)
    put(queue_page, *[event(f"e{i:03}") for i in range(501)])
    queue_page.evaluate("async () => await self.academyQueue.send('t')")
    assert len(seen[0][0]["events"]) == 500
