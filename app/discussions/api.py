"""Discussions in the JSON API: start a thread on a lesson or in a cohort, read one, reply.

The same rules as the pages: a thread one may not read answers 404, posting is rate limited, and an
author who chose to hide her name in a cohort thread is "a participant" to everyone but staff.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator
from sqlalchemy.orm import Session

from app.courses.models import Course, Lesson
from app.db import get_session
from app.discussions import service as discussions
from app.discussions.access import viewer_for
from app.discussions.pages import limit_posting
from app.forms import clean_line, clean_text
from app.permissions import Capability
from app.principal import Principal
from app.routing import Route
from app.web.access import require
from app.web.pages import page_number

router = APIRouter(prefix="/api/v1", tags=["discussions"], route_class=Route)

LessonRef = int | Annotated[str, StringConstraints(max_length=170)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ThreadIn(Strict):
    lesson: LessonRef | None = None
    cohort: int | None = None
    title: Annotated[str, StringConstraints(max_length=1000)]
    body: Annotated[str, StringConstraints(max_length=50_000)]
    anonymous: bool = False

    @model_validator(mode="after")
    def _one_place(self) -> ThreadIn:
        if (self.lesson is None) == (self.cohort is None):
            raise ValueError(
                "give either lesson (its id, or '<course slug>/<lesson slug>') or cohort (its id)"
            )
        return self


class PostIn(Strict):
    body: Annotated[str, StringConstraints(max_length=50_000)]
    parent: int | None = None
    anonymous: bool = False


class Created(BaseModel):
    id: int
    url: str


class PostOut(BaseModel):
    id: int
    parent: int | None
    author: str | None  # None: hidden from you ("a participant"), or a deleted account
    mine: bool
    status: str
    body_html: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    replies: list[PostOut]


class ThreadOut(BaseModel):
    id: int
    url: str
    scope: str
    title: str
    lesson: int | None
    cohort: int | None
    locked: bool
    pinned: bool
    post_count: int
    page: int
    pages: int
    posts: list[PostOut]


def _lesson_id(session: Session, ref: int | str) -> int:
    if isinstance(ref, int):
        return ref
    course_slug, _sep, lesson_slug = ref.partition("/")
    found = session.scalar(
        sa.select(Lesson.id)
        .join(Course, Course.id == Lesson.course_id)
        .where(Course.slug == course_slug, Lesson.slug == lesson_slug)
    )
    if found is None:
        raise discussions.ThreadNotFound()
    return int(found)


@router.post("/threads", response_model=Created, status_code=201, summary="Start a thread")
def create_thread(
    request: Request,
    body: ThreadIn,
    principal: Principal = Depends(require(Capability.DISCUSS)),
    session: Session = Depends(get_session),
) -> Created:
    viewer = viewer_for(session, principal)
    if body.lesson is not None:
        place = discussions.place_of(session, lesson_id=_lesson_id(session, body.lesson))
    else:
        place = discussions.place_of(session, cohort_id=body.cohort)
    discussions.check_can_post(session, viewer, place)
    title = discussions.clean_title(clean_line(body.title, discussions.TITLE_MAX + 1))
    text = discussions.clean_body(clean_text(body.body, discussions.BODY_MAX + 1))
    limit_posting(request, session, principal)
    thread, _post = discussions.start_thread(
        session, viewer, place, title=title, body=text, anonymous=body.anonymous
    )
    session.commit()
    return Created(id=thread.id, url=f"/threads/{thread.id}")


def _post_out(view: discussions.PostView) -> PostOut:
    return PostOut(
        id=view.id, parent=view.parent_id, author=view.author or None, mine=view.mine, status=view.status,
        body_html=view.body_html, created_at=view.created_at, edited_at=view.edited_at,
        replies=[_post_out(reply) for reply in view.replies],
    )  # fmt: skip


@router.get("/threads/{thread_id}", response_model=ThreadOut, summary="A thread and one page of its posts")
def get_thread(
    thread_id: int,
    page: int = 1,
    principal: Principal = Depends(require(Capability.DISCUSS)),
    session: Session = Depends(get_session),
) -> ThreadOut:
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    posts = discussions.posts_of(session, viewer, thread, page=page_number(page))
    return ThreadOut(
        id=thread.id, url=f"/threads/{thread.id}", scope=thread.scope, title=thread.title,
        lesson=thread.lesson_id, cohort=thread.cohort_id, locked=thread.locked_at is not None,
        pinned=thread.pinned_at is not None, post_count=thread.post_count, page=posts.page, pages=posts.pages,
        posts=[_post_out(view) for view in posts.items],
    )  # fmt: skip


@router.post(
    "/threads/{thread_id}/posts", response_model=Created, status_code=201, summary="Reply in a thread"
)
def create_post(
    request: Request,
    thread_id: int,
    body: PostIn,
    principal: Principal = Depends(require(Capability.DISCUSS)),
    session: Session = Depends(get_session),
) -> Created:
    viewer = viewer_for(session, principal)
    thread = discussions.get_thread(session, viewer, thread_id)
    discussions.check_can_post(session, viewer, thread)
    text = discussions.clean_body(clean_text(body.body, discussions.BODY_MAX + 1))
    limit_posting(request, session, principal)
    post = discussions.reply(
        session, viewer, thread, body=text, parent_id=body.parent, anonymous=body.anonymous
    )
    session.commit()
    return Created(id=post.id, url=f"/threads/{thread.id}?post={post.id}#post-{post.id}")
