"""Threads and posts: starting, replying, editing, removing, following and reading.

Every function takes the `Viewer` (see access.py) and refuses what she may not do; a thread she may
not read is answered as if it did not exist. Writing a post also brings the thread's counters, the
author's read marker and her followers' notifications up to date, in the caller's transaction. The use
cases at the end (one per page or API action) take her `Principal` and load her viewer themselves.

The errors live in exceptions.py; they are importable from here too (`discussions.PostNotFound`), as
other domains and the demo always have.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import refs
from app.accounts.models import User
from app.courses import service as courses_service
from app.courses.models import Course, Lesson, Module, live
from app.courses.service import CourseOutline, LessonItem, ModuleItem
from app.db import dialect_insert, utcnow
from app.discussions import notifications
from app.discussions.access import Viewer, viewer_for
from app.discussions.exceptions import CannotPost as CannotPost
from app.discussions.exceptions import EditWindowClosed as EditWindowClosed
from app.discussions.exceptions import Muted as Muted
from app.discussions.exceptions import PostInvalid as PostInvalid
from app.discussions.exceptions import PostNotFound as PostNotFound
from app.discussions.exceptions import ThreadLocked as ThreadLocked
from app.discussions.exceptions import ThreadNotFound as ThreadNotFound
from app.discussions.models import Flag, Mute, Post, Subscription, Thread, ThreadRead
from app.errors import Forbidden
from app.i18n import N_
from app.learning.models import Cohort
from app.markdown import render_post
from app.principal import Principal
from app.web.pagination import Page

TITLE_MAX = 150
BODY_MAX = 10_000
EDIT_WINDOW = dt.timedelta(minutes=30)
THREADS_PER_PAGE = 30
POSTS_PER_PAGE = 50  # top-level posts, each with its replies


@dataclass(frozen=True)
class Place:
    """Where a thread is, or is about to be."""

    scope: str
    course_id: int | None
    module_id: int | None = None
    lesson_id: int | None = None
    cohort_id: int | None = None


def place_of(
    session: Session,
    *,
    lesson_id: int | None = None,
    module_id: int | None = None,
    course_id: int | None = None,
    cohort_id: int | None = None,
) -> Place:
    """The place named by exactly one id; a draft or archived lesson, module or course is no place."""
    if lesson_id is not None:
        lesson = session.scalars(sa.select(Lesson).where(Lesson.id == lesson_id, live(Lesson))).one_or_none()
        if lesson is None or not _course_is_live(session, lesson.course_id):
            raise ThreadNotFound()
        return Place("lesson", lesson.course_id, lesson.module_id, lesson.id)
    if module_id is not None:
        module = session.scalars(sa.select(Module).where(Module.id == module_id, live(Module))).one_or_none()
        if module is None or not _course_is_live(session, module.course_id):
            raise ThreadNotFound()
        return Place("module", module.course_id, module.id)
    if course_id is not None:
        if not _course_is_live(session, course_id):
            raise ThreadNotFound()
        return Place("course", course_id)
    if cohort_id is not None:
        cohort = session.get(Cohort, cohort_id)
        if cohort is None or cohort.archived_at is not None:
            raise ThreadNotFound()
        return Place("cohort", None, cohort_id=cohort.id)
    raise ThreadNotFound()


def _course_is_live(session: Session, course_id: int) -> bool:
    return session.scalar(sa.select(Course.id).where(Course.id == course_id, live(Course))) is not None


# Reading -------------------------------------------------------------------------------------------------


def get_thread(session: Session, viewer: Viewer, thread_id: int) -> Thread:
    thread = session.get(Thread, thread_id)
    if thread is None or not viewer.can_read(thread):
        raise ThreadNotFound()
    return thread


def get_post(session: Session, viewer: Viewer, post_id: int) -> tuple[Post, Thread]:
    post = session.get(Post, post_id)
    if post is None:
        raise PostNotFound()
    thread = session.get(Thread, post.thread_id)
    if thread is None or not viewer.can_read(thread):
        raise PostNotFound()
    return post, thread


@dataclass
class ThreadRow:
    thread: Thread
    unread: int
    started_by: str  # as this reader may see it
    place: str = ""  # filled in by the caller when a list mixes places


def thread_list(
    session: Session, viewer: Viewer, where: sa.ColumnElement[bool], *, page: int = 1
) -> Page[ThreadRow]:
    """Threads matching `where` that she may read, pinned first, then the most recently active; with
    how many visible posts each has that she has not read."""
    condition = sa.and_(where, viewer.readable())
    total = session.scalar(sa.select(sa.func.count()).select_from(Thread).where(condition)) or 0
    pages = max(1, -(-total // THREADS_PER_PAGE))
    page = min(max(page, 1), pages)
    unread = (
        sa.select(sa.func.count(Post.id))
        .where(
            Post.thread_id == Thread.id,
            Post.status == "visible",
            Post.id > sa.func.coalesce(ThreadRead.last_post_id, 0),
        )
        .correlate(Thread, ThreadRead)
        .scalar_subquery()
    )
    first_post = (
        sa.select(Post.anonymous).where(Post.thread_id == Thread.id).order_by(Post.id).limit(1)
    ).scalar_subquery()
    rows = session.execute(
        sa.select(Thread, unread, User.display_name, first_post)
        .outerjoin(
            ThreadRead, sa.and_(ThreadRead.thread_id == Thread.id, ThreadRead.user_id == viewer.user_id)
        )
        .outerjoin(User, User.id == Thread.author_id)
        .where(condition)
        .order_by(Thread.pinned_at.is_(None), Thread.last_post_at.desc(), Thread.id.desc())
        .offset((page - 1) * THREADS_PER_PAGE)
        .limit(THREADS_PER_PAGE)
    ).all()
    items = [
        ThreadRow(
            thread, int(count or 0), shown_name(viewer, thread, thread.author_id, name, bool(anonymous))
        )
        for thread, count, name, anonymous in rows
    ]
    return Page(items=items, page=page, pages=pages, total=total)


def unread_by_place(
    session: Session, viewer: Viewer, *, course_ids: list[int], cohort_ids: list[int]
) -> dict[tuple[str, int], int]:
    """Unread visible posts per course board ("course", id) and cohort board ("cohort", id)."""
    if not course_ids and not cohort_ids:
        return {}
    rows = session.execute(
        sa.select(Thread.scope, Thread.cohort_id, Thread.course_id, sa.func.count(Post.id))
        .join(Post, Post.thread_id == Thread.id)
        .outerjoin(
            ThreadRead, sa.and_(ThreadRead.thread_id == Thread.id, ThreadRead.user_id == viewer.user_id)
        )
        .where(
            sa.or_(
                sa.and_(Thread.scope == "cohort", Thread.cohort_id.in_(cohort_ids)),
                sa.and_(Thread.scope != "cohort", Thread.course_id.in_(course_ids)),
            ),
            viewer.readable(),
            Post.status == "visible",
            Post.id > sa.func.coalesce(ThreadRead.last_post_id, 0),
        )
        .group_by(Thread.scope, Thread.cohort_id, Thread.course_id)
    ).all()
    counts: dict[tuple[str, int], int] = {}
    for scope, cohort_id, course_id, count in rows:
        key = ("cohort", int(cohort_id or 0)) if scope == "cohort" else ("course", int(course_id or 0))
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def shown_name(
    viewer: Viewer, thread: Thread, author_id: int | None, name: str | None, anonymous: bool
) -> str:
    """The author's name as this reader may see it ("" when it must be hidden: the template says
    "a participant"; None author: a deleted account)."""
    if author_id is None:
        return ""
    if anonymous and author_id != viewer.user_id and not viewer.moderates(thread):
        return ""
    return name or ""


@dataclass
class PostView:
    id: int
    parent_id: int | None
    author_id: int | None
    author: str  # "" = hidden from this reader, or a deleted account
    anonymous: bool
    mine: bool
    status: str
    body_html: str  # "" when this reader may not see it
    created_at: dt.datetime
    edited_at: dt.datetime | None
    moderation_reason: str
    flag_count: int
    flagged_by_me: bool
    can_edit: bool
    can_remove: bool
    can_flag: bool
    can_moderate: bool
    replies: list[PostView] = field(default_factory=list)
    unread: bool = False


def posts_of(
    session: Session, viewer: Viewer, thread: Thread, *, page: int = 1, last_read: int | None = None
) -> Page[PostView]:
    """One page of top-level posts, each with its replies, as this reader may see them."""
    top = sa.select(Post.id).where(Post.thread_id == thread.id, Post.parent_id.is_(None))
    total = session.scalar(sa.select(sa.func.count()).select_from(top.subquery())) or 0
    pages = max(1, -(-total // POSTS_PER_PAGE))
    page = min(max(page, 1), pages)
    top_ids = session.scalars(
        top.order_by(Post.id).offset((page - 1) * POSTS_PER_PAGE).limit(POSTS_PER_PAGE)
    ).all()
    rows = session.execute(
        sa.select(Post, User.display_name)
        .outerjoin(User, User.id == Post.author_id)
        .where(Post.thread_id == thread.id, sa.or_(Post.id.in_(top_ids), Post.parent_id.in_(top_ids)))
        .order_by(Post.id)
    ).all()
    views = _views(session, viewer, thread, rows, last_read=last_read)
    items = []
    for view in views.values():
        if view.parent_id is None:
            items.append(view)
        elif view.parent_id in views:
            views[view.parent_id].replies.append(view)
    return Page(items=items, page=page, pages=pages, total=total)


def page_of_post(session: Session, thread: Thread, post_id: int) -> int:
    """The page of the thread that shows this post (a reply is on its top-level post's page)."""
    post = session.get(Post, post_id)
    if post is None or post.thread_id != thread.id:
        return 1
    top = post.parent_id or post.id
    before = session.scalar(
        sa.select(sa.func.count(Post.id)).where(
            Post.thread_id == thread.id, Post.parent_id.is_(None), Post.id <= top
        )
    )
    return max(1, -(-int(before or 0) // POSTS_PER_PAGE))


def post_view(session: Session, viewer: Viewer, thread: Thread, post_id: int) -> PostView:
    """One post as this reader sees it (without its replies)."""
    rows = session.execute(
        sa.select(Post, User.display_name)
        .outerjoin(User, User.id == Post.author_id)
        .where(Post.id == post_id, Post.thread_id == thread.id)
    ).all()
    if not rows:
        raise PostNotFound()
    return _views(session, viewer, thread, rows)[post_id]


def _views(
    session: Session, viewer: Viewer, thread: Thread, rows: Sequence[sa.Row[Post, str]],
    *, last_read: int | None = None,
) -> dict[int, PostView]:  # fmt: skip
    mine_flagged = set(
        session.scalars(
            sa.select(Flag.post_id).where(
                Flag.user_id == viewer.user_id, Flag.post_id.in_([post.id for post, _name in rows])
            )
        )
    )
    moderator = viewer.moderates(thread)
    now = utcnow()
    views: dict[int, PostView] = {}
    for post, name in rows:
        mine = post.author_id == viewer.user_id
        shown = post.status == "visible" or (post.status in ("pending", "hidden") and (mine or moderator))
        open_thread = thread.locked_at is None
        views[post.id] = PostView(
            id=post.id,
            parent_id=post.parent_id,
            author_id=post.author_id,
            author=(
                shown_name(viewer, thread, post.author_id, name, post.anonymous)
                if post.status != "removed" else ""
            ),
            anonymous=post.anonymous,
            mine=mine,
            status=post.status,
            body_html=post.body_html if shown else "",
            created_at=post.created_at,
            edited_at=post.edited_at,
            moderation_reason=post.moderation_reason if (mine or moderator) else "",
            flag_count=post.flag_count if moderator else 0,
            flagged_by_me=post.id in mine_flagged,
            can_edit=(
                mine and post.status == "visible" and open_thread and now - post.created_at <= EDIT_WINDOW
            ),
            can_remove=mine and post.status != "removed",
            can_flag=(
                viewer.can_post and not mine and not moderator and post.status == "visible"
                and post.id not in mine_flagged
            ),
            can_moderate=moderator and post.status != "removed",
            unread=last_read is not None and post.id > last_read and not mine,
        )  # fmt: skip
    return views


def last_read(session: Session, *, user_id: int, thread_id: int) -> int:
    value = session.scalar(
        sa.select(ThreadRead.last_post_id).where(
            ThreadRead.user_id == user_id, ThreadRead.thread_id == thread_id
        )
    )
    return int(value or 0)


def newest_post_id(session: Session, thread_id: int) -> int:
    return int(session.scalar(sa.select(sa.func.max(Post.id)).where(Post.thread_id == thread_id)) or 0)


def mark_read(session: Session, *, user_id: int, thread_id: int, up_to: int) -> None:
    """She has seen the thread up to post `up_to`: its posts and notifications stop counting as new."""
    insert = dialect_insert(session)
    table = ThreadRead.__table__
    now = utcnow()
    statement = insert(table).values(user_id=user_id, thread_id=thread_id, last_post_id=up_to, read_at=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.thread_id],
            set_={"last_post_id": sa.func.max(table.c.last_post_id, up_to) if _sqlite(session)
                  else sa.func.greatest(table.c.last_post_id, up_to), "read_at": now},
        )
    )  # fmt: skip
    notifications.mark_thread_read(session, user_id=user_id, thread_id=thread_id)


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def is_following(session: Session, *, user_id: int, thread_id: int) -> bool:
    return session.get(Subscription, (user_id, thread_id)) is not None


def follow(session: Session, *, user_id: int, thread_id: int) -> None:
    insert = dialect_insert(session)
    session.execute(
        insert(Subscription.__table__)
        .values(user_id=user_id, thread_id=thread_id, created_at=utcnow())
        .on_conflict_do_nothing()
    )


def unfollow(session: Session, *, user_id: int, thread_id: int) -> None:
    session.execute(
        sa.delete(Subscription).where(Subscription.user_id == user_id, Subscription.thread_id == thread_id)
    )


# Writing -------------------------------------------------------------------------------------------------


def clean_body(body: str) -> str:
    if not body.strip():
        raise PostInvalid(N_("Write something before you post."))
    if len(body) > BODY_MAX:
        raise PostInvalid(N_("A post can be at most %(max)s characters long."), max=BODY_MAX)
    return body


def clean_title(title: str) -> str:
    if len(title) < 3:
        raise PostInvalid(N_("Give the discussion a title of at least 3 characters."))
    if len(title) > TITLE_MAX:
        raise PostInvalid(N_("A title can be at most %(max)s characters long."), max=TITLE_MAX)
    return title


def muted_until(session: Session, viewer: Viewer, place: Place | Thread) -> dt.datetime | None:
    """When her pause in this place ends, if a moderator has paused her. A cohort's mute covers its
    threads and, for its learners, the threads of the course they take with it."""
    cohort_id = place.cohort_id if place.scope == "cohort" else viewer.enrolments.get(place.course_id or 0)
    if cohort_id is None:
        return None
    until = session.scalar(
        sa.select(sa.func.max(Mute.until)).where(
            Mute.cohort_id == cohort_id, Mute.user_id == viewer.user_id, Mute.lifted_at.is_(None),
            Mute.until > utcnow(),
        )
    )  # fmt: skip
    return until


def check_can_post(session: Session, viewer: Viewer, place: Place | Thread) -> None:
    if not viewer.can_post or not viewer.can_read(place):
        raise CannotPost()
    if isinstance(place, Thread) and place.locked_at is not None and not viewer.moderates(place):
        raise ThreadLocked()
    until = muted_until(session, viewer, place)
    if until is not None:
        raise Muted(date=until)


def anonymous_allowed(place: Place | Thread) -> bool:
    """Only in a cohort's discussions may she hide her name from the other participants."""
    return place.scope == "cohort"


def start_thread(
    session: Session, viewer: Viewer, place: Place, *, title: str, body: str, anonymous: bool = False
) -> tuple[Thread, Post]:
    check_can_post(session, viewer, place)
    now = utcnow()
    thread = Thread(
        scope=place.scope, course_id=place.course_id, module_id=place.module_id, lesson_id=place.lesson_id,
        cohort_id=place.cohort_id, title=clean_title(title), author_id=viewer.user_id, created_at=now,
        last_post_at=now, post_count=1,
    )  # fmt: skip
    session.add(thread)
    session.flush()
    post = _new_post(session, thread, viewer, body=body, anonymous=anonymous, parent_id=None, now=now)
    follow(session, user_id=viewer.user_id, thread_id=thread.id)
    mark_read(session, user_id=viewer.user_id, thread_id=thread.id, up_to=post.id)
    return thread, post


def reflection_thread(
    session: Session, *, lesson_id: int, course_id: int, module_id: int, title: str
) -> Thread:
    """The discussion a reflection lesson opens (made the first time anyone asks for it)."""
    key = f"reflection:{lesson_id}"
    found = session.scalars(sa.select(Thread).where(Thread.system_key == key)).one_or_none()
    if found is not None:
        return found
    insert = dialect_insert(session)
    now = utcnow()
    session.execute(
        insert(Thread.__table__)
        .values(
            scope="lesson", course_id=course_id, module_id=module_id, lesson_id=lesson_id,
            title=clean_line_title(title), system_key=key, created_at=now, last_post_at=now, post_count=0,
        )
        .on_conflict_do_nothing(index_elements=["system_key"])
    )  # fmt: skip
    return session.scalars(sa.select(Thread).where(Thread.system_key == key)).one()


def clean_line_title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1].rstrip() + "…"


