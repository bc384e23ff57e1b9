"""The trainers' editor under /author/: courses, modules, lessons with drafts, history and media.

Each route takes its typed form (app/authoring/schemas.py), calls one service function and redirects or
renders. A form refused, or a rule of the editor that says no (app/authoring/exceptions.py: a short name
taken, a file refused, someone else's save, a draft the checker refuses), brings the trainer back to the
page she was on, with what she typed and the reason beside the field (`shows_refusals`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, File, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.authoring import service as authoring
from app.authoring import translations
from app.authoring.schemas import (
    KIND_LABELS,
    QUESTION_TYPE_LABELS,
    CourseSettingsForm,
    CourseTextsForm,
    LessonSettingsForm,
    LessonTextsForm,
    ModuleTextsForm,
    MoveForm,
    NewCourseForm,
    NewLessonForm,
    NewModuleForm,
    PublishForm,
    RestoreForm,
    StaffForm,
    opened_version,
    typed_texts,
)
from app.config import LOCALES
from app.courses.service import TOPIC_LABELS
from app.db import get_session
from app.forms import Filled, FormErrors, Refused, form
from app.i18n import N_, get_locale
from app.principal import Principal
from app.routing import RefusalPage, Router, shows_refusals
from app.web import flash, state
from app.web.access import Author
from app.web.htmx import is_partial, redirect
from app.web.pages import render
from app.web.params import Id

router = Router(prefix="/author", include_in_schema=False)

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


def _media_dir(request: Request) -> Path:
    return Path(state.settings(request).data_dir) / "media"


# Courses ------------------------------------------------------------------------------------------------


def _home(
    request: Request, session: Session, principal: Principal, filled: Filled, status_code: int = 200
) -> Response:
    context = {
        "courses": authoring.editable_courses(session, principal),
        "form": filled,
        "title_of": authoring.title_of,
    }
    return render(request, "authoring/home.html", context, status_code=status_code)


def _home_refused(refused: Refused) -> Response:
    filled = Filled(refused.values, refused.errors)
    return _home(refused.request, refused.session, refused.params["principal"], filled, refused.status_code)


@router.get("/", name="author_home")
def author_home(request: Request, principal: Author, session: Session = Depends(get_session)) -> Response:
    return _home(request, session, principal, Filled({"locale": get_locale()}))


@router.post("/courses", name="author_course_create")
@shows_refusals(_home_refused)
def create_course(
    request: Request,
    principal: Author,
    body: NewCourseForm = form(NewCourseForm),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.create_course(
        session, principal, slug=body.slug, title=body.title, locale=body.locale or get_locale()
    )
    return redirect(request, f"/author/courses/{course.slug}")


def _course_page(
    request: Request,
    editor: authoring.CourseEditor,
    *,
    filled: dict[str, Filled] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "course": editor.course,
        "lang": editor.lang,
        "texts": editor.texts,
        "source": editor.source,
        "overview": editor.overview,
        "library": editor.library,
        "staff": editor.staff,
        "topics": TOPIC_LABELS,
        "errors": errors or FormErrors(),
        "filled": filled or {},
        "title_of": authoring.title_of,
        "kind_labels": KIND_LABELS,
    }
    return render(request, "authoring/course.html", context, status_code=status_code)


def _course_refused(name: str, **ids: str) -> RefusalPage:
    """The course's page again with the form `name` as she filled it, and the reasons beside its fields.
    `ids`: a field's key on the page where it differs from its name (the page has several forms); both
    may name the route's parameters, as in "module-{module_id}"."""

    def page(refused: Refused) -> Response:
        params = refused.params
        errors = FormErrors(
            {ids.get(field, field).format(**params): message for field, message in refused.errors.items()}
        )
        editor = authoring.course_editor(
            refused.session,
            params["principal"],
            slug=params.get("slug"),
            module_id=params.get("module_id"),
            lang=str(refused.values.get("lang", "")),
        )
        filled = {name.format(**params): Filled(refused.values, errors)}
        return _course_page(
            refused.request, editor, filled=filled, errors=errors, status_code=refused.status_code
        )

    return page


@router.get("/courses/{slug}", name="author_course")
def course_page(
    request: Request,
    slug: str,
    principal: Author,
    lang: str = "",
    session: Session = Depends(get_session),
) -> Response:
    return _course_page(request, authoring.course_editor(session, principal, slug=slug, lang=lang))


@router.post("/courses/{slug}/texts", name="author_course_texts")
@shows_refusals(_course_refused("texts"))
def course_texts(
    request: Request,
    slug: str,
    principal: Author,
    body: CourseTextsForm = form(CourseTextsForm),
    session: Session = Depends(get_session),
) -> Response:
    locale = authoring.save_course_texts(
        session,
        principal,
        slug=slug,
        lang=body.lang,
        title=body.title,
        summary=body.summary,
        audience=body.audience,
    )
    return flash.flash(redirect(request, f"/author/courses/{slug}?lang={locale}"), COURSE_SAVED)


