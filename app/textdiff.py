"""Word-level differences between two texts, as HTML with <del> and <ins> (escaped, safe to show)."""

from __future__ import annotations

import difflib
import html
import re

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> str:
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    parts = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            parts.append(f"<del>{html.escape(''.join(before[i1:i2]))}</del>")
        if tag in ("insert", "replace"):
            parts.append(f"<ins>{html.escape(''.join(after[j1:j2]))}</ins>")
        if tag == "equal":
            parts.append(html.escape("".join(after[j1:j2])))
    return "".join(parts)
