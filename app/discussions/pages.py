"""What the discussion pages share: a refused form of one post among many."""

from __future__ import annotations

from typing import Any

from app.forms import Filled, FormErrors
from app.refs import encode


def post_form(post_id: int, filled: Filled) -> dict[str, Any]:
    """A refused form of one post's own (a flag, a moderator's decision), for a page that shows many
    posts: which post, what she typed, and the errors keyed as that post's fields are ("reason-" and its
    public id)."""
    errors = FormErrors(
        {(f"{key}-{encode(post_id)}" if key else ""): text for key, text in filled.errors.items()}
    )
    return {"post_id": post_id, "filled": filled, "errors": errors}
