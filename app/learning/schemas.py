"""The learning forms and the JSON API's bodies, typed (app.forms): what each accepts, and what she is told
when it does not.

Rules that need the database (a code that names no cohort, a quiz question left unanswered, a course
that cannot change, a cohort that ends before it starts) are the services' to check: they raise a
DomainError naming the field, and the route's refusal page shows it beside that field, as it shows a
field's own problem.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.forms import MAX_ID, Form, Line, Message, Refusal, Text, clean_line
from app.i18n import N_

NOTE_MAX = 5000
ANSWER = "q-"  # a quiz's answers arrive as q-<question key>: one value, or several (multiple choice)


def _event_id(value: str) -> str:
    return value[:64]


def _attempt(value: Any) -> int:
    """The attempt the quiz was shown for (her previous submission's id); anything else is the first."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID else 0


def _note(value: str) -> str:
    if not value or len(value) > NOTE_MAX:
        raise Refusal(N_("Write your reflection (at most %(max)s characters)."), max=NOTE_MAX)
    return value


def _code(value: str) -> str:
    value = value[:20]
    if not any(ch.isalnum() for ch in value):
        raise Refusal(N_("Enter the enrolment code your coordinator gave you."))
    return value


def _iso_date(value: Any) -> dt.date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refusal(N_("Write the date as YYYY-MM-DD, or leave it empty.")) from None


def _places(value: Any) -> int | None:
    """How many learners a cohort takes: a whole number, or nothing for no limit ("1 000" is 1000)."""
    text = "".join(str(value or "").split())
    if not text:
        return None
    if not text.isdigit() or len(text) > 6:
        raise Refusal(
            N_("Write how many learners may join, from 1 to 10,000, or leave it empty for no limit.")
        )
    return int(text)


def _at_most(limit: int) -> AfterValidator:
    """At most `limit` characters, said as app.forms says it for a plain string (pydantic reports a
    length checked after a cleaning validator as "too_long", which app.forms has no message for)."""

    def check(value: str) -> str:
        if len(value) > limit:
            raise Refusal(N_("At most %(max)s characters."), max=limit)
        return value

    return AfterValidator(check)


FormEventId = Annotated[Line, AfterValidator(_event_id)]  # the page's own id for what she did
IsoDate = Annotated[dt.date | None, BeforeValidator(_iso_date)]


# The learner's forms ------------------------------------------------------------------------------------


class CompleteForm(Form):
    """The button that marks a lesson complete (a reading, a scenario's end)."""

    event_id: FormEventId = ""


class QuizForm(Form):
    """A quiz's answers: `answers` maps each question's key to the option keys she chose. `attempt` is
    the attempt the form was shown for (the order of its options)."""

    list_prefixes: ClassVar[tuple[str, ...]] = (ANSWER,)  # fields sent once per chosen option

    event_id: FormEventId = ""
    attempt: Annotated[int, BeforeValidator(_attempt)] = 0
    answers: dict[str, list[str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _collect_answers(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        answers: dict[str, list[str]] = {}
        rest: dict[str, Any] = {}
        for name, sent in data.items():
            if isinstance(name, str) and name.startswith(ANSWER):
                values = sent if isinstance(sent, list) else [sent]
                answers[name[len(ANSWER) :][:80]] = [clean_line(value, 80) for value in values[:20]]
            elif name != "answers":
                rest[name] = sent
        return {**rest, "answers": answers}


class NoteForm(Form):
    """Her reflection, private."""

    event_id: FormEventId = ""
    note: Annotated[Text, AfterValidator(_note)] = ""


class JoinForm(Form):
    code: Annotated[Line, AfterValidator(_code)] = ""

    @staticmethod
    def prefill(code: str) -> str:
        """A code in the link she followed (/join?code=...), as the form shows it."""
        return clean_line(code, 20)


class CertificateForm(Form):
    name: Annotated[
        Line,
        Field(min_length=2, max_length=120),
        Message(N_("Enter the name to print, between 2 and 120 characters.")),
    ] = ""


class RevokeForm(Form):
    reason: Annotated[Line, _at_most(300)] = ""


# The coordinators' forms --------------------------------------------------------------------------------


class CohortForm(Form):
    name: Annotated[
        Line,
        Field(min_length=2, max_length=120),
        Message(N_("Give the cohort a name, for example the place and the season.")),
    ] = ""
    course_id: Annotated[int, Field(ge=0, le=MAX_ID), Message(N_("Choose a course from the list."))] = 0
    starts_on: IsoDate = None
    ends_on: IsoDate = None
    max_learners: Annotated[int | None, BeforeValidator(_places)] = None  # the service checks 1 to 10,000
    code: Annotated[Line, _at_most(40)] = ""  # empty: a generated code (or, editing, the same one)


class InviteForm(Form):
    days: int = 0  # the service says what it may be (1 to 365)
    max_uses: int = 0  # (1 to 10,000)


class StaffForm(Form):
    email: Annotated[Line, _at_most(254)] = ""
    role: Line = ""  # trainer or coordinator (the service checks)


class MoveForm(Form):
    target: int  # another cohort of the same course


class RosterForm(Form):
    """The dry run she confirms: the id of the file the server kept (roster.RosterCheck)."""

    check_id: Annotated[str, Field(max_length=64)] = ""


class RosterCheckForm(Form):
    """How to read the file she uploads: empty for "find out" (the page says what was found)."""

    encoding: Annotated[str, Field(max_length=10)] = ""
    delimiter: Annotated[str, Field(max_length=2)] = ""


F = TypeVar("F", bound=Form)


# The JSON API ---------------------------------------------------------------------------------------------

MAX_EVENTS = 500
EventId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenRequest(Strict):
    email: Annotated[str, StringConstraints(max_length=254)]
    password: Annotated[str, StringConstraints(max_length=1024)]
    name: Annotated[str, StringConstraints(max_length=80)] = ""
    code: Annotated[str, StringConstraints(max_length=40)] = Field(
        "", description="with two-step sign-in on: a code from her authenticator app, or a recovery code"
    )


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime


class LessonOut(BaseModel):
    id: str = Field(description="Stable: '<course slug>/<lesson slug>'.")
    kind: str
    title: str
    summary: str
    estimated_minutes: int
    required: bool


class ModuleOut(BaseModel):
    slug: str
    title: str
    summary: str
    lessons: list[LessonOut]


class CourseSummaryOut(BaseModel):
    slug: str
    title: str
    summary: str
    estimated_hours: float
    topics: list[str]
    languages: dict[str, str]
    open_enrolment: bool
    modules: int


class CourseOut(CourseSummaryOut):
    pass_mark: int
    outline: list[ModuleOut]


class EnrolmentRequest(Strict):
    course: Annotated[str, StringConstraints(max_length=80)] | None = None
    code: Annotated[str, StringConstraints(max_length=20)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> EnrolmentRequest:
        if bool(self.course) == bool(self.code):
            raise ValueError("give either course (a slug) or code (a cohort's enrolment code)")
        return self


class ProgressOut(BaseModel):
    completed_lessons: int
    total_lessons: int
    percent: int


class EnrolmentOut(BaseModel):
    course: str
    title: str
    cohort: str | None
    status: str
    enrolled_at: dt.datetime
    completed_at: dt.datetime | None
    progress: ProgressOut


Key = Annotated[str, StringConstraints(max_length=80)]


class EventIn(Strict):
    """One thing she did. A quiz's answers are graded here (the phone never holds the answer key); a
    reflection completes its lesson and keeps her note, private."""

    id: EventId
    lesson: Annotated[str, StringConstraints(max_length=170)]
    type: Literal["viewed", "completed", "quiz_submitted", "reflection_saved"]
    at: dt.datetime | None = None
    answers: (
        Annotated[dict[Key, Annotated[list[Key], Field(max_length=20)]], Field(max_length=100)] | None
    ) = Field(None, description="quiz_submitted: the option keys she chose, by question key")
    attempt: int = Field(0, ge=0, le=MAX_ID, description="quiz_submitted: the attempt her page showed")
    note: Annotated[str, StringConstraints(min_length=1, max_length=NOTE_MAX)] | None = Field(
        None, description="reflection_saved: her note"
    )

    @model_validator(mode="after")
    def _fits_its_type(self) -> EventIn:
        if (self.answers is not None) != (self.type == "quiz_submitted"):
            raise ValueError("answers come with a quiz_submitted event, and only with it")
        if (self.note is not None) != (self.type == "reflection_saved"):
            raise ValueError("a note comes with a reflection_saved event, and only with it")
        return self


class ProgressRequest(Strict):
    events: list[EventIn] = Field(max_length=MAX_EVENTS)


class EventResult(BaseModel):
    id: str
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = None
    score: int | None = Field(None, description="an accepted quiz's score, in percent")
    passed: bool | None = None


class ProgressResponse(BaseModel):
    results: list[EventResult]


class LessonProgressOut(BaseModel):
    id: str
    status: str
    completed_at: dt.datetime | None
    best_score: int | None


class CourseProgressOut(ProgressOut):
    course: str
    lessons: list[LessonProgressOut]
