"""Her notifications, and how often the email digest comes."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.db import get_session
from app.discussions import notifications, reading
from app.discussions.schemas import DigestForm
from app.forms import FormErrors, Refused, form
from app.i18n import N_, get_locale
from app.routing import Router, shows_refusals
from app.web import flash
from app.web.access import SignedIn
from app.web.htmx import redirect
from app.web.pages import render

router = Router(include_in_schema=False)

ALL_READ = flash.register("notifications-read", N_("All notifications are marked as read."), "info")
DIGEST_SAVED = flash.register("digest-saved", N_("Your email setting is saved."))


@router.get("/notifications", name="notifications")
def notifications_page(
    request: Request, principal: SignedIn, session: Session = Depends(get_session)
) -> Response:
    context = reading.notifications_page(session, principal=principal, locale=get_locale())
    return render(request, "discussions/notifications.html", {**context, "digest_errors": FormErrors()})


@router.post("/notifications/read", name="notifications_read")
def notifications_read(
    request: Request, principal: SignedIn, session: Session = Depends(get_session)
) -> Response:
    notifications.mark_all_read(session, user_id=principal.user_id)
    return flash.flash(redirect(request, "/notifications"), ALL_READ)


def _digest_refused(refused: Refused) -> Response:
    """Her notifications page again, the reason beside the digest's choices."""
    context = reading.notifications_page(
        refused.session, principal=refused.params["principal"], locale=get_locale()
    )
    context["digest_errors"] = refused.errors
    return render(refused.request, "discussions/notifications.html", context, status_code=refused.status_code)


@router.post("/notifications/digest", name="notifications_digest")
@shows_refusals(_digest_refused)
def notifications_digest(
    request: Request,
    principal: SignedIn,
    body: DigestForm = form(DigestForm),
    session: Session = Depends(get_session),
) -> Response:
    notifications.set_frequency(session, user_id=principal.user_id, frequency=body.frequency)
    return flash.flash(redirect(request, "/notifications#digest"), DIGEST_SAVED)
