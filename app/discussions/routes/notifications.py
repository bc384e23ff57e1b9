"""Her notifications, and how often the email digest comes."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.db import get_session
from app.discussions import notifications, places
from app.discussions.access import viewer_for
from app.errors import DomainError
from app.forms import clean_line, form_fields
from app.i18n import N_, get_locale
from app.learning.models import Cohort
from app.principal import Principal
from app.routing import Route
from app.web import flash
from app.web.access import require_user
from app.web.htmx import redirect
from app.web.pages import render

router = APIRouter(include_in_schema=False, route_class=Route)

ALL_READ = flash.register("notifications-read", N_("All notifications are marked as read."), "info")
DIGEST_SAVED = flash.register("digest-saved", N_("Your email setting is saved."))


@router.get("/notifications", name="notifications")
def notifications_page(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    viewer = viewer_for(session, principal)
    rows = [
        (notification, thread)
        for notification, thread in notifications.recent(session, user_id=viewer.user_id)
        if thread is None or viewer.can_read(thread)
    ]
    labels = places.describe(
        session, [thread for _n, thread in rows if thread is not None], locale=get_locale()
    )
    cohort_ids = sorted({n.cohort_id for n, _t in rows if n.cohort_id})
    cohort_names = (
        dict(session.execute(sa.select(Cohort.id, Cohort.name).where(Cohort.id.in_(cohort_ids))).all())
        if cohort_ids
        else {}
    )
    return render(
        request,
        "discussions/notifications.html",
        {
            "rows": rows,
            "labels": labels,
            "cohort_names": cohort_names,
            "frequency": notifications.frequency_of(session, user_id=viewer.user_id),
            "frequencies": notifications.FREQUENCIES,
            "link_texts": notifications.LINK_TEXTS,
        },
    )


@router.post("/notifications/read", name="notifications_read")
def notifications_read(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    notifications.mark_all_read(session, user_id=principal.user_id)
    session.commit()
    return flash.flash(redirect(request, "/notifications"), ALL_READ)


@router.post("/notifications/digest", name="notifications_digest")
def notifications_digest(
    request: Request,
    principal: Principal = Depends(require_user),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    frequency = clean_line(raw.get("frequency"), 10)
    if frequency not in notifications.FREQUENCIES:
        raise DomainError(N_("Choose daily, weekly or never."), status_code=422)
    notifications.set_frequency(session, user_id=principal.user_id, frequency=frequency)
    session.commit()
    return flash.flash(redirect(request, "/notifications#digest"), DIGEST_SAVED)