@router.post("/courses/{slug}/settings", name="author_course_settings")
@shows_refusals(_course_refused("settings"))
def course_settings(
    request: Request,
    slug: str,
    principal: Author,
    body: CourseSettingsForm = form(CourseSettingsForm),
    session: Session = Depends(get_session),
) -> Response:
    authoring.save_course_settings(
        session,
        principal,
        slug=slug,
        hours=body.estimated_hours,
        pass_mark=body.pass_mark,
        topics=body.topics,
        licence=body.licence,
        authors=body.author_names(),
        open_enrolment=body.open_enrolment,
    )
    return flash.flash(redirect(request, f"/author/courses/{slug}"), COURSE_SAVED)


@router.post("/courses/{slug}/publish", name="author_course_publish")
@shows_refusals(_course_refused("publish"))
def course_publish(
    request: Request, slug: str, principal: Author, session: Session = Depends(get_session)
) -> Response:
    authoring.publish_course(session, principal, slug=slug, media_dir=_media_dir(request))
    return flash.flash(redirect(request, f"/author/courses/{slug}"), COURSE_PUBLISHED)


@router.post("/courses/{slug}/staff", name="author_course_staff")
@shows_refusals(_course_refused("staff", email="staff-email"))
def course_staff(
    request: Request,
    slug: str,
    principal: Author,
    body: StaffForm = form(StaffForm),
    session: Session = Depends(get_session),
) -> Response:
    authoring.add_trainer(session, principal, slug=slug, email=body.email)
    return flash.flash(redirect(request, f"/author/courses/{slug}"), STAFF_ADDED)


@router.get("/courses/{slug}/translations", name="author_course_translations")
def course_translations(
    request: Request, slug: str, principal: Author, session: Session = Depends(get_session)
) -> Response:
    """Every lesson in every language: the source, current, stale, title only or missing."""
    status = translations.status_of(session, principal, slug=slug, locale=get_locale())
    return render(request, "authoring/translations.html", {"status": status})


