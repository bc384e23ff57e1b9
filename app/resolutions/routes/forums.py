"""Forums and their recommendations: the list, writing one (directly or from a post, after a look at
similar ones), endorsing, revising, amendments, review and merging.

Each route parses its form (app/resolutions/schemas.py), calls one service function (forums.py,
recommending.py) and renders or redirects. What a service refuses comes back on the page she was on,
with what she typed and the reason beside the field (`@shows_refusals`)."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.accounts.submissions import Once, once
from app.db import get_session
from app.forms import Filled, FormErrors, Refused, form
from app.i18n import N_, get_locale, gettext
from app.principal import Principal
from app.resolutions import forums, recommending
from app.resolutions.access import forums_for
from app.resolutions.recommending import NoForum, RecommendationPage, WritePage
from app.resolutions.schemas import (
    AmendmentForm,
    CohortChoiceForm,
    ConfirmForm,
    DecisionForm,
    EndorseForm,
    ForumForm,
    MergeForm,
    RecommendationForm,
    ReviewForm,
    ReviseForm,
)
from app.resolutions.words import ADDRESSEE_LABELS, DECLINE_LABELS, EVENT_LABELS, STATE_LABELS, THEME_LABELS
from app.routing import RefusalPage, Router, shows_refusals
from app.web import flash
from app.web import state as app_state
from app.web.access import Discussant, ForumManager, Reviewer, SignedIn
from app.web.htmx import redirect
from app.web.pages import render
from app.web.params import Id, Ref

router = Router(include_in_schema=False)

COHORT_CHOSEN = flash.register(
    "endorsing-cohort", N_("Your endorsements in this forum now count for the cohort you chose.")
)
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


# Forums -----------------------------------------------------------------------------------------------------


@router.get("/forums/", name="forums")
def forum_list(request: Request, principal: SignedIn, session: Session = Depends(get_session)) -> Response:
    return render(request, "resolutions/forums.html", {"forums": forums_for(session, principal)})


def _settings_form(
    request: Request, page: forums.SettingsPage, filled: Filled, status_code: int = 200
) -> Response:
    context = {"forum": page.forum, "form": filled, "errors": filled.errors, "cohorts": page.cohorts}
    return render(request, "resolutions/forum_form.html", context, status_code=status_code)


def _settings_refused(refused: Refused) -> Response:
    page = forums.settings_page(
        refused.session, refused.params["principal"], forum_id=refused.params.get("forum_id")
    )
    return _settings_form(refused.request, page, Filled(refused.values, refused.errors), refused.status_code)


@router.get("/forums/new", name="forum_new")
def forum_new(request: Request, principal: ForumManager, session: Session = Depends(get_session)) -> Response:
    page = forums.settings_page(session, principal, forum_id=None)
    return _settings_form(request, page, Filled(page.values))


@router.post("/forums/", name="forum_create")
@shows_refusals(_settings_refused)
def forum_create(
    request: Request,
    principal: ForumManager,
    body: ForumForm = form(ForumForm),
    sent: Once = once("forum"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):
        return redirect(request, earlier)
    saved = forums.save_settings(session, principal, forum_id=None, fields=body.fields())
    return flash.flash(redirect(request, sent.done(session, f"/forums/{saved.id}")), FORUM_SAVED)


@router.post("/forums/{forum_id}/endorsing", name="forum_endorsing")
def forum_endorsing(
    request: Request,
    forum_id: Id,
    principal: Discussant,
    body: CohortChoiceForm = form(CohortChoiceForm),
    session: Session = Depends(get_session),
) -> Response:
    """Which of her cohorts her endorsements in this forum count for (those she gave move with it)."""
    recommending.choose_cohort(session, principal, forum_id=forum_id, cohort_id=body.cohort_id)
    return flash.flash(redirect(request, f"/forums/{forum_id}"), COHORT_CHOSEN)


@router.get("/forums/{forum_id}/settings", name="forum_settings")
def forum_settings(
    request: Request, forum_id: Id, principal: ForumManager, session: Session = Depends(get_session)
) -> Response:
    page = forums.settings_page(session, principal, forum_id=forum_id)
    return _settings_form(request, page, Filled(page.values))


@router.post("/forums/{forum_id}/settings", name="forum_update")
@shows_refusals(_settings_refused)
def forum_update(
    request: Request,
    forum_id: Id,
    principal: ForumManager,
    body: ForumForm = form(ForumForm),
    session: Session = Depends(get_session),
) -> Response:
    saved = forums.save_settings(session, principal, forum_id=forum_id, fields=body.fields())
    return flash.flash(redirect(request, f"/forums/{saved.id}"), FORUM_SAVED)


@router.get("/forums/{forum_id}", name="forum")
def forum_page(
    request: Request,
    forum_id: Id,
    principal: SignedIn,
    theme: str = "",
    state: str = "",
    sort: str = "endorsements",
    session: Session = Depends(get_session),
) -> Response:
    page = forums.forum_page(session, principal, forum_id=forum_id, theme=theme, state=state, sort=sort)
    return render(
        request,
        "resolutions/forum.html",
        {
            "role": page.role,
            "forum": page.role.forum,
            "recommendations": page.recommendations,
            "endorsed": page.endorsed,
            "used": page.used,
            "my_cohorts": page.my_cohorts,
            "theme": page.theme,
            "state": page.state,
            "sort": page.sort,
            "themes": THEME_LABELS,
            "states": STATE_LABELS,
            "addressees": ADDRESSEE_LABELS,
            "resolution": page.resolution,
        },
    )


# Writing a recommendation -----------------------------------------------------------------------------------


def _write(
    request: Request,
    page: WritePage,
    *,
    draft: Filled | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    """The form to write a recommendation: as the service left it (`page`), or as she sent it (`draft`, a
    Filled form, with its `errors`)."""
    context = {
        "theme_choices": [(key, gettext(label)) for key, label in THEME_LABELS.items()],
        "addressee_choices": [(key, gettext(label)) for key, label in ADDRESSEE_LABELS.items()],
        "role": page.role,
        "forum": page.role.forum,
        "draft": draft if draft is not None else page.draft,
        "errors": errors if errors is not None else FormErrors(),
        "similar": page.similar,
        "checked": page.checked,
        "credit_public": bool(draft.credit_public) if draft is not None else page.credit_public,
        "post": page.post,
        "forums": page.forums,
        "author_name": page.author_name,
        "themes": THEME_LABELS,
        "addressees": ADDRESSEE_LABELS,
        "states": STATE_LABELS,
    }
    return render(request, "resolutions/write.html", context, status_code=status_code)


def _no_forum(request: Request, page: NoForum) -> Response:
    return render(request, "resolutions/no_forum.html", {"thread": page.thread}, status_code=409)


def _write_refused(refused: Refused) -> Response:
    page = recommending.write_page(
        refused.session, refused.params["principal"], forum_id=refused.params["forum_id"]
    )
    filled = Filled(refused.values, refused.errors)
    return _write(refused.request, page, draft=filled, errors=refused.errors, status_code=refused.status_code)


def _post_write_refused(refused: Refused) -> Response:
    filled = Filled(refused.values, refused.errors)
    page = recommending.post_page(
        refused.session,
        refused.params["principal"],
        post_id=refused.params["post_id"],
        forum=str(filled.forum),
    )
    if isinstance(page, NoForum):
        return _no_forum(refused.request, page)
    return _write(refused.request, page, draft=filled, errors=refused.errors, status_code=refused.status_code)


def _written(request: Request, written: recommending.Written, sent: Once, session: Session) -> Response:
    """To the new recommendation; or, the first time, the form again with the look-alikes to consider."""
    if written.rec is None:
        assert written.page is not None
        sent.release(session)  # nothing made yet: the form she sends next has an id of its own
        return _write(request, written.page)
    message = REC_SUGGESTED if written.suggested else REC_SAVED
    return flash.flash(redirect(request, sent.done(session, f"/recommendations/{written.rec.id}")), message)


@router.get("/forums/{forum_id}/recommendations/new", name="recommendation_new")
def recommendation_new(
    request: Request, forum_id: Id, principal: Discussant, session: Session = Depends(get_session)
) -> Response:
    return _write(request, recommending.write_page(session, principal, forum_id=forum_id))


@router.post("/forums/{forum_id}/recommendations", name="recommendation_create")
@shows_refusals(_write_refused)
def recommendation_create(
    request: Request,
    forum_id: Id,
    principal: Discussant,
    body: RecommendationForm = form(RecommendationForm),
    sent: Once = once("recommendation"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):
        return redirect(request, earlier)
    written = recommending.write(
        session,
        principal,
        forum_id=forum_id,
        draft=body.draft(),
        credit_public=body.credit_public,
        checked=body.checked,
        locale=get_locale(),
    )
    return _written(request, written, sent, session)


@router.post("/forums/{forum_id}/similar", name="recommendation_similar")
def recommendation_similar(
    request: Request,
    forum_id: Id,
    principal: Discussant,
    body: RecommendationForm = form(RecommendationForm),
    session: Session = Depends(get_session),
) -> Response:
    """For htmx, while she types: the look-alikes of what she has written so far."""
    similar = recommending.similar_to(session, principal, forum_id=forum_id, title=body.title, text=body.text)
    return render(request, "resolutions/_similar.html", {"similar": similar, "states": STATE_LABELS})


# From a post ------------------------------------------------------------------------------------------------


@router.get("/posts/{post_id:ref}/recommend", name="post_recommend_form")
def post_recommend_form(
    request: Request, post_id: Ref, principal: Discussant, session: Session = Depends(get_session)
) -> Response:
    page = recommending.post_page(session, principal, post_id=post_id)
    if isinstance(page, NoForum):
        return _no_forum(request, page)
    return _write(request, page)


@router.post("/posts/{post_id:ref}/recommend", name="post_recommend")
@shows_refusals(_post_write_refused)
def post_recommend(
    request: Request,
    post_id: Ref,
    principal: Discussant,
    body: RecommendationForm = form(RecommendationForm),
    sent: Once = once("recommendation"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):
        return redirect(request, earlier)
    written = recommending.write_from_post(
        session,
        principal,
        post_id=post_id,
        forum=body.forum,
        draft=body.draft(),
        credit_public=body.credit_public,
        checked=body.checked,
        locale=get_locale(),
    )
    return _written(request, written, sent, session)


# A recommendation -------------------------------------------------------------------------------------------


def _forms(page: RecommendationPage) -> dict[str, Filled]:
    """Each form of the page, as it stands before she sends one."""
    rec = page.rec
    return {
        "revise": Filled({"title": rec.title, "text": rec.text}),
        "amend": Filled({"title": rec.title, "text": rec.text}),
        "review": Filled(),
        "merge": Filled(),
        "decide": Filled(),
        "confirm": Filled(),
    }


def _recommendation(
    request: Request,
    page: RecommendationPage,
    *,
    section: str = "",
    sent: Filled | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    """The recommendation's page; after a refusal, the form she sent (`section`) as she filled it."""
    filled = _forms(page)
    if sent is not None:
        filled[section] = sent
    context = {
        "role": page.role,
        "forum": page.role.forum,
        "rec": page.rec,
        "names": page.names,
        "sources": page.sources,
        "merged_into": page.merged_into,
        "merged_from": page.merged_from,
        "merge_targets": page.merge_targets,
        "endorsed": page.endorsed,
        "since_endorsed": page.since_endorsed,
        "my_cohorts": page.my_cohorts,
        "conflicted": page.conflicted,
        "used": page.used,
        "endorsers": page.endorsers,
        "events": page.events,
        "versions": page.versions,
        "amendments": page.amendments,
        "qualifies_at": (page.role.forum.qualify_endorsements, page.role.forum.qualify_cohorts),
        "themes": THEME_LABELS,
        "addressees": ADDRESSEE_LABELS,
        "states": STATE_LABELS,
        "events_labels": EVENT_LABELS,
        "decline_labels": DECLINE_LABELS,
        "open_section": section,
        "errors": errors if errors is not None else FormErrors(),
        **filled,
    }
    return render(request, "resolutions/recommendation.html", context, status_code=status_code)