def reply(
    session: Session,
    viewer: Viewer,
    thread: Thread,
    *,
    body: str,
    parent_id: int | None = None,
    anonymous: bool = False,
) -> Post:
    check_can_post(session, viewer, thread)
    parent = None
    if parent_id is not None:
        parent = session.get(Post, parent_id)
        if parent is None or parent.thread_id != thread.id:
            raise PostNotFound()
        if parent.parent_id is not None:  # one level of nesting: a reply to a reply joins its parent
            parent = session.get(Post, parent.parent_id)
            assert parent is not None
    now = utcnow()
    # Taking the thread's row first makes concurrent replies in one thread wait for each other, so
    # that each sees the notifications the other wrote.
    session.execute(
        sa.update(Thread)
        .where(Thread.id == thread.id)
        .values(post_count=Thread.post_count + 1, last_post_at=now)
    )
    post = _new_post(
        session,
        thread,
        viewer,
        body=body,
        anonymous=anonymous,
        parent_id=parent.id if parent else None,
        now=now,
    )
    follow(session, user_id=viewer.user_id, thread_id=thread.id)
    mark_read(session, user_id=viewer.user_id, thread_id=thread.id, up_to=post.id)
    replied_to = parent.author_id if parent and parent.author_id not in (None, viewer.user_id) else None
    if replied_to is not None:
        notifications.notify(session, user_id=replied_to, kind="reply", thread_id=thread.id, post_id=post.id)
    notifications.notify_followers(
        session,
        thread_id=thread.id,
        post_id=post.id,
        exclude=[viewer.user_id, *([replied_to] if replied_to else [])],
    )
    session.refresh(thread)
    return post


