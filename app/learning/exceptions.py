"""What the learning domain refuses, and why (messages marked with N_, translated when shown).

A refusal that belongs beside a field of a form names it (`field`): the route's refusal page shows it
there, with what she typed (app/routing.py).
"""

from __future__ import annotations

from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.i18n import N_

# Enrolment ------------------------------------------------------------------------------------------------


class EnrolmentClosed(Forbidden):
    message = N_("This course is open only to cohorts. Ask your coordinator for an enrolment code.")


class InvalidCode(DomainError):
    """No cohort has the code (the API's answer: 404)."""

    status_code = 404
    message = N_("There is no cohort with this code. Check it with your coordinator.")
    field = "code"


class UnknownCode(InvalidCode):
    """The same, on the page where she typed it: shown beside the field, with her code."""

    status_code = 422


class CohortFull(Conflict):
    """Every place of the cohort is taken (its coordinator set how many there are)."""

    message = N_(
        "This cohort is full: all its places (%(places)s) are taken. Ask your coordinator to make room "
        "or to add you to another cohort."
    )
    field = "code"  # on the join page, beside the code she typed


class InvalidInvite(DomainError):
    status_code = 404
    message = N_("This invitation link has expired or has been used up. Ask your coordinator for a new one.")


class NotEnrolled(Forbidden):
    message = N_("Enrol in the course to open its lessons.")


class EnrolFirst(Forbidden):
    """A lesson of a course she is not enrolled in: a browser is sent to the course to enrol."""

    message = N_("Enrol in the course to open its lessons.")

    def __init__(self, slug: str) -> None:
        super().__init__(location=f"/courses/{slug}?enrol=1")


class CohortNotStarted(Forbidden):
    message = N_("Your cohort has not started yet. The lessons open on %(date)s.")


class CohortEnded(Forbidden):
    message = N_(
        "Your cohort ended on %(date)s. You can still read the lessons, but progress is no longer recorded."
    )


# Progress -------------------------------------------------------------------------------------------------


class NoSuchLesson(NotFound):
    message = N_("There is no such lesson.")


class NotAllowed(Forbidden):
    message = N_("Not allowed.")


class EventRefused(Forbidden):
    """An event that the lesson does not take (a quiz "completed" rather than passed, say)."""


class NotAReflection(EventRefused):
    message = N_("Only a reflection lesson keeps a note.")


class QuizUnanswered(DomainError):
    """A submission that leaves a question unanswered is not an attempt: the form comes back."""

    status_code = 422
    message = N_("Question %(number)s has no answer yet.")


# Certificates ---------------------------------------------------------------------------------------------


class NotCompleted(Conflict):
    message = N_("Complete the course to receive a certificate.")


class CertificateNotFound(NotFound):
    message = N_("There is no certificate with this code.")


class CertificateNameInvalid(DomainError):
    status_code = 422
    message = N_("Enter the name to print, between 2 and 120 characters.")
    field = "name"


# Cohorts --------------------------------------------------------------------------------------------------


class NotYourCohort(Forbidden):
    message = N_("You are not on the staff of this cohort.")


class CohortInvalid(DomainError):
    status_code = 422


class RosterRefused(DomainError):
    """A roster that cannot be imported as it is (unreadable, empty, or with lines in error)."""

    status_code = 422
    message = N_("Some of what you entered could not be accepted.")


class RosterOverCap(RosterRefused):
    """More learners in the roster than the cohort has places left: none of them is imported."""

    status_code = 409
    message = N_("The cohort does not have enough places for this roster, so nothing was imported.")


class RosterCheckGone(RosterRefused):
    """The dry run she confirms is not kept any more (an hour passed, or it was imported already)."""

    message = N_("This check is more than an hour old, or was imported already. Check the file again.")


# The API --------------------------------------------------------------------------------------------------


class BadCredentials(DomainError):
    status_code = 401
    message = N_("The email or the password is wrong.")