# Where each form's fields are on the page (their `key`), when it shares a field name with another form.
_KEYS = {
    "revise": {"title": "rev-title", "text": "rev-text", "note": "rev-note"},
    "amend": {"title": "am-title", "text": "am-text", "note": "am-note"},
    "merge": {"note": "merge-note"},
}


def _refused_on_page(section: str) -> RefusalPage:
    """The refusal page of one of the recommendation page's forms: the page again, that form as she
    filled it, and the reason beside its field (and in the summary at the top)."""

    def page(refused: Refused) -> Response:
        principal: Principal = refused.params["principal"]
        if "amendment_id" in refused.params:
            amendment_id: int = refused.params["amendment_id"]
            shown = recommending.amendment_page(refused.session, principal, amendment_id=amendment_id)
            keys = {"note": f"decide-{amendment_id}"}
            values = refused.values | {"amendment": amendment_id}
        else:
            shown = recommending.recommendation_page(
                refused.session, principal, rec_id=refused.params["rec_id"]
            )
            keys, values = _KEYS.get(section, {}), refused.values
        errors = FormErrors({keys.get(field, field): message for field, message in refused.errors.items()})
        sent = Filled(values, errors)
        return _recommendation(
            refused.request, shown, section=section, sent=sent, errors=errors, status_code=refused.status_code
        )

    return page