def _new_post(
    session: Session,
    thread: Thread,
    viewer: Viewer,
    *,
    body: str,
    anonymous: bool,
    parent_id: int | None,
    now: dt.datetime,
) -> Post:
    text = clean_body(body)
    post = Post(
        thread_id=thread.id, parent_id=parent_id, author_id=viewer.user_id,
        anonymous=anonymous and anonymous_allowed(thread), body_md=text, body_html=render_post(text),
        status="visible", created_at=now,
    )  # fmt: skip
    session.add(post)
    session.flush()
    return post


def edit_post(session: Session, viewer: Viewer, post: Post, thread: Thread, *, body: str) -> None:
    if post.author_id != viewer.user_id or post.status != "visible":
        raise Forbidden()
    if thread.locked_at is not None:
        raise ThreadLocked()
    if utcnow() - post.created_at > EDIT_WINDOW:
        raise EditWindowClosed()
    text = clean_body(body)
    post.body_md, post.body_html, post.edited_at = text, render_post(text), utcnow()
    session.flush()


def remove_post(session: Session, viewer: Viewer, post: Post) -> None:
    """Her own post, removed: its words are gone (she may have had good reason), its place stays so
    that replies keep their context, and it reads "removed by its author"."""
    if post.author_id != viewer.user_id:
        raise Forbidden()
    if post.status == "removed":
        return
    was_visible = post.status == "visible"
    post.status, post.body_md, post.body_html, post.edited_at = "removed", "", "", utcnow()
    session.execute(
        sa.update(Flag)
        .where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )
    post.flag_count = 0
    if was_visible:
        session.execute(
            sa.update(Thread).where(Thread.id == post.thread_id).values(post_count=Thread.post_count - 1)
        )
    session.flush()


