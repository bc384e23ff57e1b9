"""The discussion forms and the JSON API's bodies, typed (app.forms): what each accepts, and what she
is told when it does not.

A form's own problems (an empty post, a title too short, a reason not in the list) are refused here,
beside the field; the rules that need the database (may she post here? is the edit window still
open? is this member in the cohort?) are the services', which name the field they refuse.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from app import refs
from app.discussions.moderation import FLAG_REASONS, MUTE_DAYS_MAX, REASON_MAX
from app.discussions.notifications import FREQUENCIES
from app.discussions.service import BODY_MAX, TITLE_MAX
from app.forms import MAX_ID, Checkbox, Form, Line, Refusal, RowId, Text, clean_line, clean_text
from app.i18n import N_


def _title(value: str) -> str:
    if len(value) < 3:
        raise Refusal(N_("Give the discussion a title of at least 3 characters."))
    if len(value) > TITLE_MAX:
        raise Refusal(N_("A title can be at most %(max)s characters long."), max=TITLE_MAX)
    return value


def _body(value: str) -> str:
    if not value.strip():
        raise Refusal(N_("Write something before you post."))
    if len(value) > BODY_MAX:
        raise Refusal(N_("A post can be at most %(max)s characters long."), max=BODY_MAX)
    return value


def _cut(length: int) -> Any:
    """A hidden field or a short note taken as far as it may go (what the page itself never sends)."""
    return AfterValidator(lambda value: value[:length])


def _flag_reason(value: str) -> str:
    if value not in FLAG_REASONS:
        raise Refusal(N_("Choose a reason from the list."))
    return value


def _frequency(value: str) -> str:
    if value not in FREQUENCIES:
        raise Refusal(N_("Choose daily, weekly or never."))
    return value


def _member(value: Any) -> int:
    text = clean_line(value, 12)
    if text and (not text.isdigit() or int(text) > MAX_ID):
        raise Refusal(N_("Choose a learner of this cohort."))
    return int(text or 0)


def _days(value: Any) -> int:
    text = clean_line(value, 12)
    if not text.isdigit() or not 1 <= int(text) <= MUTE_DAYS_MAX:
        raise Refusal(N_("Choose between 1 and %(max)s days."), max=MUTE_DAYS_MAX)
    return int(text)


Title = Annotated[Line, AfterValidator(_title)]
Body = Annotated[Text, AfterValidator(_body)]
Slug = Annotated[Line, _cut(80)]
Reason = Annotated[Line, _cut(REASON_MAX)]


# Pages ------------------------------------------------------------------------------------------------------


class PlaceFields(Form):
    """Where a new thread goes, as the board's link names it: a course (with a lesson or a module), or a
    cohort (by its public id, app/refs.py). A place that does not exist, or is not hers, is answered 404
    by the service."""

    course: Slug = ""
    lesson: Slug = ""
    module: Slug = ""
    cohort: Annotated[Line, _cut(refs.LENGTH)] = ""


class NewThreadForm(PlaceFields):
    title: Title = ""
    body: Body = ""
    anonymous: Checkbox = False


class ReplyForm(Form):
    body: Body = ""
    parent: Annotated[Line, _cut(refs.LENGTH)] = ""
    anonymous: Checkbox = False
    page: Annotated[Line, _cut(6)] = ""

    @property
    def parent_id(self) -> int | None:
        return refs.decode_optional(self.parent)  # her reply's parent: a post's public id, or nothing


class EditForm(Form):
    body: Body = ""


class FlagForm(Form):
    reason: Annotated[Line, AfterValidator(_flag_reason)] = ""
    note: Annotated[Line, Field(max_length=REASON_MAX)] = ""


class DecisionForm(Form):
    """A moderator hides a post or shows it again: the reason is the author's to read (the service
    refuses an empty one), and `next` where to go afterwards (the queue, or the thread)."""

    reason: Reason = ""
    next: Line = ""


class FollowForm(Form):
    follow: Checkbox = False


class LockForm(Form):
    locked: Checkbox = False


class PinForm(Form):
    pinned: Checkbox = False


class MuteForm(Form):
    user: Annotated[int, BeforeValidator(_member)] = 0
    days: Annotated[int, BeforeValidator(_days)] = 0
    reason: Reason = ""


class DigestForm(Form):
    frequency: Annotated[Line, AfterValidator(_frequency)] = ""


class ShareForm(Form):
    """ "Save and share" on a reflection lesson: her answer, posted as it is kept as her note."""

    note: Body = ""
    event_id: Annotated[Line, _cut(64)] = ""


# The JSON API -----------------------------------------------------------------------------------------------

LessonRef = RowId | Annotated[str, StringConstraints(max_length=170)]


def _public_id(value: Any) -> int:
    """A thread's, post's or cohort's public id (app/refs.py), as the API answers it, to its row: 0 (no
    row: the service answers 404) for a well-formed one that names none."""
    if not isinstance(value, str) or len(value) != refs.LENGTH:
        raise ValueError("a public id: twelve letters and digits, as in the ids this API answers")
    return refs.decode(value)


PublicId = Annotated[
    int,
    BeforeValidator(_public_id),
    WithJsonSchema({"type": "string", "pattern": "^[a-z2-7]{12}$", "description": "A public id"}),
]


def _api_line(value: str) -> str:
    return clean_line(value, TITLE_MAX + 1)


def _api_text(value: str) -> str:
    return clean_text(value, BODY_MAX + 1)


# As sent, then cleaned like a form's field; the service says what is wrong with them (422, JSON).
ApiTitle = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_api_line)]
ApiBody = Annotated[str, StringConstraints(max_length=50_000), AfterValidator(_api_text)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ThreadIn(Strict):
    lesson: LessonRef | None = None
    cohort: PublicId | None = None
    title: ApiTitle
    body: ApiBody
    anonymous: bool = False

    @model_validator(mode="after")
    def _one_place(self) -> ThreadIn:
        if (self.lesson is None) == (self.cohort is None):
            raise ValueError(
                "give either lesson (its id, or '<course slug>/<lesson slug>') or cohort (its public id)"
            )
        return self


class PostIn(Strict):
    body: ApiBody
    parent: PublicId | None = None
    anonymous: bool = False


class Created(BaseModel):
    id: str  # its public id (app/refs.py)
    url: str


class PostOut(BaseModel):
    id: str
    parent: str | None
    author: str | None  # None: hidden from you ("a participant"), or a deleted account
    mine: bool
    status: str
    body_html: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    replies: list[PostOut]


class ThreadOut(BaseModel):
    id: str
    url: str
    scope: str
    title: str
    lesson: int | None
    cohort: str | None
    locked: bool
    pinned: bool
    post_count: int
    page: int
    pages: int
    posts: list[PostOut]
