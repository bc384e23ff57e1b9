"""Roster import: a dry run that shows every line and writes nothing, then all lines or none."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.learning import roster
from app.learning.models import Enrolment
from tests.factories import csrf_token, link_in, outbox, post, refresh
from tests.reports.conftest import World
from tests.reports.test_cohorts import Make
from tests.test_cli import academy, environment

GOOD = (
    "name,email,region,language\nЖаңыл,janyl@example.kg,Нарынская область,ky\nAnna,anna@example.kg,KG-C,ru\n"
)


def counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(sa.select(sa.func.count()).select_from(User)) or 0,
        session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) or 0,
    )


def confirm(client: TestClient, cohort_id: int, text: str) -> Any:
    """Check the file, then confirm the dry run the page shows (its id: the server kept the file)."""
    page = check(client, cohort_id, text)
    found = re.search(r'name="check_id" value="([^"]*)"', page.text)
    return post(
        client,
        f"/cohorts/{cohort_id}/roster/import",
        {"check_id": found.group(1) if found else ""},
        token_from="/cohorts/",
    )


def check(client: TestClient, cohort_id: int, text: str) -> Any:
    return client.post(
        f"/cohorts/{cohort_id}/roster",
        data={"csrf_token": csrf_token(client, f"/cohorts/{cohort_id}/roster")},
        files={"file": ("roster.csv", text.encode("utf-8"), "text/csv")},
    )


def test_the_dry_run_shows_every_line_and_writes_nothing(
    world: World, browser_of: Make, session: Session
) -> None:
    client = browser_of(world.coordinator)
    before = counts(session)
    text = GOOD + f"Айгерим,{world.learners[0].email},,\nСтарая,{world.outsider.email},,\n"
    response = check(client, world.first.id, text)
    assert response.status_code == 200
    page = response.text
    assert (
        page.count('class="new"') == 2
        and page.count('class="already"') == 1
        and page.count('class="existing"') == 1
    )
    assert counts(session) == before


def test_a_bad_file_names_each_problem_and_cannot_be_imported(
    world: World, browser_of: Make, session: Session
) -> None:
    client = browser_of(world.coordinator)
    before = counts(session)
    text = (GOOD + "No email,,KG-T,ru\nDuplicate,janyl@example.kg,,ru\nWrong,w@example.kg,Atlantis,ru\n"
            "Lang,l@example.kg,,fr\n=2+2,formula@example.kg,,ru\n")  # fmt: skip
    response = check(client, world.first.id, text)
    assert response.status_code == 422
    assert response.text.count('class="error"') == 4
    assert "not an email address" in response.text or "адрес" in response.text
    forced = confirm(client, world.first.id, text)
    assert forced.status_code == 422
    assert counts(session) == before


@pytest.mark.parametrize(
    "text",
    ["", "just,some,words\n", "email;name\nx@y.kg;Имя\n" + "z,@\n" * 2001, "\x00\x01binary"],
)
def test_unreadable_files(world: World, browser_of: Make, text: str) -> None:
    response = check(browser_of(world.coordinator), world.first.id, text)
    assert response.status_code == 422


def test_semicolons_a_bom_and_russian_headers(world: World, session: Session) -> None:
    rows = roster.plan(
        session, world.first, "\ufeffИмя;Почта;Регион;Язык\nАсель;asel@example.kg;Талас облусу;ky\n", "ru"
    )
    assert [(row.name, row.email, row.region, row.language, row.outcome) for row in rows] == [
        ("Асель", "asel@example.kg", "KG-T", "ky", "new")
    ]


def test_import_creates_enrols_and_invites(
    world: World, browser_of: Make, session: Session, settings: Settings, new_client: Any
) -> None:
    client = browser_of(world.coordinator)
    response = confirm(client, world.first.id, GOOD)
    assert response.status_code == 303
    janyl = session.scalars(sa.select(User).where(User.email == "janyl@example.kg")).one()
    assert (janyl.display_name, janyl.region, janyl.locale) == ("Жаңыл", "KG-N", "ky")
    assert (
        session.scalars(sa.select(Enrolment.cohort_id).where(Enrolment.user_id == janyl.id)).one()
        == world.first.id
    )
    mails = {mail["To"]: mail for mail in outbox(settings)}
    link = link_in(mails["janyl@example.kg"], r"/password-reset/[A-Za-z0-9_-]+")
    newcomer = new_client()
    assert (
        post(
            newcomer,
            link,
            {"password": "walnut river morning", "password_confirm": "walnut river morning"},
            token_from=link,
        ).status_code
        == 303
    )


def test_a_failure_halfway_writes_nothing(
    world: World, session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = roster.plan(session, world.first, GOOD, "ru")
    calls: list[int] = []
    original = roster.enrol_learner

    def fail_second(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return original(*args, **kwargs)

    monkeypatch.setattr(roster, "enrol_learner", fail_second)
    before = counts(session)
    with pytest.raises(RuntimeError):
        roster.apply(session, world.first, rows, settings=settings, actor=None)
    session.rollback()
    assert counts(session) == before


def test_a_whole_roster_costs_one_password_hash(
    world: World, session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New accounts wait for her own password behind one unusable hash per import: a hash takes tens of
    milliseconds, and on SQLite the import's transaction holds every process's writer lock."""
    rows = roster.plan(session, world.first, GOOD, "ru")
    assert [row.outcome for row in rows] == ["new", "new"]
    hashed: list[str] = []
    original = roster.hash_password

    def counted(*args: Any, **kwargs: Any) -> str:
        hashed.append("once")
        return original(*args, **kwargs)

    monkeypatch.setattr(roster, "hash_password", counted)
    roster.apply(session, world.first, rows, settings=settings, actor=None)
    assert hashed == ["once"]
    session.rollback()


def test_the_command(world: World, session: Session, settings: Settings, tmp_path: Path) -> None:
    env = environment(tmp_path, database_url=settings.database_url)
    path = tmp_path / "roster.csv"
    path.write_text(GOOD + "Bad,bad,,ru\n")
    refused = academy("cohorts", "import", world.first.enrolment_code, str(path), env=env)
    assert refused.returncode == 1 and f"{path}:4: bad: error" in refused.stdout
    path.write_text(GOOD)
    dry = academy("cohorts", "import", world.first.enrolment_code, str(path), "--dry-run", env=env)
    assert dry.returncode == 0 and "new account" in dry.stdout
    refresh(session)
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "anna@example.kg"))
        == 0
    )
    done = academy("cohorts", "import", str(world.first.id), str(path), env=env)
    assert done.returncode == 0, done.stderr
    refresh(session)
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "anna@example.kg"))
        == 1
    )
    session.commit()
