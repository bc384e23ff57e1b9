"""The trainers' editor under /author/: courses, modules, lessons with drafts, history and media."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session, selectinload

from app.accounts import service as accounts_service
from app.authoring import forms
from app.authoring import service as authoring
from app.courses import content
from app.courses.models import Course, Module
from app.courses.service import LOCALES, TOPIC_LABELS
from app.db import get_session, utcnow
from app.errors import Conflict, DomainError, NotFound
from app.forms import FormErrors, clean_line, clean_text, form_fields, form_lists
from app.i18n import N_, get_locale, gettext
from app.markdown import render
from app.permissions import Capability
from app.principal import Principal
from app.routing import Route
from app.web import flash
from app.web.access import require
from app.web.htmx import redirect

router = APIRouter(prefix="/author", include_in_schema=False, route_class=Route)
author = require(Capability.AUTHOR_COURSES)

SAVED = flash.register("draft-saved", N_("Draft saved. Learners still see the published version."))
PUBLISHED = flash.register("lesson-published", N_("Published. Learners now see this version."))
DISCARDED = flash.register("draft-discarded", N_("The draft is discarded."), "info")
RESTORED = flash.register(
    "revision-restored", N_("The revision is now the draft: publish it to make it live."), "info"
)
COURSE_SAVED = flash.register("course-saved", N_("Saved."))
COURSE_PUBLISHED = flash.register("course-published", N_("The course is published: learners can find it."))
UPLOADED = flash.register("media-uploaded", N_("The file is in the course's library."))
STAFF_ADDED = flash.register("staff-added", N_("The trainer can now edit this course."))


class DraftChanged(Conflict):
    message = N_("Someone saved this lesson a moment ago. Reload the page and try again.")


def _render(
    request: Request, name: str, context: dict[str, Any], *, block: str | None = None, status_code: int = 200
) -> Response:
    return request.app.state.templates.render(  # type: ignore[no-any-return]
        request, name, context, block=block, status_code=status_code
    )


def _media_dir(request: Request) -> Path:
    return Path(request.app.state.settings.data_dir) / "media"


def _lang(value: str, default: str) -> str:
    return value if value in LOCALES else default


# Courses ------------------------------------------------------------------------------------------------


@router.get("/", name="author_home")
def author_home(
    request: Request, principal: Principal = Depends(author), session: Session = Depends(get_session)
) -> Response:
    courses = authoring.editable_courses(session, principal)
    context = {"courses": courses, "errors": FormErrors(), "values": {}, "title_of": authoring.title_of}
    return _render(request, "authoring/home.html", context)


@router.post("/courses", name="author_course_create")
def create_course(
    request: Request,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    slug, title = clean_line(raw.get("slug"), 80).lower(), clean_line(raw.get("title"), 200)
    locale = _lang(raw.get("locale", ""), get_locale())
    errors = FormErrors()
    if not title:
        errors.add("title", N_("Give the course a title."))
    if not errors:
        try:
            course = authoring.create_course(
                session,
                user=accounts_service.user_of(session, principal),
                slug=slug,
                title=title,
                locale=locale,
            )
        except DomainError as exc:
            errors.add("slug", exc.message)
        else:
            session.commit()
            return redirect(request, f"/author/courses/{course.slug}")
    context = {
        "courses": authoring.editable_courses(session, principal),
        "errors": errors,
        "values": raw,
        "title_of": authoring.title_of,
    }
    return _render(request, "authoring/home.html", context, status_code=422)


def _course_page(
    request: Request, session: Session, principal: Principal, slug: str, lang: str, **extra: Any
) -> Response:
    course = authoring.course_for_editing(session, principal, slug)
    lang = _lang(lang, course.source_language)
    texts = {row.locale: row for row in course.translations}
    context = {
        "course": course,
        "lang": lang,
        "texts": texts,
        "source": texts.get(course.source_language),
        "overview": authoring.overview(session, course, locale=lang),
        "library": authoring.library(session, course),
        "staff": authoring.staff_of(session, course),
        "topics": TOPIC_LABELS,
        "errors": FormErrors(),
        "title_of": authoring.title_of,
        **extra,
    }
    return _render(request, "authoring/course.html", context, status_code=extra.get("status_code", 200))


@router.get("/courses/{slug}", name="author_course")
def course_page(
    request: Request,
    slug: str,
    lang: str = "",
    principal: Principal = Depends(author),
    session: Session = Depends(get_session),
) -> Response:
    return _course_page(request, session, principal, slug, lang)


@router.post("/courses/{slug}/texts", name="author_course_texts")
def course_texts(
    request: Request,
    slug: str,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.course_for_editing(session, principal, slug)
    locale = _lang(raw.get("lang", ""), course.source_language)
    title = clean_line(raw.get("title"), 200)
    if not title:
        errors = FormErrors()
        errors.add("title", N_("Give the course a title."))
        return _course_page(request, session, principal, slug, locale, errors=errors, status_code=422)
    authoring.set_course_texts(
        session, course, locale=locale, title=title,
        summary=clean_text(raw.get("summary"), 2000), audience=clean_text(raw.get("audience"), 2000),
    )  # fmt: skip
    session.commit()
    return flash.flash(redirect(request, f"/author/courses/{slug}?lang={locale}"), COURSE_SAVED)


@router.post("/courses/{slug}/settings", name="author_course_settings")
def course_settings(
    request: Request,
    slug: str,
    principal: Principal = Depends(author),
    fields: dict[str, list[str]] = Depends(form_lists),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.course_for_editing(session, principal, slug)
    first = {name: values[0] for name, values in fields.items()}
    errors = FormErrors()
    try:
        hours = float(first.get("estimated_hours", "").replace(",", "."))
        if not 0 < hours <= 500:
            raise ValueError
    except ValueError:
        errors.add("estimated_hours", N_("Give the hours as a number between 0.5 and 500."))
    try:
        pass_mark = int(first.get("pass_mark", ""))
        if not 0 <= pass_mark <= 100:
            raise ValueError
    except ValueError:
        errors.add("pass_mark", N_("Give the pass mark as a whole number from 0 to 100."))
    topics = [topic for topic in fields.get("topics", []) if topic in TOPIC_LABELS]
    if errors:
        return _course_page(request, session, principal, slug, "", errors=errors, status_code=422)
    course.estimated_hours, course.pass_mark, course.topics = hours, pass_mark, topics
    course.licence = clean_line(first.get("licence"), 120) or course.licence
    course.authors = [
        name for name in (clean_line(a, 80) for a in first.get("authors", "").split(",")) if name
    ]
    course.open_enrolment = first.get("open_enrolment") == "on"
    session.commit()
    return flash.flash(redirect(request, f"/author/courses/{slug}"), COURSE_SAVED)


@router.post("/courses/{slug}/publish", name="author_course_publish")
def course_publish(
    request: Request,
    slug: str,
    principal: Principal = Depends(author),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.course_for_editing(session, principal, slug)
    course.published_at = course.published_at or utcnow()
    session.commit()
    return flash.flash(redirect(request, f"/author/courses/{slug}"), COURSE_PUBLISHED)


@router.post("/courses/{slug}/staff", name="author_course_staff")
def course_staff(
    request: Request,
    slug: str,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.course_for_editing(session, principal, slug)
    user = accounts_service.get_user_by_email(session, clean_line(raw.get("email"), 254))
    errors = FormErrors()
    if user is None or not ({"trainer", "admin"} & user.role_names):
        errors.add(
            "email", N_("No trainer has this email. An administrator can make someone a trainer first.")
        )
        return _course_page(request, session, principal, slug, "", errors=errors, status_code=422)
    authoring.add_staff(session, course, user)
    accounts_service.record(
        session,
        actor=accounts_service.user_of(session, principal),
        action="course.staff_add",
        target=user,
        detail=slug,
    )
    session.commit()
    return flash.flash(redirect(request, f"/author/courses/{slug}"), STAFF_ADDED)


@router.get("/courses/{slug}/export.zip", name="author_course_zip")
def course_zip(
    request: Request,
    slug: str,
    principal: Principal = Depends(author),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.course_for_editing(session, principal, slug)
    body = authoring.course_zip(session, course, media_dir=_media_dir(request))
    headers = {
        "Content-Disposition": f'attachment; filename="{slug}.zip"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type="application/zip", headers=headers)


@router.post(
    "/courses/{slug}/media", name="author_media_upload", max_body_size=authoring.MAX_UPLOAD_BYTES + 64 * 1024
)
def media_upload(
    request: Request,
    slug: str,
    principal: Principal = Depends(author),
    file: UploadFile | None = File(None),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.course_for_editing(session, principal, slug)
    data = file.file.read(authoring.MAX_UPLOAD_BYTES + 1) if file is not None else b""
    filename = (file.filename if file is not None else None) or "file"
    authoring.upload(session, course, filename=filename, data=data, media_dir=_media_dir(request))
    session.commit()
    return flash.flash(redirect(request, f"/author/courses/{slug}#media"), UPLOADED)


# Modules --------------------------------------------------------------------------------------------------


def _module(session: Session, principal: Principal, module_id: int) -> tuple[Any, Module]:
    module = session.scalars(
        sa.select(Module).where(Module.id == module_id).options(selectinload(Module.translations))
    ).one_or_none()
    if module is None:
        raise NotFound()
    course = session.get(Course, module.course_id)
    if course is None or not authoring.can_edit(session, principal, course):
        raise authoring.NotYourCourse()
    return course, module


@router.post("/courses/{slug}/modules", name="author_module_create")
def module_create(
    request: Request,
    slug: str,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.course_for_editing(session, principal, slug)
    title = clean_line(raw.get("title"), 200)
    errors = FormErrors()
    if not title:
        errors.add("module-new-title", N_("Give the module a title."))
    else:
        try:
            authoring.add_module(
                session,
                course,
                slug=clean_line(raw.get("slug"), 80).lower(),
                title=title,
                locale=course.source_language,
            )
        except DomainError as exc:
            errors.add("module-new-slug", exc.message)
    if errors:
        return _course_page(request, session, principal, slug, "", errors=errors, status_code=422)
    session.commit()
    return flash.flash(redirect(request, f"/author/courses/{slug}#modules"), COURSE_SAVED)


@router.post("/modules/{module_id}/texts", name="author_module_texts")
def module_texts(
    request: Request,
    module_id: int,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course, module = _module(session, principal, module_id)
    locale = _lang(raw.get("lang", ""), course.source_language)
    title = clean_line(raw.get("title"), 200)
    if title:
        authoring.set_module_texts(
            session, module, locale=locale, title=title, summary=clean_text(raw.get("summary"), 2000)
        )
        session.commit()
    return flash.flash(
        redirect(request, f"/author/courses/{course.slug}?lang={locale}#module-{module.slug}"), COURSE_SAVED
    )


@router.post("/modules/{module_id}/move", name="author_module_move")
def module_move(
    request: Request,
    module_id: int,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course, module = _module(session, principal, module_id)
    authoring.move(session, module, -1 if raw.get("direction") == "up" else 1)
    session.commit()
    return redirect(request, f"/author/courses/{course.slug}#modules")


@router.post("/modules/{module_id}/lessons", name="author_lesson_create")
def lesson_create(
    request: Request,
    module_id: int,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course, module = _module(session, principal, module_id)
    title = clean_line(raw.get("title"), 200)
    errors = FormErrors()
    if not title:
        errors.add(f"lesson-title-{module.id}", N_("Give the lesson a title."))
    else:
        try:
            lesson = authoring.add_lesson(
                session,
                course,
                module,
                slug=clean_line(raw.get("slug"), 80).lower(),
                kind=raw.get("kind", ""),
                title=title,
                locale=course.source_language,
                user=accounts_service.user_of(session, principal),
            )
        except DomainError as exc:
            errors.add(f"lesson-slug-{module.id}", exc.message)
        else:
            session.commit()
            return redirect(request, f"/author/lessons/{lesson.id}")
    return _course_page(request, session, principal, course.slug, "", errors=errors, status_code=422)


# Lessons ------------------------------------------------------------------------------------------------


def _lesson_page(
    request: Request,
    session: Session,
    principal: Principal,
    lesson_id: int,
    tab: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    course, lesson = authoring.lesson_for_editing(session, principal, lesson_id)
    draft = extra.pop("draft", None) or authoring.draft_of(session, lesson)
    tab = tab if tab in (*LOCALES, "settings", "history") else course.source_language
    data = extra.pop("data", None) or draft.data
    context: dict[str, Any] = {
        "course": course,
        "lesson": lesson,
        "draft": draft,
        "data": data,
        "tab": tab,
        "source_language": course.source_language,
        "source": data.get("translations", {}).get(course.source_language, {}),
        "row": data.get("translations", {}).get(tab, {}),
        "states": authoring.translation_state(data, course.source_language),
        "glossary": (
            authoring.glossary_for(session, data, course.source_language)
            if tab in LOCALES and tab != course.source_language
            else []
        ),
        "structure": data.get("structure", {}),
        "structure_yaml": extra.pop("structure_yaml", None)
        or (
            forms.structure_yaml(lesson.kind, data.get("structure", {}))
            if lesson.kind in ("quiz", "scenario")
            else ""
        ),
        "problems": extra.pop("problems", []),
        "preview": extra.pop("preview", None),
        "conflict": extra.pop("conflict", None),
        "library": authoring.library(session, course),
        "revisions": authoring.history(session, lesson) if tab == "history" else [],
        "diffs": extra.pop("diffs", None),
    }
    if tab == "history":
        context["diffs"] = {}
        revisions = context["revisions"]
        for index, revision in enumerate(revisions):
            older = revisions[index + 1].data if index + 1 < len(revisions) else None
            context["diffs"][revision.number] = authoring.diff(older, revision.data)
    context.update(extra)
    return _render(request, "authoring/lesson.html", context, status_code=status_code)


@router.get("/lessons/{lesson_id}", name="author_lesson")
def lesson_page(
    request: Request,
    lesson_id: int,
    tab: str = "",
    principal: Principal = Depends(author),
    session: Session = Depends(get_session),
) -> Response:
    return _lesson_page(request, session, principal, lesson_id, tab)


def _version(raw: dict[str, str]) -> int:
    try:
        return max(0, int(raw.get("version", "0")))
    except ValueError:
        return 0


@router.post("/lessons/{lesson_id}/texts", name="author_lesson_texts")
def lesson_texts(
    request: Request,
    lesson_id: int,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course, lesson = authoring.lesson_for_editing(session, principal, lesson_id)
    locale = _lang(raw.get("tab", ""), course.source_language)
    draft = authoring.draft_of(session, lesson)
    fields = forms.lesson_texts(lesson.kind, draft.data.get("structure", {}), raw)
    data = authoring.attach_media(
        session,
        course,
        authoring.with_texts(draft.data, locale=locale, source=course.source_language, fields=fields),
    )
    if raw.get("action") == "preview":
        links = content.Links(course.slug, data.get("structure", {}).get("media", {}))
        preview = render(fields.get("body", "") or "", resolve=links)
        if request.headers.get("hx-request") == "true":
            return _render(request, "authoring/lesson.html", {"preview": preview}, block="preview")
        return _lesson_page(request, session, principal, lesson_id, locale, data=data, preview=preview)
    try:
        authoring.save_draft(
            session,
            lesson,
            user=accounts_service.user_of(session, principal),
            expected_version=_version(raw),
            data=data,
        )
    except authoring.EditConflict as conflict:
        session.rollback()
        theirs = authoring.Draft(conflict.theirs, conflict.their_version, conflict.by)
        return _lesson_page(
            request, session, principal, lesson_id, locale, status_code=409, draft=theirs, data=data,
            conflict={"theirs": conflict.theirs.get("translations", {}).get(locale, {}), "by": conflict.by},
        )  # fmt: skip
    session.commit()
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}?tab={locale}"), SAVED)


@router.post("/lessons/{lesson_id}/settings", name="author_lesson_settings")
def lesson_settings(
    request: Request,
    lesson_id: int,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course, lesson = authoring.lesson_for_editing(session, principal, lesson_id)
    draft = authoring.draft_of(session, lesson)
    data = dict(draft.data)
    problems: list[str] = []
    try:
        minutes = int(raw.get("estimated_minutes", ""))
        if not 1 <= minutes <= 300:
            raise ValueError
        data["estimated_minutes"] = minutes
    except ValueError:
        problems.append(gettext(N_("Give the minutes as a whole number from 1 to 300.")))
    data["required"] = raw.get("required") == "on"
    text = raw.get("structure", "")
    if lesson.kind in ("quiz", "scenario"):
        structure, errors = forms.parse_structure(
            lesson.kind, text[:20_000], data.get("structure", {}).get("media")
        )
        problems += errors
        if structure is not None:
            data["structure"] = structure
    if problems:
        return _lesson_page(
            request,
            session,
            principal,
            lesson_id,
            "settings",
            status_code=422,
            problems=problems,
            structure_yaml=text,
        )
    try:
        authoring.save_draft(
            session,
            lesson,
            user=accounts_service.user_of(session, principal),
            expected_version=_version(raw),
            data=data,
        )
    except authoring.EditConflict as conflict:
        session.rollback()
        theirs = authoring.Draft(conflict.theirs, conflict.their_version, conflict.by)
        return _lesson_page(request, session, principal, lesson_id, "settings", status_code=409, draft=theirs,
                            conflict={"theirs": {}, "by": conflict.by}, structure_yaml=text)  # fmt: skip
    session.commit()
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}?tab=settings"), SAVED)


@router.post("/lessons/{lesson_id}/publish", name="author_lesson_publish")
def lesson_publish(
    request: Request,
    lesson_id: int,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course, lesson = authoring.lesson_for_editing(session, principal, lesson_id)
    try:
        authoring.publish(
            session, course, lesson, user=accounts_service.user_of(session, principal),
            expected_version=_version(raw), media_dir=_media_dir(request),
            note=clean_line(raw.get("note"), 300),
        )  # fmt: skip
    except authoring.PublishProblems as blocked:
        session.rollback()
        return _lesson_page(
            request,
            session,
            principal,
            lesson_id,
            raw.get("tab", ""),
            status_code=422,
            problems=blocked.problems,
        )
    except authoring.EditConflict as conflict:
        session.rollback()
        theirs = authoring.Draft(conflict.theirs, conflict.their_version, conflict.by)
        return _lesson_page(
            request,
            session,
            principal,
            lesson_id,
            raw.get("tab", ""),
            status_code=409,
            draft=theirs,
            conflict={"theirs": {}, "by": conflict.by},
        )
    session.commit()
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}?tab=history"), PUBLISHED)


@router.post("/lessons/{lesson_id}/discard", name="author_lesson_discard")
def lesson_discard(
    request: Request,
    lesson_id: int,
    principal: Principal = Depends(author),
    session: Session = Depends(get_session),
) -> Response:
    _course, lesson = authoring.lesson_for_editing(session, principal, lesson_id)
    if lesson.published_at is not None:  # a new lesson's draft is all it has
        authoring.discard_draft(session, lesson)
        session.commit()
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}"), DISCARDED)


@router.post("/lessons/{lesson_id}/move", name="author_lesson_move")
def lesson_move(
    request: Request,
    lesson_id: int,
    principal: Principal = Depends(author),
    raw: dict[str, str] = Depends(form_fields),
    session: Session = Depends(get_session),
) -> Response:
    course, lesson = authoring.lesson_for_editing(session, principal, lesson_id)
    authoring.move(session, lesson, -1 if raw.get("direction") == "up" else 1)
    session.commit()
    return redirect(request, f"/author/courses/{course.slug}#modules")


@router.post("/lessons/{lesson_id}/revisions/{number}/restore", name="author_revision_restore")
def revision_restore(
    request: Request,
    lesson_id: int,
    number: int,
    principal: Principal = Depends(author),
    session: Session = Depends(get_session),
) -> Response:
    _course, lesson = authoring.lesson_for_editing(session, principal, lesson_id)
    try:
        authoring.restore(session, lesson, user=accounts_service.user_of(session, principal), number=number)
    except authoring.EditConflict:
        session.rollback()
        raise DraftChanged() from None
    session.commit()
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}"), RESTORED)
