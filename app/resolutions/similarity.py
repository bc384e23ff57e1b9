"""How alike two short texts are: trigram similarity, as PostgreSQL's pg_trgm computes it.

Words are lower-cased and padded ("  word "), cut into three-letter pieces, and two texts are compared
by the share of pieces they have in common (Jaccard). It works the same for Kyrgyz, Russian and
English, on both databases, and is fast enough for the few hundred open recommendations of a forum.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=4096)
def trigrams(text: str) -> frozenset[str]:
    pieces: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        pieces.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(pieces)


def similarity(a: str, b: str) -> float:
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)
