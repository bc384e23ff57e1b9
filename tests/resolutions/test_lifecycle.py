"""The whole way, through the pages: a post becomes a recommendation, is endorsed by two cohorts,
accepted, built into a resolution that is commented on, revised, adopted, published, exported and
monitored."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import LOCALES
from app.discussions.models import Notification
from app.refs import encode as ref
from app.resolutions.drafting import canonical
from app.resolutions.models import (
    ItemTracker,
    Recommendation,
    RecommendationEvent,
    Resolution,
    ResolutionItem,
    ResolutionRevision,
)
from tests.discussions.conftest import start
from tests.resolutions.conftest import World, form, fresh


def test_from_a_post_to_a_monitored_resolution(
    session: Session, world: World, browser_of: Callable[[User], TestClient], client: TestClient
) -> None:
    thread, post = start(
        session, world.a1, cohort=world.naryn, title="Сели", body="Нужна сирена в каждом селе"
    )
    a1 = browser_of(world.a1)
    page = a1.get(f"/posts/{ref(post.id)}/recommend")
    assert page.status_code == 200 and "Нужна сирена" in page.text
    made = form(a1, f"/posts/{ref(post.id)}/recommend", {
        "forum": str(world.forum.id), "title": "Сирена в каждом селе", "text": "Нужна сирена в каждом селе и обход домов.",
        "theme": "risk_reduction", "addressee": "local_councils", "credit_public": "1",
    })  # fmt: skip
    assert made.status_code == 303, made.text[:300]
    rec = fresh(session, Recommendation)[0]
    assert (rec.status, rec.thread_id, rec.cohort_id, rec.credit_public) == (
        "open",
        thread.id,
        world.naryn.id,
        True,
    )

    # A look-alike is shown before a second one is saved; she endorses the first instead.
    b1 = browser_of(world.b1)
    look = form(b1, f"/forums/{world.forum.id}/recommendations", {
        "title": "Сирена в каждом нашем селе", "text": "Поставить сирены в сёлах.", "theme": "risk_reduction",
        "addressee": "local_councils",
    })  # fmt: skip
    assert (
        look.status_code == 200
        and f"/recommendations/{rec.id}" in look.text
        and 'name="checked"' in look.text
    )
    assert len(fresh(session, Recommendation)) == 1
    for user in (world.a2, world.b1, world.b2):
        assert (
            form(browser_of(user), f"/recommendations/{rec.id}/endorse", {"endorse": "1"}).status_code == 303
        )
    rec = fresh(session, Recommendation)[0]
    assert (rec.status, rec.endorsement_count, rec.cohort_count) == ("qualified", 3, 2)

    trainer = browser_of(world.trainer)
    answer = form(trainer, f"/recommendations/{rec.id}/review", {"decision": "accepted", "note": "В проект"})
    assert answer.status_code == 303
    kinds = [(e.kind, e.from_status, e.to_status) for e in fresh(session, RecommendationEvent)]
    assert kinds == [
        ("created", "open", "open"),
        ("qualified", "open", "qualified"),
        ("reviewed", "qualified", "accepted"),
    ]

    coordinator = browser_of(world.coordinator)
    assert coordinator.get(f"/forums/{world.forum.id}/resolution/edit").status_code == 200
    draft = {f"preamble-{code}": f"Мы собрались ({code})." for code in LOCALES}
    draft |= {f"item-0-{code}": f"Местным кенешам поставить сирены ({code})." for code in LOCALES}
    draft |= {"item-0-position": "1", "item-0-theme": "risk_reduction", "item-0-addressee": "local_councils",
              f"item-0-rec-{rec.id}": "1", "note": "Первый проект", "base_revision": "0"}  # fmt: skip
    saved = form(coordinator, f"/forums/{world.forum.id}/resolution/edit", draft)
    assert saved.status_code == 303, saved.text[:500]
    resolution = fresh(session, Resolution)[0]
    assert resolution.revision == 1

    # Comments while the window is open.
    assert (
        form(
            coordinator, f"/forums/{world.forum.id}/resolution/comments-window", {"until": "2099-01-01"}
        ).status_code
        == 303
    )
    page = b1.get(f"/forums/{world.forum.id}/resolution")
    assert "Местным кенешам поставить сирены" in page.text
    item = fresh(session, ResolutionItem)[0]
    assert (
        form(
            b1, f"/forums/{world.forum.id}/resolution/items/{item.id}/comments", {"body": "И в школах тоже"}
        ).status_code
        == 303
    )
    assert "И в школах тоже" in b1.get(f"/forums/{world.forum.id}/resolution").text
    assert fresh(session, ItemTracker) == []  # no monitoring before adoption

    # A second revision, and its word-level diff.
    draft |= {"item-0-id": str(item.id), "item-0-ru": "Местным кенешам поставить сирены и в школах (ru).",
              "note": "Добавили школы", "base_revision": "1"}  # fmt: skip
    assert form(coordinator, f"/forums/{world.forum.id}/resolution/edit", draft).status_code == 303
    history = coordinator.get(f"/forums/{world.forum.id}/resolution/history?rev=2").text
    assert "<ins>" in history and "Добавили школы" in history
    stale = form(coordinator, f"/forums/{world.forum.id}/resolution/edit", draft | {"note": "Старый"})
    assert stale.status_code == 409  # made on revision 1, but the draft is at 2
    assert [r.number for r in fresh(session, ResolutionRevision)] == [1, 2]

    # Adopted once comments are closed: frozen, numbered, fingerprinted; then published.
    assert client.get("/resolutions/").text.count("/resolutions/2026-") == 0
    still_open = form(
        coordinator,
        f"/forums/{world.forum.id}/resolution/adopt",
        {"adopted_on": "2026-05-14", "outcome": "consensus"},
    )
    assert still_open.status_code == 409
    closed = form(coordinator, f"/forums/{world.forum.id}/resolution/comments-window", {"until": ""})
    assert closed.status_code == 303
    adopted = form(
        coordinator,
        f"/forums/{world.forum.id}/resolution/adopt",
        {"adopted_on": "2026-05-14", "outcome": "consensus"},
    )
    assert adopted.status_code == 303
    resolution = fresh(session, Resolution)[0]
    assert resolution.number == "2026-1" and resolution.status == "adopted"
    assert resolution.fingerprint == hashlib.sha256(canonical(resolution.adopted_text or {})).hexdigest()
    assert client.get("/resolutions/2026-1").status_code == 404  # adopted, not yet published
    assert (
        form(
            coordinator, f"/forums/{world.forum.id}/resolution/edit", draft | {"base_revision": "3"}
        ).status_code
        == 409
    )
    told = {n.user_id for n in fresh(session, Notification) if n.kind == "item_adopted"}
    assert told == {world.a1.id, world.a2.id, world.b1.id, world.b2.id}
    assert form(coordinator, f"/forums/{world.forum.id}/resolution/publish", {}).status_code == 303

    public = client.get("/resolutions/2026-1")
    assert public.status_code == 200 and "Местным кенешам поставить сирены и в школах" in public.text
    assert "Участница a1" in public.text  # she asked to be named
    assert "Участница a2" not in public.text and "Участница b1" not in public.text  # endorsers never are
    exported = json.loads(client.get("/resolutions/2026-1.json").text)
    assert hashlib.sha256(canonical(exported["text"])).hexdigest() == exported["fingerprint"]["value"]

    # Monitoring: an update changes the status, and the people behind the item are told.
    update = form(coordinator, f"/forums/{world.forum.id}/monitoring/items/{item.id}/updates", {
        "status": "in_progress", "note": "Кенеш обсудил", "evidence": "https://example.org/minutes", "happened_on": "2026-06-01",
    })  # fmt: skip
    assert update.status_code == 303
    assert fresh(session, ItemTracker)[0].status == "in_progress"
    assert {n.user_id for n in fresh(session, Notification) if n.kind == "item_status"} == told
    assert "Кенеш обсудил" in client.get("/resolutions/2026-1").text
