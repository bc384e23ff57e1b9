"""Public ids: how a thread, a post or a cohort is named in a learner's URL, instead of its row number.

A row number tells whoever sees one how many threads, posts or cohorts there are and names the next one
to try (`/threads/41`, `/threads/42`, ...). Here every such id is shown as twelve letters and digits
(`/threads/q5v3kzt2m7aa`): the row number put through a keyed permutation (a four-round Feistel network
over 60 bits, whose round function is BLAKE2b keyed by a key derived from the app's secret key), so
that consecutive rows get unrelated names and a guessed name almost never names a row (at most 2^31 of
the 2^60 names do). Decoding needs no database: the route still gets the row number, and the services
are unchanged.

One mechanism for every place: a route names its id `{thread_id:ref}` and Starlette's convertor
decodes it; `url(...)` in a template and `app.web.templating.url_for` encode it through the same
convertor; `|ref` writes one in an anchor (`#post-...`) or a form field; `encode` builds one in Python.
A name that decodes to no possible row is 0, which names no row either: its route answers 404, like an
id that is gone.

The key comes from the secret key (`configure`, called by `create_app`; a command that runs without
the app, such as the digest, gets it from the settings on first use), so every host of one installation
names a row alike. Rotating the secret key renames every row: old links then find nothing.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from starlette.convertors import Convertor, register_url_convertor

HALF = 30
MASK = (1 << HALF) - 1
ROUNDS = 4
LENGTH = 12  # 60 bits in base32 (RFC 4648's alphabet, in lower case)
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
PATTERN = "[a-zA-Z2-7]{12}"
MAX_ROW = 2_147_483_647  # the largest id a row can have (PostgreSQL's integer)

_key: bytes | None = None


def configure(secret_key: str) -> None:
    global _key
    _key = hmac.new(secret_key.encode(), b"academy public ids v1", hashlib.sha256).digest()


def _current_key() -> bytes:
    """The key, read once per call (a call never mixes two keys)."""
    if _key is None:
        from app.config import get_settings

        configure(get_settings().resolved_secret_key)
    assert _key is not None
    return _key


def _round(key: bytes, number: int, half: int) -> int:
    digest = hashlib.blake2b(bytes((number,)) + half.to_bytes(4, "big"), key=key, digest_size=4).digest()
    return int.from_bytes(digest, "big") & MASK


def encode(row_id: int) -> str:
    """The public id of row `row_id` (1 to MAX_ROW)."""
    return _encode(_current_key(), row_id)


@functools.lru_cache(maxsize=16_384)
def _encode(key: bytes, row_id: int) -> str:
    if not 1 <= row_id <= MAX_ROW:
        raise ValueError(f"not a row id: {row_id}")
    left, right = row_id >> HALF, row_id & MASK
    for number in range(ROUNDS):
        left, right = right, left ^ _round(key, number, right)
    value = left << HALF | right
    return "".join(ALPHABET[(value >> shift) & 31] for shift in range(5 * (LENGTH - 1), -1, -5))


def decode(text: str) -> int:
    """The row a public id names, or 0 (names no row) for text that is not one."""
    if len(text) != LENGTH or not text.isascii():
        return 0
    key = _current_key()
    value = 0
    for char in text.lower():
        index = ALPHABET.find(char)
        if index < 0:
            return 0
        value = value << 5 | index
    left, right = value >> HALF, value & MASK
    for number in reversed(range(ROUNDS)):
        left, right = right ^ _round(key, number, left), left
    row_id = left << HALF | right
    return row_id if 1 <= row_id <= MAX_ROW else 0


def decode_optional(text: str) -> int | None:
    """For an optional field (`?post=`, a reply's parent): None when empty or naming no row."""
    return decode(text) or None


class RefConvertor(Convertor[int]):
    regex = PATTERN

    def convert(self, value: str) -> int:
        return decode(value)

    def to_string(self, value: int) -> str:
        return encode(int(value))


register_url_convertor("ref", RefConvertor())
