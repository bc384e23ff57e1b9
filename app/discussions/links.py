"""Where a thread, a post and a cohort's board are, as paths with their public ids (app/refs.py): the one
place Python code (redirects, the API's `url`, the digest's e-mail) writes them; templates use `url()`
and `|ref`, which write the same."""

from __future__ import annotations

from app.refs import encode


def thread_path(thread_id: int, post_id: int | None = None) -> str:
    """A thread; with a post, the page of the thread that holds it, scrolled to it."""
    path = f"/threads/{encode(thread_id)}"
    if post_id is None:
        return path
    post = encode(post_id)
    return f"{path}?post={post}#post-{post}"


def cohort_board_path(cohort_id: int) -> str:
    return f"/discussions/cohorts/{encode(cohort_id)}"
