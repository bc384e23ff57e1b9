"""Bad numbers (issue 24): an id past what the database stores, in any route's path, its query or its
body (a form's or the API's JSON), is 404 or 422 and never a 500. Walks every route, as an admin with a
valid CSRF token (so that the request reaches the route), and as the API with a bearer token."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.permissions import Role
from tests.accounts.test_security import all_routes
from tests.factories import PASSWORD, create_user, csrf_token, login

HUGE = ["2147483648", "9223372036854775808", "9" * 30, "-1"]
FIELDS = ("course_id", "cohort_id", "lesson_id", "target", "parent", "page", "position", "cohorts", "user_id",
          "item", "recommendation", "merge_into", "number", "lesson", "cohort", "course")  # fmt: skip


def _paths(path: str, number: str) -> str:
    return re.sub(r"\{(\w+)(?::(\w+))?\}", lambda m: "a" * 12 if m.group(2) == "ref" else number, path)


def test_no_route_answers_500_to_a_number_past_the_database(
    app: FastAPI, client: TestClient, session: Session, settings: Settings
) -> None:
    admin = create_user(session, settings, roles=tuple(Role))
    session.commit()
    login(client, admin.email)
    token = csrf_token(client, "/")
    token_answer = client.post("/api/v1/tokens", json={"email": admin.email, "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token_answer.json().get('token', '')}"}
    assert token_answer.status_code == 201, token_answer.text
    failures, tried, seen = [], 0, set()
    for route in all_routes(app):
        if route.path in ("/logout", "/account/delete", "/account/sign-out-everywhere"):
            continue  # would end this walk's own session
        for number in HUGE:
            path = _paths(route.path, number)
            for method in sorted(route.methods - {"HEAD"}):
                fields = dict.fromkeys(FIELDS, number) | {"csrf_token": token}
                api = route.path.startswith("/api/")
                if method == "GET":
                    response = client.get(f"{path}?page={number}&cohort={number}&lesson={number}")
                elif api:
                    body = {name: int(number) if number.lstrip("-").isdigit() else number for name in FIELDS}
                    response = client.request(
                        method, path, json=body, headers={**bearer, "X-CSRF-Token": token}
                    )
                else:
                    response = client.request(method, path, data=fields)
                tried += 1
                seen.add(response.status_code)
                if response.status_code >= 500:
                    failures.append((method, path, response.status_code))
    assert tried > 300 and {404, 422} <= seen, seen
    assert not failures, failures
