"""A thread page and a board cost a fixed number of SQL queries, whatever the number of posts."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.refs import encode as ref
from tests.discussions.conftest import World, reply, start
from tests.learning.test_query_counts import cost


def test_thread_and_board_cost_the_same_with_few_and_many_posts(
    session: Session,
    world: World,
    browser_of: Callable[[User], TestClient],
    queries: list[str],  # noqa: F811
) -> None:
    small, _p = start(session, world.aigul, cohort=world.naryn, title="Мало")
    big, first = start(session, world.aigul, cohort=world.naryn, title="Много")
    for n in range(40):
        reply(
            session,
            world.bermet if n % 2 else world.trainer,
            big,
            body=f"Ответ {n}",
            parent_id=first.id if n % 3 else None,
        )
    for n in range(25):
        start(session, world.bermet, cohort=world.naryn, title=f"Тема {n}")
    reader = browser_of(world.aigul)
    assert cost(reader, queries, f"/threads/{ref(small.id)}") == cost(
        reader, queries, f"/threads/{ref(big.id)}"
    )
    assert cost(reader, queries, f"/threads/{ref(big.id)}") <= 16
    start(session, world.cholpon, cohort=world.osh, title="Одна тема")
    admin = browser_of(world.admin)
    one, many = (
        cost(admin, queries, f"/discussions/cohorts/{ref(cohort.id)}") for cohort in (world.osh, world.naryn)
    )
    assert one == many <= 16
