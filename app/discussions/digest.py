"""Sending the email digests: `academy discussions digest`, run from cron or a timer (daily is right:
each person gets hers daily or weekly, as she chose).

Each person's digest is claimed in the database before it is sent (see notifications.claim), so two
runs at once, on two machines, never send one twice. If the mail server fails, her claim is rolled back
and the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app import i18n
from app.accounts.models import User
from app.config import Settings
from app.db import Database, utcnow
from app.discussions import links, notifications, places
from app.discussions.access import viewer_for
from app.discussions.models import Notification, Thread
from app.mail import send_mail
from app.principal import Principal
from app.web.templating import Templates

log = logging.getLogger("academy.digest")


@dataclass
class DigestRun:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Line:
    text: str
    url: str


def _lines(
    rows: list[tuple[Notification, Thread | None]],
    labels: dict[int, places.PlaceLabel],
) -> list[Line]:
    ngettext, gettext = i18n.ngettext, i18n.gettext
    lines = []
    for notification, thread in rows:
        where = places.in_words(labels.get(thread.id)) if thread else ""
        url = links.thread_path(thread.id) if thread else "/notifications"
        count = notification.count
        if notification.kind == "posts":
            text = ngettext(
                "%(num)s new post in a discussion of %(place)s",
                "%(num)s new posts in a discussion of %(place)s",
                count,
            )
        elif notification.kind == "reply":
            text = ngettext(
                "%(num)s reply to your post in a discussion of %(place)s",
                "%(num)s replies to your post in a discussion of %(place)s",
                count,
            )
        elif notification.kind == "hidden":
            text, url = (
                gettext(
                    "A moderator hid one of your posts in a discussion of %(place)s. "
                    "The reason is on your notifications page."
                ),
                "/notifications",
            )
        elif notification.kind in notifications.LINK_TEXTS:
            # What happened, with numbers only: no title anyone wrote leaves the platform.
            told = notifications.describe(notification, in_email=True)
            lines.append(Line(told, notification.link or "/notifications"))
            continue
        elif notification.kind == "restored":
            text = gettext("A moderator showed one of your posts again in a discussion of %(place)s.")
        else:
            text, url = (
                gettext(
                    "A moderator paused your posting in a cohort. The reason is on your notifications page."
                ),
                "/notifications",
            )
        lines.append(Line(text % {"num": count, "place": where}, url))
    return lines


class _NotHers(Exception):
    """Another run has claimed her digest for this period: hers is left as it was (rolled back)."""


def send_digests(
    database: Database, templates: Templates, settings: Settings, *, now: dt.datetime | None = None
) -> DigestRun:
    """Each due person's digest, each in a short transaction of its own (Database.write_aside): her
    claim and her notifications marked as emailed are committed only when her email went out."""
    now = now or utcnow()
    run = DigestRun()
    due = database.write_aside(functools.partial(notifications.due_users, now=now))
    for user_id in due:
        digest = functools.partial(
            _send_one, user_id=user_id, templates=templates, settings=settings, now=now
        )
        try:
            outcome = database.write_aside(digest)
        except _NotHers:
            run.skipped += 1
            continue
        except OSError:
            log.exception("could not send a digest")
            run.failed += 1
            continue
        if outcome == "sent":
            run.sent += 1
        elif outcome == "skipped":
            run.skipped += 1
    return run


def _send_one(
    session: Session, *, user_id: int, templates: Templates, settings: Settings, now: dt.datetime
) -> str | None:
    """Her digest: "sent", "skipped" (nothing she may still read; it is marked as emailed all the
    same), or None (no such person). Raises _NotHers when another run has hers, OSError when the mail
    server failed: both roll back."""
    user = session.get(User, user_id)
    if user is None:
        return None
    viewer = viewer_for(session, Principal.of(user))
    pending = notifications.pending_for_digest(session, user_id=user.id)
    readable = [(n, t) for n, t in pending if t is None or viewer.can_read(t)]
    notifications.mark_emailed(session, [n.id for n, _t in pending], now=now)
    if not readable:  # only places she can no longer read: nothing to tell
        return "skipped"
    if not notifications.claim(session, user_id=user.id, now=now):
        raise _NotHers()
    with i18n.use_locale(user.locale):
        labels = places.describe(session, [t for _n, t in readable if t is not None], locale=user.locale)
        lines = _lines(readable, labels)
        text = templates.env.get_template("discussions/email/digest.txt").render(
            base_url=settings.base_url.rstrip("/"),
            display_name=user.display_name,
            lines=lines,
        )
    first, _sep, body = text.partition("\n")
    send_mail(
        settings, to=user.email, subject=first.removeprefix("Subject:").strip(), body=body.strip() + "\n"
    )
    return "sent"
