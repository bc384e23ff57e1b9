"""A learner's pages cost a fixed number of SQL queries, whatever the size of the course."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from tests.factories import create_user, enrol, login, sync_course

ROOT = Path(__file__).resolve().parents[2]
BIG = ROOT / "courses" / "risk-from-the-frontline"


def cost(client: TestClient, queries: list[str], path: str) -> int:
    client.get(path)  # the first view writes its "viewed" event; the cost of reading is the second
    queries.clear()
    assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.skipif(not BIG.is_dir(), reason="needs the shipped courses")
def test_pages_cost_the_same_for_a_small_and_a_large_course(
    client: TestClient, session: Session, settings: Settings, queries: list[str]
) -> None:
    small = sync_course(session, settings)
    large = sync_course(session, settings, BIG)
    user = create_user(session, settings)
    enrol(session, user, small)
    enrol(session, user, large)
    login(client, user.email)
    pages = {
        "course": ("/courses/example-course", f"/courses/{large.slug}"),
        "reading": ("/courses/example-course/first-steps", f"/courses/{large.slug}/why-risk-is-local"),
        "quiz": ("/courses/example-course/check", f"/courses/{large.slug}/sendai-check"),
    }
    for name, (small_path, large_path) in pages.items():
        assert cost(client, queries, small_path) == cost(client, queries, large_path), name
    costs = {name: cost(client, queries, paths[1]) for name, paths in pages.items()}
    assert max(costs.values()) <= 14, costs
    # her session with the content's version (one statement, app/content_version.py), her enrolment, her
    # progress: every query counted, including those SQLite runs on the event loop's own connection
    assert costs["reading"] == 3, costs
    assert cost(client, queries, "/my") <= 14
    assert cost(client, queries, "/courses") <= 10