@router.get("/courses/{slug}/export.zip", name="author_course_zip")
def course_zip(
    request: Request, slug: str, principal: Author, session: Session = Depends(get_session)
) -> Response:
    body = authoring.export_zip(session, principal, slug=slug, media_dir=_media_dir(request))
    headers = {
        "Content-Disposition": f'attachment; filename="{slug}.zip"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type="application/zip", headers=headers)


@router.post(
    "/courses/{slug}/media", name="author_media_upload", max_body_size=authoring.MAX_UPLOAD_BYTES + 64 * 1024
)
@shows_refusals(_course_refused("media", file="media-file"))
def media_upload(
    request: Request,
    slug: str,
    principal: Author,
    # Optional, so that a post without a file is refused beside the field (after the course's own check)
    file: UploadFile | None = File(None),
    session: Session = Depends(get_session),
) -> Response:
    data = file.file.read(authoring.MAX_UPLOAD_BYTES + 1) if file is not None else b""
    filename = (file.filename if file is not None else None) or "file"
    authoring.upload_media(
        session,
        principal,
        slug=slug,
        filename=filename,
        data=data,
        media_dir=_media_dir(request),
        shared=request.app.state.settings.media_store == "database",
    )
    return flash.flash(redirect(request, f"/author/courses/{slug}#media"), UPLOADED)


# Modules --------------------------------------------------------------------------------------------------


@router.post("/courses/{slug}/modules", name="author_module_create")
@shows_refusals(_course_refused("module", title="module-new-title", slug="module-new-slug"))
def module_create(
    request: Request,
    slug: str,
    principal: Author,
    body: NewModuleForm = form(NewModuleForm),
    session: Session = Depends(get_session),
) -> Response:
    authoring.create_module(session, principal, slug=slug, module_slug=body.slug, title=body.title)
    return flash.flash(redirect(request, f"/author/courses/{slug}#modules"), COURSE_SAVED)


@router.post("/modules/{module_id}/texts", name="author_module_texts")
@shows_refusals(
    _course_refused(
        "module-{module_id}", title="module-title-{module_id}", summary="module-summary-{module_id}"
    )
)
def module_texts(
    request: Request,
    module_id: Id,
    principal: Author,
    body: ModuleTextsForm = form(ModuleTextsForm),
    session: Session = Depends(get_session),
) -> Response:
    course, module, locale = authoring.save_module_texts(
        session, principal, module_id=module_id, lang=body.lang, title=body.title, summary=body.summary
    )
    return flash.flash(
        redirect(request, f"/author/courses/{course.slug}?lang={locale}#module-{module.slug}"), COURSE_SAVED
    )


@router.post("/modules/{module_id}/move", name="author_module_move")
def module_move(
    request: Request,
    module_id: Id,
    principal: Author,
    body: MoveForm = form(MoveForm),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.move_module(session, principal, module_id=module_id, step=body.step)
    return redirect(request, f"/author/courses/{course.slug}#modules")


@router.post("/modules/{module_id}/lessons", name="author_lesson_create")
@shows_refusals(
    _course_refused(
        "lesson-{module_id}",
        title="lesson-title-{module_id}",
        slug="lesson-slug-{module_id}",
        kind="lesson-kind-{module_id}",
    )
)
def lesson_create(
    request: Request,
    module_id: Id,
    principal: Author,
    body: NewLessonForm = form(NewLessonForm),
    session: Session = Depends(get_session),
) -> Response:
    lesson = authoring.create_lesson(
        session, principal, module_id=module_id, slug=body.slug, kind=body.kind, title=body.title
    )
    return redirect(request, f"/author/lessons/{lesson.id}")


# Lessons ------------------------------------------------------------------------------------------------


def _lesson_page(
    request: Request,
    editor: authoring.LessonEditor,
    *,
    errors: FormErrors | None = None,
    settings: Filled | None = None,
    publish: Filled | None = None,
    status_code: int = 200,
    block: str | None = None,
) -> Response:
    """The editor. `errors`: a refused form's, by field (and "" for the form as a whole); `settings` and
    `publish`, those forms as she filled them when they were refused."""
    errors = errors or FormErrors()
    data, source = editor.data, editor.source_language
    if settings is None:
        defaults = {
            "estimated_minutes": data.get("estimated_minutes", 10),
            "required": "on" if data.get("required", True) else "",
            "structure": editor.structure_yaml,
        }
        settings = Filled(defaults)
    context: dict[str, Any] = {
        "course": editor.course,
        "lesson": editor.lesson,
        "draft": editor.draft,
        "data": data,
        "tab": editor.tab,
        "kind_labels": KIND_LABELS,
        "question_types": QUESTION_TYPE_LABELS,
        "source_language": source,
        "source": editor.translation(source),
        "row": editor.translation(editor.tab),
        "states": editor.states,
        "glossary": editor.glossary,
        "structure": data.get("structure", {}),
        "settings": settings,
        "publish": publish or Filled(),
        "problems": editor.problems,
        "preview": editor.preview,
        "conflict": editor.conflict,
        "library": editor.library,
        "revisions": editor.revisions,
        "diffs": editor.diffs,
        "losses": editor.losses,
        "restore_language": editor.restore_language or editor.source_language,
        "general_error": errors.get(""),
        "errors": FormErrors({field: message for field, message in errors.items() if field}),
        "preview_errors": FormErrors(),
    }
    if block == "preview" and is_partial(request):  # a refused preview: its reasons in its own place
        context["preview_errors"] = context["errors"]
    return render(request, "authoring/lesson.html", context, status_code=status_code, block=block)


@router.get("/lessons/{lesson_id}", name="author_lesson")
def lesson_page(
    request: Request,
    lesson_id: Id,
    principal: Author,
    tab: str = "",
    came_from: str = "",
    session: Session = Depends(get_session),
) -> Response:
    editor = authoring.lesson_editor(session, principal, lesson_id=lesson_id, tab=tab)
    editor.restore_language = came_from if came_from in LOCALES else editor.source_language
    return _lesson_page(request, editor)


def _texts_refused(refused: Refused) -> Response:
    """Her texts again: with the reasons beside the fields, or (someone saved meanwhile, 409) beside
    theirs, on the version she would now replace by saving again. A refused preview (htmx): its block."""
    values, conflict = refused.values, refused.status_code == 409
    editor = authoring.lesson_editor(
        refused.session,
        refused.params["principal"],
        lesson_id=refused.params["lesson_id"],
        tab=str(values.get("tab", "")),
        texts=typed_texts(values),
        version=None if conflict else opened_version(values.get("version")),
        conflict=conflict,
    )
    block = "preview" if values.get("action") == "preview" else None
    errors = FormErrors() if conflict else refused.errors
    return _lesson_page(refused.request, editor, errors=errors, status_code=refused.status_code, block=block)


@router.post("/lessons/{lesson_id}/texts", name="author_lesson_texts")
@shows_refusals(_texts_refused)
def lesson_texts(
    request: Request,
    lesson_id: Id,
    principal: Author,
    body: LessonTextsForm = form(LessonTextsForm),
    session: Session = Depends(get_session),
) -> Response:
    if body.preview and is_partial(request):
        html = authoring.preview(session, principal, lesson_id=lesson_id, tab=body.tab, texts=body.fields())
        context = {"preview": html, "preview_errors": FormErrors()}
        return render(request, "authoring/lesson.html", context, block="preview")
    if body.preview:
        editor = authoring.lesson_editor(
            session,
            principal,
            lesson_id=lesson_id,
            tab=body.tab,
            texts=body.fields(),
            version=body.version,
            preview=True,
        )
        return _lesson_page(request, editor)
    locale = authoring.save_lesson_texts(
        session,
        principal,
        lesson_id=lesson_id,
        tab=body.tab,
        texts=body.fields(),
        expected_version=body.version,
    )
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}?tab={locale}"), SAVED)


def _settings_refused(refused: Refused) -> Response:
    conflict = refused.status_code == 409
    editor = authoring.lesson_editor(
        refused.session,
        refused.params["principal"],
        lesson_id=refused.params["lesson_id"],
        tab="settings",
        version=None if conflict else opened_version(refused.values.get("version")),
        conflict=conflict,
    )
    return _lesson_page(
        refused.request,
        editor,
        errors=FormErrors() if conflict else refused.errors,
        settings=Filled(refused.values, refused.errors),
        status_code=refused.status_code,
    )


@router.post("/lessons/{lesson_id}/settings", name="author_lesson_settings")
@shows_refusals(_settings_refused)
def lesson_settings(
    request: Request,
    lesson_id: Id,
    principal: Author,
    body: LessonSettingsForm = form(LessonSettingsForm),
    session: Session = Depends(get_session),
) -> Response:
    authoring.save_lesson_settings(
        session,
        principal,
        lesson_id=lesson_id,
        expected_version=body.version,
        minutes=body.estimated_minutes,
        required=body.required,
        structure=body.structure,
    )
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}?tab=settings"), SAVED)