def _back(request: Request, rec_id: int, message: str) -> Response:
    return flash.flash(redirect(request, f"/recommendations/{rec_id}"), message)


@router.get("/recommendations/{rec_id}", name="recommendation")
def recommendation_page(
    request: Request, rec_id: Id, principal: SignedIn, session: Session = Depends(get_session)
) -> Response:
    page = recommending.recommendation_page(session, principal, rec_id=rec_id)
    if principal.notifications:  # she has read what pointed her here: the page's one write, on the side
        app_state.database(request).write_aside(
            lambda writer: recommending.mark_read(writer, user_id=principal.user_id, rec_id=rec_id)
        )
    return _recommendation(request, page)


@router.post("/recommendations/{rec_id}/endorse", name="recommendation_endorse")
@shows_refusals(_refused_on_page("endorse"))
def recommendation_endorse(
    request: Request,
    rec_id: Id,
    principal: Discussant,
    body: EndorseForm = form(EndorseForm),
    sent: Once = once("endorsement"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):
        return redirect(request, earlier)
    recommending.endorse(session, principal, rec_id=rec_id, endorse=body.endorses, cohort_id=body.cohort_id)
    sent.done(session, f"/recommendations/{rec_id}")
    return _back(request, rec_id, ENDORSED if body.endorses else UNENDORSED)


@router.post("/recommendations/{rec_id}/confirm", name="recommendation_confirm")
@shows_refusals(_refused_on_page("confirm"))
def recommendation_confirm(
    request: Request,
    rec_id: Id,
    principal: Discussant,
    body: ConfirmForm = form(ConfirmForm),
    session: Session = Depends(get_session),
) -> Response:
    confirmed = body.confirm == "1"
    forum_id = recommending.answer_suggestion(
        session, principal, rec_id=rec_id, confirm=confirmed, credit_public=body.credit_public
    )
    if confirmed:
        return _back(request, rec_id, CONFIRMED)
    return flash.flash(redirect(request, f"/forums/{forum_id}"), DISMISSED)


@router.post("/recommendations/{rec_id}/revise", name="recommendation_revise")
@shows_refusals(_refused_on_page("revise"))
def recommendation_revise(
    request: Request,
    rec_id: Id,
    principal: Discussant,
    body: ReviseForm = form(ReviseForm),
    session: Session = Depends(get_session),
) -> Response:
    recommending.revise(session, principal, rec_id=rec_id, draft=body.draft(), note=body.note)
    return _back(request, rec_id, REVISED)


@router.post("/recommendations/{rec_id}/amendments", name="amendment_create")
@shows_refusals(_refused_on_page("amend"))
def amendment_create(
    request: Request,
    rec_id: Id,
    principal: Discussant,
    body: AmendmentForm = form(AmendmentForm),
    sent: Once = once("amendment"),
    session: Session = Depends(get_session),
) -> Response:
    if earlier := sent.earlier(session):
        return redirect(request, earlier)
    sent.done(session, f"/recommendations/{rec_id}")
    recommending.propose(session, principal, rec_id=rec_id, title=body.title, text=body.text, note=body.note)
    return _back(request, rec_id, AMENDMENT_SENT)


@router.post("/amendments/{amendment_id}/decide", name="amendment_decide")
@shows_refusals(_refused_on_page("decide"))
def amendment_decide(
    request: Request,
    amendment_id: Id,
    principal: Discussant,
    body: DecisionForm = form(DecisionForm),
    session: Session = Depends(get_session),
) -> Response:
    rec_id = recommending.decide(
        session, principal, amendment_id=amendment_id, accept=body.accept, note=body.note
    )
    return _back(request, rec_id, AMENDMENT_DECIDED)


@router.post("/recommendations/{rec_id}/review", name="recommendation_review")
@shows_refusals(_refused_on_page("review"))
def recommendation_review(
    request: Request,
    rec_id: Id,
    principal: Reviewer,
    body: ReviewForm = form(ReviewForm),
    session: Session = Depends(get_session),
) -> Response:
    recommending.review(
        session, principal, rec_id=rec_id, decision=body.decision, reason=body.reason, note=body.note
    )
    return _back(request, rec_id, REVIEWED)


@router.post("/recommendations/{rec_id}/merge", name="recommendation_merge")
@shows_refusals(_refused_on_page("merge"))
def recommendation_merge(
    request: Request,
    rec_id: Id,
    principal: Reviewer,
    body: MergeForm = form(MergeForm),
    session: Session = Depends(get_session),
) -> Response:
    """Merge this recommendation into another (chosen by number)."""
    target_id = recommending.merge(session, principal, rec_id=rec_id, into=body.into, note=body.note)
    return flash.flash(redirect(request, f"/recommendations/{target_id}"), MERGED)