# What the pages and the API do: each a use case of its own, for one person ---------------------------------


@dataclass(frozen=True)
class PlaceWords:
    """The place a new thread goes, as the page names it."""

    course: CourseOutline | None = None
    lesson: LessonItem | None = None
    module: ModuleItem | None = None
    cohort: Cohort | None = None


def place_named(
    session: Session, *, course: str = "", lesson: str = "", module: str = "", cohort: str = "", locale: str
) -> tuple[Place, PlaceWords]:
    """The place a board's link names (a course with a lesson or a module, or a cohort by its public
    id), and its words; no such place, or a draft or archived one, is ThreadNotFound."""
    if cohort:
        cohort_id = refs.decode(cohort)  # its public id, as its board's link writes it
        if not cohort_id:
            raise ThreadNotFound()
        place = place_of(session, cohort_id=cohort_id)
        return place, PlaceWords(cohort=session.get(Cohort, cohort_id))
    outline = courses_service.outline(session, slug=course, locale=locale)
    if lesson:
        item = outline.lesson(lesson)
        return place_of(session, lesson_id=item.id), PlaceWords(course=outline, lesson=item)
    if module:
        chosen = next((m for m in outline.modules if m.slug == module), None)
        if chosen is None:
            raise ThreadNotFound()
        return place_of(session, module_id=chosen.id), PlaceWords(course=outline, module=chosen)
    return place_of(session, course_id=outline.id), PlaceWords(course=outline)