def _publish_refused(refused: Refused) -> Response:
    """The editor again: the checker's problems (the draft is as it was: the checker is asked again), or
    someone's save since she opened it (409)."""
    conflict = refused.status_code == 409
    checked = "" in refused.errors and not conflict  # the draft was refused, not the form
    editor = authoring.lesson_editor(
        refused.session,
        refused.params["principal"],
        lesson_id=refused.params["lesson_id"],
        tab=str(refused.values.get("tab", "")),
        conflict=conflict,
        media_dir=_media_dir(refused.request) if checked else None,
    )
    errors = FormErrors({"publish-" + field if field else "": text for field, text in refused.errors.items()})
    if conflict or editor.problems:  # said in full by the page's notice
        errors.pop("", None)
    return _lesson_page(
        refused.request,
        editor,
        errors=errors,
        publish=Filled(refused.values, errors),
        status_code=refused.status_code,
    )


@router.post("/lessons/{lesson_id}/publish", name="author_lesson_publish")
@shows_refusals(_publish_refused)
def lesson_publish(
    request: Request,
    lesson_id: Id,
    principal: Author,
    body: PublishForm = form(PublishForm),
    session: Session = Depends(get_session),
) -> Response:
    authoring.publish_lesson(
        session,
        principal,
        lesson_id=lesson_id,
        expected_version=body.version,
        note=body.note,
        media_dir=_media_dir(request),
    )
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}?tab=history"), PUBLISHED)


@router.post("/lessons/{lesson_id}/discard", name="author_lesson_discard")
def lesson_discard(
    request: Request, lesson_id: Id, principal: Author, session: Session = Depends(get_session)
) -> Response:
    authoring.discard_lesson_draft(session, principal, lesson_id=lesson_id)
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}"), DISCARDED)


@router.post("/lessons/{lesson_id}/move", name="author_lesson_move")
def lesson_move(
    request: Request,
    lesson_id: Id,
    principal: Author,
    body: MoveForm = form(MoveForm),
    session: Session = Depends(get_session),
) -> Response:
    course = authoring.move_lesson(session, principal, lesson_id=lesson_id, step=body.step)
    return redirect(request, f"/author/courses/{course.slug}#modules")


def _history_refused(refused: Refused) -> Response:
    """Someone saved the draft as she restored a revision: the history again, saying so."""
    editor = authoring.lesson_editor(
        refused.session, refused.params["principal"], lesson_id=refused.params["lesson_id"], tab="history"
    )
    return _lesson_page(refused.request, editor, errors=refused.errors, status_code=refused.status_code)


@router.post("/lessons/{lesson_id}/revisions/{number}/restore", name="author_revision_restore")
@shows_refusals(_history_refused)
def revision_restore(
    request: Request,
    lesson_id: Id,
    number: Id,
    principal: Author,
    body: RestoreForm = form(RestoreForm),
    session: Session = Depends(get_session),
) -> Response:
    authoring.restore_revision(session, principal, lesson_id=lesson_id, number=number, language=body.language)
    tab = body.language if body.language in LOCALES else ""
    return flash.flash(redirect(request, f"/author/lessons/{lesson_id}?tab={tab}"), RESTORED)
