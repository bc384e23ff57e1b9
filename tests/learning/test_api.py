"""The JSON API: tokens, catalogue, enrolment, progress events (counted once), and bad bodies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.accounts import ratelimit
from app.accounts.models import ApiToken
from app.config import Settings
from app.learning.models import Enrolment, LessonProgress, ProgressEvent
from tests.factories import PASSWORD, create_cohort, create_user, enrol, login, post, sync_course


def token_for(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"email": email, "password": password, "name": "phone"})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def api(
    client: TestClient, session: Session, settings: Settings
) -> tuple[TestClient, dict[str, str], object]:
    course = sync_course(session, settings)
    user = create_user(session, settings)
    session.commit()
    return client, token_for(client, user.email), (user, course)


class TestTokens:
    def test_bad_credentials_are_401_and_say_nothing_more(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        session.commit()
        wrong = client.post("/api/v1/tokens", json={"email": user.email, "password": "nope nope nope"})
        unknown = client.post(
            "/api/v1/tokens", json={"email": "ghost@example.kg", "password": "nope nope nope"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()

    def test_rate_limited(self, client: TestClient, session: Session, settings: Settings) -> None:
        user = create_user(session, settings)
        session.commit()
        for _ in range(ratelimit.LOGIN_PER_ACCOUNT.hits):
            client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong wrong wrong"})
        assert (
            client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).status_code == 429
        )

    def test_listed_and_revocable_on_the_account_page(
        self,
        api: tuple[TestClient, dict[str, str], object],
        session: Session,
        new_client: Callable[[], TestClient],
    ) -> None:
        client, headers, (user, _course) = api  # type: ignore[misc]
        browser = new_client()
        login(browser, user.email)
        page = browser.get("/account").text
        assert "phone" in page
        token_id = session.scalars(sa.select(ApiToken.id)).one()
        assert post(browser, f"/account/tokens/{token_id}/revoke", token_from="/account").status_code == 303
        assert client.get("/api/v1/me/enrolments", headers=headers).status_code == 401

    def test_no_token_is_401_with_a_json_message(self, client: TestClient) -> None:
        response = client.get("/api/v1/me/enrolments")
        assert response.status_code == 401 and "Bearer" in response.json()["detail"]
        assert (
            client.get("/api/v1/me/enrolments", headers={"Authorization": "Bearer nonsense"}).status_code
            == 401
        )


class TestCatalogue:
    def test_courses_and_stable_lesson_ids(self, api: tuple[TestClient, dict[str, str], object]) -> None:
        client, _headers, _ = api
        courses = client.get("/api/v1/courses").json()
        assert [course["slug"] for course in courses] == ["example-course"]
        detail = client.get("/api/v1/courses/example-course", headers={"Accept-Language": "en"}).json()
        ids = [lesson["id"] for module in detail["outline"] for lesson in module["lessons"]]
        assert ids == [
            "example-course/first-steps", "example-course/check", "example-course/your-turn",
            "example-course/the-meeting", "example-course/recap",
        ]  # fmt: skip
        assert detail["outline"][0]["title"] == "The basics" and detail["pass_mark"] == 60
        assert client.get("/api/v1/courses/nope").status_code == 404

    def test_openapi_document_lists_the_api_only(self, client: TestClient) -> None:
        document = client.get("/api/v1/openapi.json").json()
        paths = set(document["paths"])
        assert {"/api/v1/tokens", "/api/v1/progress", "/api/v1/me/progress", "/api/v1/enrolments"} <= paths
        assert all(path.startswith("/api/v1/") for path in paths)


class TestEnrolment:
    def test_by_course_and_by_code(
        self, api: tuple[TestClient, dict[str, str], object], session: Session
    ) -> None:
        client, headers, (_user, course) = api  # type: ignore[misc]
        response = client.post("/api/v1/enrolments", json={"course": "example-course"}, headers=headers)
        assert response.status_code == 201 and response.json()["progress"]["percent"] == 0
        cohort = create_cohort(session, course, code="TALAS777")
        session.commit()
        joined = client.post("/api/v1/enrolments", json={"code": "talas777"}, headers=headers)
        assert joined.status_code == 201 and joined.json()["cohort"] == cohort.name
        assert session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"course": "example-course", "code": "X"},
            {"course": 5},
            {"course": "x" * 500},
            {"slug": "example-course"},
            [],
            "text",
        ],
    )
    def test_bad_bodies(self, api: tuple[TestClient, dict[str, str], object], body: object) -> None:
        client, headers, _ = api
        response = client.post("/api/v1/enrolments", json=body, headers=headers)
        assert response.status_code == 422 and response.json()["detail"]

    def test_unknown_course_and_code(self, api: tuple[TestClient, dict[str, str], object]) -> None:
        client, headers, _ = api
        assert client.post("/api/v1/enrolments", json={"course": "nope"}, headers=headers).status_code == 404
        assert (
            client.post("/api/v1/enrolments", json={"code": "NOPE0000"}, headers=headers).status_code == 404
        )


class TestProgress:
    def send(
        self, client: TestClient, headers: dict[str, str], *events: dict[str, object]
    ) -> list[dict[str, str]]:
        response = client.post("/api/v1/progress", json={"events": list(events)}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["results"]  # type: ignore[no-any-return]

    def test_each_event_is_answered_and_a_resent_one_counts_once(
        self, api: tuple[TestClient, dict[str, str], object], session: Session
    ) -> None:
        client, headers, (user, course) = api  # type: ignore[misc]
        enrol(session, user, course)
        session.commit()
        event = {
            "id": "0b6b2a1e-9f1c-4c1e-8a55-1d9c2e7f0a01",
            "lesson": "example-course/first-steps",
            "type": "completed",
        }
        results = self.send(
            client, headers,
            {"id": "v1", "lesson": "example-course/first-steps", "type": "viewed", "at": "2026-11-01T09:00:00+06:00"},
            event, event,
            {"id": "bad1", "lesson": "example-course/nope", "type": "viewed"},
            {"id": "bad2", "lesson": "other-course/x", "type": "viewed"},
            {"id": "bad3", "lesson": "example-course/check", "type": "completed"},
        )  # fmt: skip
        assert [(r["id"], r["status"]) for r in results] == [
            ("v1", "accepted"), (event["id"], "accepted"), (event["id"], "duplicate"),
            ("bad1", "rejected"), ("bad2", "rejected"), ("bad3", "rejected"),
        ]  # fmt: skip
        assert all(r["reason"] for r in results if r["status"] == "rejected")
        again = self.send(client, headers, event)  # a later sync of the same event
        assert again[0]["status"] == "duplicate"
        stored = session.scalars(sa.select(ProgressEvent).order_by(ProgressEvent.id)).all()
        assert [(e.client_event_id, e.type) for e in stored] == [("v1", "viewed"), (event["id"], "completed")]
        assert stored[0].occurred_at == dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)
        progress = client.get("/api/v1/me/progress?course=example-course", headers=headers).json()
        assert (progress["completed_lessons"], progress["total_lessons"], progress["percent"]) == (1, 4, 25)
        assert progress["lessons"][0] == {
            "id": "example-course/first-steps", "status": "completed",
            "completed_at": progress["lessons"][0]["completed_at"], "best_score": None,
        }  # fmt: skip

    def test_not_enrolled_events_are_rejected_and_store_nothing(
        self, api: tuple[TestClient, dict[str, str], object], session: Session
    ) -> None:
        client, headers, _ = api
        results = self.send(
            client, headers, {"id": "n1", "lesson": "example-course/first-steps", "type": "completed"}
        )
        assert results[0]["status"] == "rejected"
        assert session.scalar(sa.select(sa.func.count()).select_from(ProgressEvent)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 0
        assert client.get("/api/v1/me/progress?course=example-course", headers=headers).status_code == 403

    def test_a_clock_in_the_future_is_not_believed(
        self, api: tuple[TestClient, dict[str, str], object], session: Session
    ) -> None:
        client, headers, (user, course) = api  # type: ignore[misc]
        enrol(session, user, course)
        session.commit()
        self.send(
            client,
            headers,
            {"id": "f1", "lesson": "example-course/recap", "type": "viewed", "at": "2099-01-01T00:00:00Z"},
        )
        stored = session.scalars(sa.select(ProgressEvent.occurred_at)).one()
        assert stored.year < 2099

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"events": "x"},
            {"events": [{"id": "a"}]},
            {"events": [{"id": "a b", "lesson": "x/y", "type": "viewed"}]},
            {"events": [{"id": "a", "lesson": "x/y", "type": "liked"}]},
            {"events": [{"id": "a", "lesson": "x/y", "type": "viewed", "at": "yesterday"}]},
            {"events": [{"id": "a", "lesson": "x/y", "type": "viewed", "extra": 1}]},
            {"events": [{"id": f"e{n}", "lesson": "x/y", "type": "viewed"} for n in range(501)]},
        ],
    )
    def test_bad_bodies_are_422_and_store_nothing(
        self, api: tuple[TestClient, dict[str, str], object], session: Session, body: object
    ) -> None:
        client, headers, _ = api
        response = client.post("/api/v1/progress", json=body, headers=headers)
        assert response.status_code == 422 and response.json()["detail"]
        assert session.scalar(sa.select(sa.func.count()).select_from(ProgressEvent)) == 0

    def test_not_json(self, api: tuple[TestClient, dict[str, str], object]) -> None:
        client, headers, _ = api
        response = client.post(
            "/api/v1/progress", content=b"{not json", headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 422

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=30),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["events", "id", "lesson", "type", "at", "x"]), children, max_size=4),
        max_leaves=20,
    ))  # fmt: skip
    def test_random_bodies_never_fail(
        self, api: tuple[TestClient, dict[str, str], object], body: object
    ) -> None:
        client, headers, _ = api
        response = client.post("/api/v1/progress", json=body, headers=headers)
        assert response.status_code in (200, 422)


class TestCookieCallers:
    def test_a_browser_must_send_a_csrf_token_to_the_api(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        user = create_user(session, settings)
        session.commit()
        login(client, user.email)
        response = client.post("/api/v1/progress", json={"events": []})
        assert response.status_code == 403
