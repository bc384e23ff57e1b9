"""Password hashing (passlib, argon2id) and the password policy.

passlib 1.7.4 is the library the project chose; it has had no release since 2020 but works on the
Python we use (3.11) with argon2-cffi: see docs/security.md for the check and for libpass, its
maintained fork with the same API, should that change. `verify_and_update` returns a new hash when
the cost parameters have changed, and the caller stores it: hashes upgrade themselves at login.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from passlib.context import CryptContext

from app.config import Settings
from app.i18n import N_

MIN_LENGTH = 10
MAX_LENGTH = 256
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_TRAILING = re.compile(r"[\d\W_]+$")


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


def context(settings: Settings) -> CryptContext:
    return _context(settings.argon2_memory_kib, settings.argon2_time_cost)


def hash_password(settings: Settings, password: str) -> str:
    return str(context(settings).hash(password))


def verify_password(settings: Settings, password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(matches, new hash to store or None). With no hash, still spends the time a check takes,
    so that a missing account cannot be told from a wrong password by the clock."""
    ctx = context(settings)
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
    """Why this password will not do (an untranslated message), or None."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least 10 characters.")
    if len(password) > MAX_LENGTH:
        return N_("Use at most 256 characters.")
    lowered = password.lower()
    common = common_passwords()
    base = _TRAILING.sub("", lowered)
    if lowered in common or (len(base) >= 4 and base in common) or len(set(lowered)) <= 2:
        return N_("This password is too common and easy to guess. Try a few unrelated words.")
    local_part = email.split("@", 1)[0].lower()
    name = display_name.strip().lower()
    if (len(local_part) >= 4 and local_part in lowered) or (len(name) >= 4 and name in lowered):
        return N_("Do not use your email or your name in the password.")
    return None