def start_thread_named(
    session: Session,
    *,
    principal: Principal,
    course: str,
    lesson: str,
    module: str,
    cohort: str,
    title: str,
    body: str,
    anonymous: bool,
    locale: str,
) -> Thread:
    """A new thread, from the page: the place as its link names it (see place_named)."""
    place, _words = place_named(
        session, course=course, lesson=lesson, module=module, cohort=cohort, locale=locale
    )
    thread, _post = start_thread(
        session, viewer_for(session, principal), place, title=title, body=body, anonymous=anonymous
    )
    return thread


def lesson_id_of(session: Session, ref: int | str) -> int:
    """A lesson named by its id, or by "<course slug>/<lesson slug>" (the API's two ways)."""
    if isinstance(ref, int):
        return ref
    course_slug, _sep, lesson_slug = ref.partition("/")
    found = session.scalar(
        sa.select(Lesson.id)
        .join(Course, Course.id == Lesson.course_id)
        .where(Course.slug == course_slug, Lesson.slug == lesson_slug)
    )
    if found is None:
        raise ThreadNotFound()
    return int(found)


def start_thread_at(
    session: Session,
    *,
    principal: Principal,
    lesson: int | str | None,
    cohort: int | None,
    title: str,
    body: str,
    anonymous: bool,
) -> Thread:
    """A new thread, from the API: on a lesson (its id, or its slugs) or in a cohort (its id)."""
    viewer = viewer_for(session, principal)
    if lesson is not None:
        place = place_of(session, lesson_id=lesson_id_of(session, lesson))
    else:
        place = place_of(session, cohort_id=cohort)
    thread, _post = start_thread(session, viewer, place, title=title, body=body, anonymous=anonymous)
    return thread


