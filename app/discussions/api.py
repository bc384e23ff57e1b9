"""Discussions in the JSON API: start a thread on a lesson or in a cohort, read one, reply.

The same rules as the pages: a thread one may not read answers 404, posting is rate limited (429, with
the JSON error body), and an author who chose to hide her name in a cohort thread is "a participant" to
everyone but staff.
"""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from app.accounts import ratelimit
from app.accounts.ratelimit import account_of, limited
from app.db import get_session
from app.discussions import links, reading
from app.discussions import service as discussions
from app.discussions.schemas import Created, PostIn, PostOut, ThreadIn, ThreadOut
from app.forms import Invalid
from app.refs import encode
from app.routing import Router
from app.web.access import Discussant
from app.web.openapi import errors_documented
from app.web.pages import page_number
from app.web.params import Ref

router = Router(prefix="/api/v1", tags=["discussions"])

# Past a limit, the route is not called: the error handler answers 429 {"detail": ...} (app/routing.py).
POSTING_LIMIT = (ratelimit.POST_PER_MINUTE, ratelimit.POST_PER_HOUR)


@router.post(
    "/threads",
    response_model=Created,
    status_code=201,
    summary="Start a thread",
    responses=errors_documented(404),
)
def create_thread(
    body: ThreadIn,
    principal: Discussant,
    _limit: Invalid | None = limited(*POSTING_LIMIT, by=account_of),
    session: Session = Depends(get_session),
) -> Created:
    thread = discussions.start_thread_at(
        session,
        principal=principal,
        lesson=body.lesson,
        cohort=body.cohort,
        title=body.title,
        body=body.body,
        anonymous=body.anonymous,
    )
    return Created(id=encode(thread.id), url=links.thread_path(thread.id))


def _post_out(view: discussions.PostView) -> PostOut:
    return PostOut(
        id=encode(view.id),
        parent=encode(view.parent_id) if view.parent_id else None,
        author=view.author or None,
        mine=view.mine,
        status=view.status,
        body_html=view.body_html,
        created_at=view.created_at,
        edited_at=view.edited_at,
        replies=[_post_out(reply) for reply in view.replies],
    )


@router.get(
    "/threads/{thread_id:ref}", response_model=ThreadOut, summary="A thread and one page of its posts"
)
def get_thread(
    thread_id: Ref,
    principal: Discussant,
    page: int = 1,
    session: Session = Depends(get_session),
) -> ThreadOut:
    thread, posts = reading.thread_for_api(
        session, principal=principal, thread_id=thread_id, page=page_number(page)
    )
    return ThreadOut(
        id=encode(thread.id),
        url=links.thread_path(thread.id),
        scope=thread.scope,
        title=thread.title,
        lesson=thread.lesson_id,
        cohort=encode(thread.cohort_id) if thread.cohort_id else None,
        locked=thread.locked_at is not None,
        pinned=thread.pinned_at is not None,
        post_count=thread.post_count,
        page=posts.page,
        pages=posts.pages,
        posts=[_post_out(view) for view in posts.items],
    )


@router.post(
    "/threads/{thread_id:ref}/posts", response_model=Created, status_code=201, summary="Reply in a thread"
)
def create_post(
    thread_id: Ref,
    body: PostIn,
    principal: Discussant,
    _limit: Invalid | None = limited(*POSTING_LIMIT, by=account_of),
    session: Session = Depends(get_session),
) -> Created:
    post = discussions.reply_in(
        session,
        principal=principal,
        thread_id=thread_id,
        body=body.body,
        parent_id=body.parent,
        anonymous=body.anonymous,
    )
    return Created(id=encode(post.id), url=links.thread_path(thread_id, post.id))
