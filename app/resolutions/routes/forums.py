"""Forums and their recommendations: the list, writing one (directly or from a post, after a look at
similar ones), endorsing, revising, amendments, review and merging."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.db import get_session
from app.discussions import notifications
from app.discussions import service as discussions
from app.discussions.access import viewer_for
from app.discussions.models import Post, Thread
from app.errors import NotFound
from app.forms import FormErrors, clean_line, clean_text, form_fields, form_lists
from app.i18n import N_, get_locale, gettext
from app.learning.models import Cohort, Enrolment
from app.permissions import Capability
from app.principal import Principal
from app.resolutions import forums as forum_service
from app.resolutions import recommendations as recs
from app.resolutions.access import ForumRole, cohorts_of, forum_for, forums_for, manager_of, role_in
from app.resolutions.models import (
    STATES,
    THEMES,
    Amendment,
    Endorsement,
    Forum,
    ForumCohort,
    Recommendation,
    RecommendationEvent,
    RecommendationSource,
    RecommendationVersion,
    Resolution,
)
from app.resolutions.words import ADDRESSEE_LABELS, DECLINE_LABELS, EVENT_LABELS, STATE_LABELS, THEME_LABELS
from app.routing import Route
from app.web import flash
from app.web.access import require, require_user
from app.web.htmx import redirect
from app.web.pages import render

router = APIRouter(include_in_schema=False, route_class=Route)
discusses = require(Capability.DISCUSS)
manages_forums = require(Capability.MANAGE_FORUMS)
reviews = require(Capability.REVIEW_RECOMMENDATIONS)

FORUM_SAVED = flash.register("forum-saved", N_("The forum is saved."))
REC_SAVED = flash.register(
    "recommendation-saved", N_("Your recommendation is saved. Others can now endorse it.")
)
REC_SUGGESTED = flash.register(
    "recommendation-suggested", N_("Suggested. Its author is asked to confirm it.")
)
ENDORSED = flash.register("endorsed", N_("Your endorsement is counted."))
UNENDORSED = flash.register("unendorsed", N_("Your endorsement is withdrawn."), "info")
CONFIRMED = flash.register(
    "recommendation-confirmed", N_("Confirmed: your recommendation is open for endorsement.")
)
DISMISSED = flash.register("recommendation-dismissed", N_("The suggestion is dismissed."), "info")
REVISED = flash.register("recommendation-revised", N_("Your new version is saved."))
AMENDMENT_SENT = flash.register("amendment-sent", N_("Your amendment is sent to the author."))
AMENDMENT_DECIDED = flash.register("amendment-decided", N_("Your decision on the amendment is saved."))
REVIEWED = flash.register("recommendation-reviewed", N_("Your answer is published on the recommendation."))
MERGED = flash.register(
    "recommendation-merged", N_("Merged. Its endorsers are asked to confirm their support.")
)


def _rec(session: Session, principal: Principal, rec_id: int) -> tuple[ForumRole, Recommendation]:
    role = forum_for(session, principal, recs.forum_of(session, rec_id))
    return role, recs.get(session, role, rec_id)


def _draft(raw: dict[str, str]) -> recs.Draft:
    return recs.Draft(
        title=clean_line(raw.get("title"), recs.TITLE_MAX + 1),
        text=clean_text(raw.get("text"), recs.TEXT_MAX + 1),
        theme=clean_line(raw.get("theme"), 30),
        addressee=clean_line(raw.get("addressee"), 30),
    )


# Forums -----------------------------------------------------------------------------------------------------


@router.get("/forums/", name="forums")
def forum_list(
    request: Request, principal: Principal = Depends(require_user), session: Session = Depends(get_session)
) -> Response:
    return render(request, "resolutions/forums.html", {"forums": forums_for(session, principal)})


def _forum_form(
    request: Request,
    session: Session,
    principal: Principal,
    forum: Forum | None,
    values: dict[str, str],
    errors: FormErrors,
    status_code: int = 200,
) -> Response:
    options = forum_service.cohort_choices(session, principal)
    if forum is not None:
        known = {c.id for c in options}
        chosen = session.scalars(sa.select(Cohort).where(Cohort.id.in_(cohorts_of(session, forum.id))))
        options += [c for c in chosen if c.id not in known]
    context = {"forum": forum, "values": values, "errors": errors, "cohorts": options}
    return render(request, "resolutions/forum_form.html", context, status_code=status_code)


def _forum_submit(
    request: Request,
    session: Session,
    principal: Principal,
    forum: Forum | None,
    fields: dict[str, list[str]],
) -> Response:
    raw = {key: values[0] for key, values in fields.items() if values}
    options = {c.id for c in forum_service.cohort_choices(session, principal)}
    if forum is not None:
        options |= set(cohorts_of(session, forum.id))
    errors = FormErrors()
    data = forum_service.read(raw, fields.get("cohorts", []), options, errors)
    if errors:
        values = raw | {f"cohort_{v}": "1" for v in fields.get("cohorts", [])}
        return _forum_form(request, session, principal, forum, values, errors, status_code=422)
    saved = forum_service.save(session, forum, data, actor=accounts_service.user_of(session, principal))
    session.commit()
    return flash.flash(redirect(request, f"/forums/{saved.id}"), FORUM_SAVED)


@router.get("/forums/new", name="forum_new")
def forum_new(
    request: Request, principal: Principal = Depends(manages_forums), session: Session = Depends(get_session)
) -> Response:
    defaults = {
        "endorsement_cap": "10",
        "qualify_endorsements": "5",
        "qualify_cohorts": "2",
        "accepting": "1",
    }
    return _forum_form(request, session, principal, None, defaults, FormErrors())


@router.post("/forums/", name="forum_create")
def forum_create(
    request: Request,
    principal: Principal = Depends(manages_forums),
    fields: dict[str, list[str]] = Depends(form_lists),
    session: Session = Depends(get_session),
) -> Response:
    return _forum_submit(request, session, principal, None, fields)


@router.get("/forums/{forum_id}/settings", name="forum_settings")
def forum_settings(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(manages_forums),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    values = forum_service.values_of(role.forum, cohorts_of(session, forum_id))
    return _forum_form(request, session, principal, role.forum, values, FormErrors())


@router.post("/forums/{forum_id}/settings", name="forum_update")
def forum_update(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(manages_forums),
    fields: dict[str, list[str]] = Depends(form_lists),
    session: Session = Depends(get_session),
) -> Response:
    role = manager_of(session, principal, forum_id)
    return _forum_submit(request, session, principal, role.forum, fields)


@router.get("/forums/{forum_id}", name="forum")
def forum_page(
    request: Request,
    forum_id: int,
    theme: str = "",
    state: str = "",
    sort: str = "endorsements",
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    role = forum_for(session, principal, forum_id)
    statement = sa.select(Recommendation).where(Recommendation.forum_id == forum_id)
    if not role.staff:
        statement = statement.where(
            sa.or_(Recommendation.status != "suggested", Recommendation.author_id == principal.user_id)
        )
    theme, state = (theme if theme in THEMES else ""), (state if state in STATES else "")
    if theme:
        statement = statement.where(Recommendation.theme == theme)
    if state:
        statement = statement.where(Recommendation.status == state)
    newest = sort == "newest"
    order = [Recommendation.created_at.desc()] if newest else [Recommendation.endorsement_count.desc()]
    listing = list(session.scalars(statement.order_by(*order, Recommendation.id.desc())))
    endorsed = set(
        session.scalars(
            sa.select(Endorsement.recommendation_id).where(
                Endorsement.user_id == principal.user_id,
                Endorsement.recommendation_id.in_([rec.id for rec in listing]),
            )
        )
    )
    resolution = session.scalars(sa.select(Resolution).where(Resolution.forum_id == forum_id)).one_or_none()
    return render(
        request,
        "resolutions/forum.html",
        {
            "role": role,
            "forum": role.forum,
            "recommendations": listing,
            "endorsed": endorsed,
            "used": recs.used_endorsements(session, forum_id=forum_id, user_id=principal.user_id),
            "theme": theme,
            "state": state,
            "sort": "newest" if newest else "endorsements",
            "themes": THEME_LABELS,
            "states": STATE_LABELS,
            "addressees": ADDRESSEE_LABELS,
            "resolution": resolution,
        },
    )


# Writing a recommendation -----------------------------------------------------------------------------------


def _write_context(role: ForumRole, draft: recs.Draft, errors: FormErrors, **extra: Any) -> dict[str, Any]:
    return {
        "theme_choices": [(key, gettext(label)) for key, label in THEME_LABELS.items()],
        "addressee_choices": [(key, gettext(label)) for key, label in ADDRESSEE_LABELS.items()],
        "role": role,
        "forum": role.forum,
        "draft": draft,
        "errors": errors,
        "similar": [],
        "checked": False,
        "credit_public": False,
        "post": None,
        "author_name": "",
        "themes": THEME_LABELS,
        "addressees": ADDRESSEE_LABELS,
        "states": STATE_LABELS,
        **extra,
    }


@router.get("/forums/{forum_id}/recommendations/new", name="recommendation_new")
def recommendation_new(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(discusses),
    session: Session = Depends(get_session),
) -> Response:
    role = forum_for(session, principal, forum_id)
    draft = recs.Draft("", "", "other", "government")
    return render(request, "resolutions/write.html", _write_context(role, draft, FormErrors()))


def _checked_or_similar(
    request: Request, session: Session, role: ForumRole, draft: recs.Draft, raw: dict[str, str], **extra: Any
) -> Response | None:
    """The form again, with errors or with look-alikes to consider; None when it may be saved."""
    errors = FormErrors()
    try:
        recs.check(draft)
    except recs.RecommendationInvalid as exc:
        errors.add(exc.field, exc.message, **exc.params)
        context = _write_context(role, draft, errors, credit_public=bool(raw.get("credit_public")), **extra)
        return render(request, "resolutions/write.html", context, status_code=422)
    if raw.get("checked") == "1":
        return None
    similar = recs.similar(session, role.forum.id, title=draft.title, text=draft.text)
    if not similar:
        return None
    context = _write_context(
        role,
        draft,
        errors,
        similar=similar,
        checked=True,
        credit_public=bool(raw.get("credit_public")),
        **extra,
    )
    return render(request, "resolutions/write.html", context)


@router.post("/forums/{forum_id}/recommendations", name="recommendation_create")
def recommendation_create(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role = forum_for(session, principal, forum_id)
    draft = _draft(raw)
    answer = _checked_or_similar(request, session, role, draft, raw)
    if answer is not None:
        return answer
    rec = recs.create(session, role, draft, locale=get_locale(), credit_public=bool(raw.get("credit_public")))
    session.commit()
    return flash.flash(redirect(request, f"/recommendations/{rec.id}"), REC_SAVED)


@router.post("/forums/{forum_id}/similar", name="recommendation_similar")
def recommendation_similar(
    request: Request,
    forum_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    """For htmx, while she types: the look-alikes of what she has written so far."""
    role = forum_for(session, principal, forum_id)
    draft = _draft(raw)
    similar = (
        recs.similar(session, role.forum.id, title=draft.title, text=draft.text)
        if len(draft.title) >= 5
        else []
    )
    return render(request, "resolutions/_similar.html", {"similar": similar, "states": STATE_LABELS})


# From a post ------------------------------------------------------------------------------------------------


def _post_forums(session: Session, principal: Principal, post: Post, thread: Thread) -> list[ForumRole]:
    """Accepting forums this post can go to: those of the post's cohort (for a cohort thread) or of its
    author's cohort in the thread's course, where she (the author) or a reviewer (a trainer) may act."""
    if thread.cohort_id is not None:
        cohort_ids = [thread.cohort_id]
    else:
        cohort_ids = list(
            session.scalars(
                sa.select(Enrolment.cohort_id).where(
                    Enrolment.user_id == post.author_id,
                    Enrolment.course_id == thread.course_id,
                    Enrolment.status == "active",
                    Enrolment.cohort_id.is_not(None),
                )
            )
        )
    in_cohorts = sa.select(ForumCohort.forum_id).where(ForumCohort.cohort_id.in_(cohort_ids))
    forums = session.scalars(
        sa.select(Forum)
        .where(Forum.id.in_(in_cohorts), Forum.accepting.is_(True))
        .order_by(Forum.held_on.desc(), Forum.id)
    ).all()
    roles = [role_in(session, principal, forum) for forum in forums]
    if post.author_id == principal.user_id:
        return [role for role in roles if role.participant or role.staff]
    return [role for role in roles if role.can_review]


def _spark(session: Session, principal: Principal, post_id: int) -> tuple[Post, Thread, list[ForumRole]]:
    viewer = viewer_for(session, principal)
    post, thread = discussions.get_post(session, viewer, post_id)
    if post.status != "visible" or post.author_id is None:
        raise discussions.PostNotFound()
    return post, thread, _post_forums(session, principal, post, thread)


@router.get("/posts/{post_id}/recommend", name="post_recommend_form")
def post_recommend_form(
    request: Request,
    post_id: int,
    principal: Principal = Depends(discusses),
    session: Session = Depends(get_session),
) -> Response:
    post, thread, roles = _spark(session, principal, post_id)
    if not roles:
        return render(request, "resolutions/no_forum.html", {"thread": thread}, status_code=409)
    draft = recs.Draft(thread.title[: recs.TITLE_MAX], post.body_md[: recs.TEXT_MAX], "other", "government")
    author = session.get(User, post.author_id)
    context = _write_context(
        roles[0],
        draft,
        FormErrors(),
        post=post,
        forums=[r.forum for r in roles],
        author_name=author.display_name if author and post.author_id != principal.user_id else "",
    )
    return render(request, "resolutions/write.html", context)


@router.post("/posts/{post_id}/recommend", name="post_recommend")
def post_recommend(
    request: Request,
    post_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    post, thread, roles = _spark(session, principal, post_id)
    chosen = clean_line(raw.get("forum"), 12)
    role = next((r for r in roles if str(r.forum.id) == chosen), roles[0] if len(roles) == 1 else None)
    if role is None:
        raise NotFound()
    draft = _draft(raw)
    author = session.get(User, post.author_id)
    assert author is not None
    extra = {
        "post": post,
        "forums": [r.forum for r in roles],
        "author_name": author.display_name if author.id != principal.user_id else "",
    }
    answer = _checked_or_similar(request, session, role, draft, raw, **extra)
    if answer is not None:
        return answer
    if post.author_id == principal.user_id:
        rec = recs.create(
            session,
            role,
            draft,
            locale=get_locale(),
            credit_public=bool(raw.get("credit_public")),
            post=post,
            thread=thread,
        )
        message = REC_SAVED
    else:
        rec = recs.suggest(session, role, draft, post=post, thread=thread, author=author)
        message = REC_SUGGESTED
    session.commit()
    return flash.flash(redirect(request, f"/recommendations/{rec.id}"), message)


# A recommendation -------------------------------------------------------------------------------------------


def _page_context(
    session: Session, principal: Principal, role: ForumRole, rec: Recommendation
) -> dict[str, Any]:
    viewer = viewer_for(session, principal)
    sources = []
    for post, thread in session.execute(
        sa.select(Post, Thread)
        .join(RecommendationSource, RecommendationSource.post_id == Post.id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(RecommendationSource.recommendation_id == rec.id)
        .order_by(Post.id)
    ):
        if viewer.can_read(thread):
            sources.append((post, thread))
    people = {rec.author_id} | set(
        session.scalars(
            sa.select(RecommendationEvent.actor_id).where(RecommendationEvent.recommendation_id == rec.id)
        )
    )
    people |= set(
        session.scalars(sa.select(Amendment.proposer_id).where(Amendment.recommendation_id == rec.id))
    )
    names = {
        row.id: row.display_name
        for row in session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_([p for p in people if p is not None]))
        )
    }
    merged_from = session.scalars(
        sa.select(Recommendation).where(Recommendation.merged_into_id == rec.id).order_by(Recommendation.id)
    ).all()
    live = (
        session.scalars(
            sa.select(Recommendation)
            .where(
                Recommendation.forum_id == rec.forum_id,
                Recommendation.status.in_(recs.LIVE),
                Recommendation.id != rec.id,
            )
            .order_by(Recommendation.title)
        ).all()
        if role.can_review
        else []
    )
    return {
        "role": role,
        "forum": role.forum,
        "rec": rec,
        "names": names,
        "sources": sources,
        "merged_into": session.get(Recommendation, rec.merged_into_id) if rec.merged_into_id else None,
        "merged_from": merged_from,
        "merge_targets": live,
        "endorsed": recs.has_endorsed(session, rec, principal.user_id),
        "used": recs.used_endorsements(session, forum_id=rec.forum_id, user_id=principal.user_id),
        "endorsers": recs.endorser_names(session, rec) if role.staff else [],
        "events": session.scalars(
            sa.select(RecommendationEvent)
            .where(RecommendationEvent.recommendation_id == rec.id)
            .order_by(RecommendationEvent.id)
        ).all(),
        "versions": session.scalars(
            sa.select(RecommendationVersion)
            .where(RecommendationVersion.recommendation_id == rec.id)
            .order_by(RecommendationVersion.number.desc())
        ).all(),
        "amendments": session.scalars(
            sa.select(Amendment).where(Amendment.recommendation_id == rec.id).order_by(Amendment.id.desc())
        ).all(),
        "qualifies_at": (role.forum.qualify_endorsements, role.forum.qualify_cohorts),
        "themes": THEME_LABELS,
        "addressees": ADDRESSEE_LABELS,
        "states": STATE_LABELS,
        "events_labels": EVENT_LABELS,
        "open_section": "",
        "decline_labels": DECLINE_LABELS,
        "errors": FormErrors(),
        "draft": None,
    }


@router.get("/recommendations/{rec_id}", name="recommendation")
def recommendation_page(
    request: Request,
    rec_id: int,
    principal: Principal = Depends(require_user),
    session: Session = Depends(get_session),
) -> Response:
    role, rec = _rec(session, principal, rec_id)
    if principal.notifications:
        with request.app.state.database.session(write=True) as writer:
            if notifications.mark_link_read(
                writer, user_id=principal.user_id, link=f"/recommendations/{rec.id}"
            ):
                writer.commit()
    return render(request, "resolutions/recommendation.html", _page_context(session, principal, role, rec))


def _back(request: Request, rec: Recommendation, message: str) -> Response:
    return flash.flash(redirect(request, f"/recommendations/{rec.id}"), message)


def _invalid(
    request: Request,
    session: Session,
    principal: Principal,
    role: ForumRole,
    rec: Recommendation,
    exc: recs.RecommendationInvalid,
    draft: recs.Draft | None = None,
    section: str = "",
) -> Response:
    context = _page_context(session, principal, role, rec)
    context["errors"].add(exc.field, exc.message, **exc.params)
    context["draft"], context["open_section"] = draft, section
    return render(request, "resolutions/recommendation.html", context, status_code=422)


@router.post("/recommendations/{rec_id}/endorse", name="recommendation_endorse")
def recommendation_endorse(
    request: Request,
    rec_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role, rec = _rec(session, principal, rec_id)
    if raw.get("endorse", "1") == "1":
        recs.endorse(session, role, rec)
        message = ENDORSED
    else:
        recs.withdraw(session, role, rec)
        message = UNENDORSED
    session.commit()
    return _back(request, rec, message)


@router.post("/recommendations/{rec_id}/confirm", name="recommendation_confirm")
def recommendation_confirm(
    request: Request,
    rec_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role, rec = _rec(session, principal, rec_id)
    if raw.get("confirm") == "1":
        recs.confirm(session, role, rec, credit_public=bool(raw.get("credit_public")))
        session.commit()
        return _back(request, rec, CONFIRMED)
    forum_id = rec.forum_id
    recs.dismiss(session, role, rec)
    session.commit()
    return flash.flash(redirect(request, f"/forums/{forum_id}"), DISMISSED)


@router.post("/recommendations/{rec_id}/revise", name="recommendation_revise")
def recommendation_revise(
    request: Request,
    rec_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role, rec = _rec(session, principal, rec_id)
    draft = _draft(raw)
    try:
        recs.revise(session, role, rec, draft, note=clean_line(raw.get("note"), 300))
    except recs.RecommendationInvalid as exc:
        return _invalid(request, session, principal, role, rec, exc, draft, "revise")
    session.commit()
    return _back(request, rec, REVISED)


@router.post("/recommendations/{rec_id}/amendments", name="amendment_create")
def amendment_create(
    request: Request,
    rec_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role, rec = _rec(session, principal, rec_id)
    draft = recs.Draft(*(_draft(raw).title, _draft(raw).text), rec.theme, rec.addressee)
    try:
        recs.propose(session, role, rec, draft, note=clean_line(raw.get("note"), recs.NOTE_MAX))
    except recs.RecommendationInvalid as exc:
        return _invalid(request, session, principal, role, rec, exc, draft, "amend")
    session.commit()
    return _back(request, rec, AMENDMENT_SENT)


@router.post("/amendments/{amendment_id}/decide", name="amendment_decide")
def amendment_decide(
    request: Request,
    amendment_id: int,
    principal: Principal = Depends(discusses),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    amendment = session.get(Amendment, amendment_id)
    if amendment is None:
        raise recs.RecommendationNotFound()
    role, rec = _rec(session, principal, amendment.recommendation_id)
    recs.decide(
        session,
        role,
        amendment,
        accept=raw.get("accept") == "1",
        note=clean_line(raw.get("note"), recs.NOTE_MAX),
    )
    session.commit()
    return _back(request, rec, AMENDMENT_DECIDED)


@router.post("/recommendations/{rec_id}/review", name="recommendation_review")
def recommendation_review(
    request: Request,
    rec_id: int,
    principal: Principal = Depends(reviews),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    role, rec = _rec(session, principal, rec_id)
    try:
        recs.review(
            session,
            role,
            rec,
            decision=clean_line(raw.get("decision"), 20),
            reason=clean_line(raw.get("reason"), 30),
            note=clean_line(raw.get("note"), recs.NOTE_MAX),
        )
    except recs.RecommendationInvalid as exc:
        return _invalid(request, session, principal, role, rec, exc, section="review")
    session.commit()
    return _back(request, rec, REVIEWED)


@router.post("/recommendations/{rec_id}/merge", name="recommendation_merge")
def recommendation_merge(
    request: Request,
    rec_id: int,
    principal: Principal = Depends(reviews),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    """Merge this recommendation into another (chosen by number)."""
    role, rec = _rec(session, principal, rec_id)
    target_id = clean_line(raw.get("into"), 12).lstrip("#")
    if not target_id.isdigit():
        return _invalid(
            request,
            session,
            principal,
            role,
            rec,
            recs.RecommendationInvalid("into", N_("Choose the recommendation to merge it into.")),
            section="merge",
        )
    target = recs.get(session, role, int(target_id))
    recs.merge(session, role, [rec], target, note=clean_line(raw.get("note"), 300))
    session.commit()
    return flash.flash(redirect(request, f"/recommendations/{target.id}"), MERGED)