def reply_in(
    session: Session,
    *,
    principal: Principal,
    thread_id: int,
    body: str,
    parent_id: int | None,
    anonymous: bool,
) -> Post:
    """Her post in a thread she may read and post in (a reply to a post of it, or to everyone)."""
    viewer = viewer_for(session, principal)
    thread = get_thread(session, viewer, thread_id)
    return reply(session, viewer, thread, body=body, parent_id=parent_id, anonymous=anonymous)


def set_following(session: Session, *, principal: Principal, thread_id: int, following: bool) -> Thread:
    """She follows a thread she may read (new posts come to her notifications), or stops."""
    viewer = viewer_for(session, principal)
    thread = get_thread(session, viewer, thread_id)
    if following:
        follow(session, user_id=viewer.user_id, thread_id=thread.id)
    else:
        unfollow(session, user_id=viewer.user_id, thread_id=thread.id)
    return thread


def edit_own_post(session: Session, *, principal: Principal, post_id: int, body: str) -> Post:
    """Her own post, edited while its window is open (EditWindowClosed after it)."""
    viewer = viewer_for(session, principal)
    post, thread = get_post(session, viewer, post_id)
    edit_post(session, viewer, post, thread, body=body)
    return post


def remove_own_post(session: Session, *, principal: Principal, post_id: int) -> Post:
    viewer = viewer_for(session, principal)
    post, _thread = get_post(session, viewer, post_id)
    remove_post(session, viewer, post)
    return post
