from __future__ import annotations

import threading
from typing import Any

import pytest

from app.accounts import passwords
from app.accounts.passwords import common_passwords, hash_password, password_problem, verify_password
from app.config import Settings
from tests.at_once import AtOnce


def test_ships_at_least_ten_thousand_common_passwords() -> None:
    passwords = common_passwords()
    assert len(passwords) >= 10_000
    assert {"password", "123456789", "qwertyuiop", "йцукенгшщз"} <= passwords


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "1234567890",
        "qwertyuiop",
        "password2026!",
        "Dragon1234!!",
        "aaaaaaaaaaaa",
        "ababababab",
        "йцукенгшщз",
    ],
)
def test_weak_passwords_are_refused(password: str) -> None:
    assert password_problem(password) is not None


def test_the_email_or_name_inside_the_password_is_refused() -> None:
    assert password_problem("aigerim-walnut-2026", email="aigerim@example.kg") is not None
    assert password_problem("my name is Бермет ok", display_name="Бермет") is not None


@pytest.mark.parametrize(
    "password", ["river stone apricot lamp", "Ысык-Көл жайкы түн", "c0rrect h0rse b@ttery"]
)
def test_good_passwords_pass(password: str) -> None:
    assert password_problem(password, email="someone@example.kg", display_name="Someone") is None


def test_argon2id_with_at_least_the_minimum_cost(settings: Settings) -> None:
    hashed = hash_password(settings, "river stone apricot lamp")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(settings, "river stone apricot lamp", hashed) == (True, None)
    assert verify_password(settings, "wrong", hashed) == (False, None)
    assert verify_password(settings, "x", None) == (False, None)
    assert verify_password(settings, "x", "not a hash") == (False, None)


def test_settings_cannot_weaken_the_hash() -> None:
    with pytest.raises(ValueError):
        Settings(_env_file=None, argon2_memory_kib=1024)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Bishkek2024!", "local words"),
        ("Manas-12345678", "local words"),
        ("Академия2025!", "local words"),
        ("kyrgyzstan2024", "local words"),
        ("пароль-пароль-1", "local words"),
        ("йцукен-фывапр", "local words"),
        ("zxcvbnm,./123", "common"),
        ("abcd1234efgh", "keyboard"),
        ("qazwsxedc-rfv", "too easy"),
        ("abcdefghijkl", "keyboard"),
        ("Aigerim.Bishkek", "local words"),
        ("Gulnara-1985-1985", "email or your name"),
    ],
)
def test_local_words_places_and_keyboard_runs_are_refused_and_the_message_says_why(
    password: str, why: str
) -> None:
    problem = password_problem(password, email="gulnara@example.kg", display_name="Гульнара Gulnara")
    assert problem is not None and why in problem, (password, problem)


def test_the_reason_is_in_her_language() -> None:
    from app.i18n import gettext, use_locale

    problem = password_problem("Bishkek2024!")
    assert problem is not None
    with use_locale("ky"):
        assert "Бишкек" in gettext(problem) or "Bishkek" in gettext(problem)
        assert gettext(problem) != problem


def test_at_most_two_checks_at_once(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cohort signing in at once: each check holds 19 MiB, so a process runs two at a time (the rest
    wait their turn) and its memory does not grow with the number of worker threads."""
    checking = AtOnce()

    class Watched:
        def verify_and_update(self, *_args: Any) -> tuple[bool, None]:
            checking()
            return True, None

        def dummy_verify(self) -> None:
            checking()

        def hash(self, _password: str) -> str:
            checking()
            return "hashed"

    monkeypatch.setattr(passwords, "context", lambda _settings: Watched())
    work = [lambda: verify_password(settings, "walnut river", "stored") for _ in range(3)]
    work += [
        lambda: verify_password(settings, "walnut river", None),
        lambda: hash_password(settings, "x" * 12),
    ]
    threads = [threading.Thread(target=one) for one in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert checking.peak == passwords.CHECKS_AT_ONCE == 2
