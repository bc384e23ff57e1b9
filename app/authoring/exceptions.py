"""What the editor refuses, and why. A refusal that names a field comes back beside it, on the page the
trainer was on, with what she typed (app/routing.py, `shows_refusals`)."""

from __future__ import annotations

from typing import Any

from app.errors import Conflict, DomainError, Forbidden
from app.i18n import N_


class NotYourCourse(Forbidden):
    message = N_("You are not one of this course's authors.")


class SlugTaken(DomainError):
    # 422 like the other refusals of the same field (the pages and their tests have always said 422)
    status_code = 422
    message = N_("This short name is already used here; choose another.")
    field = "slug"


class BadSlug(DomainError):
    status_code = 422
    message = N_("Use lower-case Latin letters, digits and hyphens, like gender-budgeting.")
    field = "slug"


class BadKind(DomainError):
    status_code = 422
    message = N_("Choose one of the options in the list.")
    field = "kind"


class UploadRefused(DomainError):
    status_code = 422
    message = N_("Only PNG, JPEG, GIF and WebP images and PDF files of up to 2 MB can be uploaded.")
    field = "file"


class UploadTooLarge(UploadRefused):
    status_code = 413


class UnsafePdf(UploadRefused):
    message = N_(
        "This PDF contains scripts or actions that open other programs, which PDF readers run. "
        "Save it again as a plain PDF (for example, print it to PDF) and upload that."
    )


class NoSuchTrainer(DomainError):
    status_code = 422
    message = N_("No trainer has this email. An administrator can make someone a trainer first.")
    field = "email"


class RestoreRefused(DomainError):
    status_code = 422
    message = N_("This revision has no texts in that language. Choose another, or all languages.")
    field = "language"


class FieldTooLong(DomainError):
    """One of a quiz's or scenario's texts (fields named after its questions or steps) is too long."""

    status_code = 422
    message = N_("At most %(max)s characters.")


class BrokenLink(DomainError):
    status_code = 422
    message = N_("The link %(target)s leads nowhere in this course.")
    field = "body"


class StructureProblems(DomainError):
    """The quiz's or scenario's structure (YAML) does not read: the problems name their lines."""

    status_code = 422
    message = N_("The structure cannot be saved: %(problems)s")
    field = "structure"


class EditConflict(Conflict):
    """Someone saved the draft after this form was opened: theirs is kept, hers is shown beside it."""

    message = N_("Someone saved this lesson a moment ago. Reload the page and try again.")

    def __init__(self, theirs: dict[str, Any], their_version: int, by: str) -> None:
        super().__init__()
        self.theirs = theirs
        self.their_version = their_version
        self.by = by


class CourseProblems(DomainError):
    """The course, written out as files, does not pass `academy courses check`: what to fix."""

    status_code = 422
    refusable = True
    message = N_("The course cannot be published yet. Fix these first: %(problems)s")


class PublishProblems(DomainError):
    """The draft does not pass the course checker; `problems` says what to fix, line by line."""

    status_code = 422
    message = N_("This cannot be published yet:")

    def __init__(self, problems: list[str]) -> None:
        super().__init__()
        self.problems = problems
