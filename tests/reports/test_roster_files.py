"""Rosters as Excel saves them (issue 25): "CSV UTF-8" (a BOM, commas), plain "CSV" on a Russian
Windows (Windows-1251, semicolons, Windows line ends), "Unicode text" (UTF-16, tabs); headers in Kyrgyz,
Russian or English in any order; names that Windows-1251 spoiled; regions as people write them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.learning import roster
from tests.factories import csrf_token
from tests.reports.conftest import World
from tests.reports.test_cohorts import Make
from tests.test_cli import academy, environment

ROWS = [
    ("Айгүл Асанова", "aigul@example.kg", "г. Бишкек", "ky"),
    ("Бермет Токтогулова", "bermet@example.kg", "Ош", "ru"),
    ("Cholpon Sadykova", "cholpon@example.kg", "Jalal-Abad", "en"),
]


def excel(kind: str, header: tuple[str, str, str, str], rows: list[tuple[str, ...]] = ROWS) -> bytes:
    """The bytes Excel writes for a table, by how it was saved."""
    if kind == "csv-utf8":  # "CSV UTF-8 (comma delimited)"
        lines = [",".join(header)] + [",".join(row) for row in rows]
        return "\ufeff".encode() + "\r\n".join(lines).encode("utf-8") + b"\r\n"
    if kind == "csv-cp1251":  # "CSV (comma delimited)" on a Russian Windows: semicolons, and ң ө ү lost
        lines = [";".join(header)] + [";".join(row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("cp1251", errors="replace")
    if kind == "unicode-text":  # "Unicode Text": UTF-16 little-endian with a BOM, tabs
        lines = ["\t".join(header)] + ["\t".join(row) for row in rows]
        return "\ufeff".encode("utf-16-le") + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")
    raise ValueError(kind)


RU = ("ФИО", "Эл. почта", "Регион", "Язык")
KY = ("Аты-жөнү", "Электрондук почта", "Аймак", "Тил")
EN = ("Name", "Email", "Region", "Language")


@pytest.mark.parametrize(
    ("kind", "header", "encoding", "delimiter"),
    [
        ("csv-utf8", EN, "utf-8", ","),
        ("csv-cp1251", RU, "cp1251", ";"),
        ("unicode-text", KY, "utf-16", "\t"),
    ],
)
def test_each_way_excel_saves_is_read(
    kind: str, header: tuple[str, str, str, str], encoding: str, delimiter: str
) -> None:
    text, found = roster.decode(excel(kind, header))
    assert found == encoding and roster.delimiter_of(text) == delimiter
    records = roster.read(text)
    assert [record["email"] for record in records] == [row[1] for row in ROWS]
    assert [roster._region(record["region"]) for record in records] == ["KG-GB", "KG-O", "KG-J"]


def test_headers_in_any_order_and_language() -> None:
    text = "Тил;Аймак;E-mail;Имя\r\nky;Нарын облусу;a@example.kg;Асел\r\n\r\n"
    [record] = [r for r in roster.read(text) if any(r.values())]
    assert record == {"language": "ky", "region": "Нарын облусу", "email": "a@example.kg", "name": "Асел"}


@pytest.mark.parametrize(
    ("written", "code"),
    [("г. Бишкек", "KG-GB"), ("Бишкек", "KG-GB"), ("Bishkek", "KG-GB"), ("Ош", "KG-O"), ("г. Ош", "KG-GO"),
     ("Ош шаары", "KG-GO"), ("Jalal-Abad", "KG-J"), ("Джалал-Абадская обл.", "KG-J"), ("kg-y", "KG-Y"),
     ("Ысык-Көл облусу", "KG-Y"), ("ИССЫК-КУЛЬ", "KG-Y"), ("Chüy region", "KG-C"), ("Чуйская область", "KG-C")],
)  # fmt: skip
def test_regions_match_loosely(written: str, code: str) -> None:
    assert roster._region(written) == code


def check(client: TestClient, cohort_id: int, data: bytes, **choices: str) -> Any:
    token = csrf_token(client, f"/cohorts/{cohort_id}/roster")
    return client.post(
        f"/cohorts/{cohort_id}/roster",
        data={"csrf_token": token, **choices},
        files={"file": ("roster.csv", data, "text/csv")},
    )


def test_the_page_says_how_it_read_the_file_and_flags_spoiled_names(world: World, browser_of: Make) -> None:
    client = browser_of(world.coordinator)
    page = check(client, world.first.id, excel("csv-cp1251", RU))
    assert page.status_code == 422  # Айгүл came out as "Айг?л"
    assert "Windows-1251" in page.text and "точка с запятой" in page.text
    assert "CSV UTF-8" in page.text and "Бермет Токтогулова" in page.text
    good = check(client, world.first.id, excel("csv-utf8", EN))
    assert good.status_code == 200 and "UTF-8" in good.text
    unknown = check(
        client, world.first.id, excel("csv-utf8", EN, [("Асел", "asel@example.kg", "Марс", "ky")])
    )
    assert unknown.status_code == 422 and "Баткенская область" in unknown.text  # the names it accepts
    chosen = check(client, world.first.id, excel("csv-utf8", EN), encoding="cp1251")
    assert "Windows-1251" in chosen.text  # her choice is used (and shows what it does to the names)


def test_the_command_reads_what_excel_writes(
    world: World, session: Session, settings: Settings, tmp_path: Path
) -> None:
    env = environment(tmp_path, database_url=settings.database_url)
    path = tmp_path / "roster.txt"
    path.write_bytes(excel("unicode-text", KY))
    dry = academy("cohorts", "import", world.first.enrolment_code, str(path), "--dry-run", env=env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "read as UTF-16, columns separated by tab" in dry.stdout and "new account" in dry.stdout


def test_the_import_uses_the_file_the_server_kept(
    world: World, browser_of: Make, session: Session, settings: Settings
) -> None:
    """The dry run's file is kept on the server under an id: the import reads exactly what the check
    read (Windows line ends and quoted fields included), once, and only for her and this cohort."""
    import re

    import sqlalchemy as sa

    from app.accounts.models import User
    from tests.factories import create_user, post

    data = 'name,email,region\r\n"Асанова, Айгүл",aigul-q@example.kg,"г. Бишкек"\r\n'.encode()
    client = browser_of(world.coordinator)
    page = check(client, world.first.id, data)
    assert page.status_code == 200 and 'name="csv"' not in page.text  # nothing re-sent through the page
    check_id = re.search(r'name="check_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    other = create_user(session, settings, roles=("coordinator",))
    from app.learning.models import CohortMember

    session.add(CohortMember(cohort_id=world.first.id, user_id=other.id, role="coordinator"))
    session.commit()
    stranger = browser_of(other)
    stolen = post(
        stranger, f"/cohorts/{world.first.id}/roster/import", {"check_id": check_id}, token_from="/cohorts/"
    )
    assert stolen.status_code == 422  # type: ignore[attr-defined]
    done = post(
        client, f"/cohorts/{world.first.id}/roster/import", {"check_id": check_id}, token_from="/cohorts/"
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    made = session.scalars(sa.select(User).where(User.email == "aigul-q@example.kg")).one()
    assert (made.display_name, made.region) == ("Асанова, Айгүл", "KG-GB")
    again = post(
        client, f"/cohorts/{world.first.id}/roster/import", {"check_id": check_id}, token_from="/cohorts/"
    )
    assert again.status_code == 422  # type: ignore[attr-defined]  # imported already: check it again
