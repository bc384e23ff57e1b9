"""Walks every route of the app: unsafe methods need a CSRF token, and protected routes refuse every
role that lacks the capability they declare."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import refs
from app.config import Settings
from app.permissions import Capability, Role, capabilities_of
from app.web.access import CSRF_EXEMPT_PATHS, Require
from tests.factories import create_user, csrf_token, login

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def all_routes(app: FastAPI) -> Iterator[APIRoute]:
    def walk(routes: list[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI keeps included routers as one node
                yield from walk(route.original_router.routes)
            elif isinstance(route, APIRoute):
                yield route

    yield from walk(list(app.routes))


def concrete(path: str) -> str:
    """The path with every id 1 (a public id's, app/refs.py, where the route takes one)."""
    return re.sub(r"\{\w+(?::(\w+))?\}", lambda m: refs.encode(1) if m.group(1) == "ref" else "1", path)


def requirement(route: APIRoute) -> Require | None:
    """The capability a route declares, directly or through the dependencies it uses."""
    todo = list(route.dependant.dependencies)
    while todo:
        dependency = todo.pop(0)
        if isinstance(dependency.call, Require):
            return dependency.call
        todo.extend(dependency.dependencies)
    return None


def test_every_unsafe_route_needs_a_csrf_token(
    app: FastAPI, client: TestClient, session: Session, settings: Settings
) -> None:
    admin = create_user(session, settings, roles=tuple(Role))
    login(client, admin.email)
    checked = []
    for route in all_routes(app):
        if route.path in CSRF_EXEMPT_PATHS:
            continue
        for method in sorted(route.methods & UNSAFE):
            path = concrete(route.path)
            for body in ({"data": {"x": "1"}}, {"data": {"csrf_token": "forged"}}, {"json": {"x": 1}}):
                response = client.request(method, path, **body)  # type: ignore[arg-type]
                assert response.status_code == 403, (method, path, body, response.status_code)
                assert (
                    "did not come from this site" in response.text or "не с этого сайта" in response.text
                ), path
            checked.append((method, path))
    assert ("POST", "/login") in checked and ("POST", "/admin/users/1/roles") in checked
    assert ("POST", "/api/v1/progress") in checked  # a browser's cookie does not reach the API unchecked
    assert len(checked) >= 20


def test_the_only_exemption_sets_no_cookie(client: TestClient, session: Session, settings: Settings) -> None:
    """POST /api/v1/tokens needs no CSRF token: it answers only the caller and signs no browser in."""
    assert CSRF_EXEMPT_PATHS == {"/api/v1/tokens"}
    user = create_user(session, settings)
    session.commit()
    response = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": "river stone apricot lamp"}
    )
    assert response.status_code == 201
    assert "academy_session" not in response.headers.get("set-cookie", "")


def test_a_token_from_another_session_is_refused(
    app: FastAPI, client: TestClient, session: Session, settings: Settings
) -> None:
    user = create_user(session, settings)
    with TestClient(app) as other:
        foreign = csrf_token(other)
    login(client, user.email)
    response = client.post("/account/sign-out-everywhere", data={"csrf_token": foreign})
    assert response.status_code == 403
    assert (
        client.post("/account/sign-out-everywhere", headers={"X-CSRF-Token": csrf_token(client)}).status_code
        == 303
    )


@pytest.mark.parametrize("role", [None, *Role], ids=lambda role: str(role or "anonymous"))
def test_permission_matrix(
    role: Role | None, app: FastAPI, client: TestClient, session: Session, settings: Settings
) -> None:
    granted = capabilities_of({role}) if role else frozenset()
    if role is not None:
        user = create_user(session, settings, roles=(role,))
        login(client, user.email)
    token = csrf_token(client)
    protected = []
    for route in all_routes(app):
        needed = requirement(route)
        if needed is None:
            continue
        protected.append(route.path)
        allowed = role is not None and (needed.capability is None or needed.capability in granted)
        if allowed:
            continue
        for method in sorted(route.methods):
            response = client.request(method, concrete(route.path), headers={"X-CSRF-Token": token})
            if role is None:
                assert response.status_code in (303, 401), (method, route.path, response.status_code)
                if response.status_code == 303:
                    assert response.headers["location"].startswith("/login?next=")
            else:
                assert response.status_code == 403, (role, method, route.path, response.status_code)
    assert "/admin/users" in protected and "/account" in protected


def test_capability_map_is_what_we_expect() -> None:
    assert Capability.MANAGE_USERS not in capabilities_of({"coordinator", "trainer", "learner"})
    assert capabilities_of({"admin"}) == frozenset(Capability)
    assert capabilities_of({"no-such-role"}) == frozenset()
    assert Capability.RUN_COHORTS in capabilities_of({"coordinator"})
    assert Capability.AUTHOR_COURSES in capabilities_of({"trainer"})
