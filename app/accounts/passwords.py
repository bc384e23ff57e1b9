"""Password hashing (passlib, argon2id) and the password policy.

passlib 1.7.4 is the library the project chose; it has had no release since 2020 but works on the
Python we use (3.11) with argon2-cffi: see docs/security.md for the check and for libpass, its
maintained fork with the same API, should that change. `verify_and_update` returns a new hash when
the cost parameters have changed, and the caller stores it: hashes upgrade themselves at login.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

from passlib.context import CryptContext

from app.config import Settings
from app.i18n import N_

MIN_LENGTH = 10
MAX_LENGTH = 256
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_TRAILING = re.compile(r"[\d\W_]+$")
MIN_SCORE = 3  # zxcvbn's 0-4: 3 is "safely unguessable: moderate protection from an offline attack"
SCORED_LENGTH = 100  # zxcvbn's work grows with the length; beyond this a password is long enough
# Guessed first by anyone who targets our users: the site's names, the country's places and famous
# names, "password" in our languages, and the Russian keyboard's runs (zxcvbn knows only Latin ones).
LOCAL_WORDS = (
    "civic space academy", "civicspace", "academy", "академия", "академиясы", "жарандык", "мейкиндик",
    "kyrgyzstan", "kyrgyz", "кыргызстан", "кыргыз", "киргизия", "bishkek", "бишкек", "frunze", "фрунзе",
    "osh", "ош", "naryn", "нарын", "talas", "талас", "batken", "баткен", "jalalabad", "жалал-абад",
    "джалал-абад", "karakol", "каракол", "issykkul", "ысык-көл", "иссык-куль", "chui", "чүй", "чуй",
    "tokmok", "токмок", "manas", "манас", "alatoo", "ала-тоо", "aigerim", "айгерим", "tunduk", "түндүк",
    "пароль", "parol", "сырсөз", "password", "qwerty", "йцукен", "фывапр", "ячсмит", "йцукенгшщзхъ",
    "фывапролджэ", "ячсмитьбю", "1325", "cedaw",
)  # fmt: skip
_LOCAL_LONG = tuple(word.replace(" ", "") for word in LOCAL_WORDS if len(word) >= 4)
LOCAL_PROBLEM = N_(
    "Avoid the site's name and well-known local words and places (Bishkek, Manas, Ala-Too): "
    "they are guessed first."
)


@lru_cache
def _context(memory_kib: int, time_cost: int) -> CryptContext:
    return CryptContext(
        schemes=["argon2"],
        deprecated="auto",
        argon2__type="ID",
        argon2__memory_cost=memory_kib,
        argon2__time_cost=time_cost,
        argon2__parallelism=1,
    )


# At most two password checks or hashes at once in a process. Each holds 19 MiB (more if the settings
# raise it) and a core for tens of milliseconds: four at once (a cohort signing in, one per worker
# thread) took 76 MB more memory than one, and on two cores did no more checks a second than two at a
# time (docs/performance.md). A sign-in waits here holding no connection (accounts.service.authenticate);
# a new password's hash may wait inside its transaction, for the checks ahead of it only.
CHECKS_AT_ONCE = 2
_checks = threading.BoundedSemaphore(CHECKS_AT_ONCE)


def context(settings: Settings) -> CryptContext:
    return _context(settings.argon2_memory_kib, settings.argon2_time_cost)


def hash_password(settings: Settings, password: str) -> str:
    with _checks:
        return str(context(settings).hash(password))


def verify_password(settings: Settings, password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(matches, new hash to store or None). With no hash, still spends the time a check takes,
    so that a missing account cannot be told from a wrong password by the clock."""
    ctx = context(settings)
    with _checks:
        if not password_hash:
            ctx.dummy_verify()
            return False, None
        try:
            ok, new_hash = ctx.verify_and_update(password, password_hash)
        except (ValueError, TypeError):
            return False, None
    return bool(ok), new_hash


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Why this password will not do (an untranslated message that says why), or None."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 10 characters.")
    if len(password) > MAX_LENGTH:
        return N_("Use at most 256 characters.")
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    name = display_name.strip().lower()
    names = [part for part in (local_part, name, *name.split()) if len(part) >= 4]
    if any(part in lowered for part in names):
        return N_("Do not use your email or your name in the password.")
    if _built_from_local_words(lowered):
        return LOCAL_PROBLEM
    common = common_passwords()
    base = _TRAILING.sub("", lowered)
    if lowered in common or (len(base) >= 4 and base in common) or len(set(lowered)) <= 2:
        return N_("This password is too common and easy to guess. Try a few unrelated words.")
    return _guessable(password, personal=names)


def _built_from_local_words(lowered: str) -> bool:
    """Mostly our local words (places, the site's name, "пароль", Russian keyboard rows) with digits and
    symbols around them: fewer than six letters of her own are left once they are taken out."""
    rest = lowered
    for word in sorted(_LOCAL_LONG, key=len, reverse=True):
        rest = rest.replace(word, " ")
    return rest != lowered and sum(ch.isalpha() for ch in rest) < 6


def _guessable(password: str, *, personal: list[str]) -> str | None:
    """zxcvbn's estimate, with her own words and ours in its dictionaries; the reason in our words."""
    from zxcvbn import zxcvbn  # here: its dictionaries take 13 MB, wanted only when a password is set

    result = zxcvbn(
        password[:SCORED_LENGTH], user_inputs=[*LOCAL_WORDS, *(w for w in personal if len(w) >= 3)]
    )
    if result["score"] >= MIN_SCORE:
        return None
    if any(word in password.lower().replace(" ", "") for word in _LOCAL_LONG):
        return LOCAL_PROBLEM
    sequence = result["sequence"]
    mine = set(personal)
    for match in sequence:
        if match.get("dictionary_name") == "user_inputs":
            if match.get("matched_word") in mine:
                return N_("Do not use your email or your name in the password.")
            return LOCAL_PROBLEM
    if any(match["pattern"] in ("spatial", "sequence", "repeat") for match in sequence):
        return N_(
            "Avoid keyboard runs, sequences and repeats (qwerty, йцукен, 12345): they are guessed first."
        )
    return N_("This password is too easy to guess. Try three or four unrelated words, in any language.")
