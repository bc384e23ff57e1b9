"""The forms of forums, recommendations and resolutions, typed (app.forms): what each accepts, and what she
is told beside the field when it does not.

A form checks what a form can: the kind of each value, dates, numbers and their ranges, what must be
given. The rules of the domain (a title's length, the endorsement cap, a language missing at adoption, an
evidence link) are the services', which refuse with a DomainError naming the field; the route's refusal
page shows both the same way, on the page she was on, with what she typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from app.config import LOCALES
from app.forms import Checkbox, Form, Line, Message, Number, Refusal, RowId, Text, clean_line
from app.i18n import N_
from app.resolutions.drafting import ItemDraft
from app.resolutions.forums import ForumFields
from app.resolutions.recommendations import NOTE_MAX, Draft

DATE = N_("Write the date as YYYY-MM-DD.")
MAX_ITEMS = 200  # rows of the editor read from one post


def _date(value: Any) -> dt.date | None:
    """A date as the browser's date field sends it (YYYY-MM-DD), or None when left empty."""
    if value is None or isinstance(value, dt.date):
        return value
    text = clean_line(value, 40)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refusal(DATE) from None


def _given(value: dt.date | None) -> dt.date | None:
    if value is None:
        raise Refusal(DATE)
    return value


def _whole(low: int, high: int, default: int) -> BeforeValidator:
    """A whole number from low to high; empty is the default."""

    def parse(value: Any) -> int:
        text = str(value) if isinstance(value, int) else clean_line(value, 12)
        if not text:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            raise Refusal(N_("Give a whole number from %(low)s to %(high)s."), low=low, high=high)
        return int(text)

    return BeforeValidator(parse)


def _in_some_language(message: str) -> AfterValidator:
    """Texts by language: those given, and at least one."""

    def check(texts: dict[str, str]) -> dict[str, str]:
        given = {locale: texts[locale] for locale in LOCALES if texts.get(locale)}
        if not given:
            raise Refusal(message)
        return given

    return AfterValidator(check)


def _count(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise Refusal(N_("Give whole numbers."))
    return value


def _is_one(value: Any) -> bool:
    return value is True or value == "1"


def _after_hash(value: Any) -> str:
    return clean_line(value, 12).lstrip("#")


Date = Annotated[dt.date | None, BeforeValidator(_date)]
RequiredDate = Annotated[dt.date | None, BeforeValidator(_date), AfterValidator(_given)]
Note = Annotated[Line, Field(max_length=NOTE_MAX)]
ShortNote = Annotated[Line, Field(max_length=300)]
Count = Annotated[Number, AfterValidator(_count), Message(N_("Give whole numbers."))]


def _by_language(data: Any, *prefixes: str) -> Any:
    """`name_ky`, `name_ru`, ... (the form's field names) gathered into `name: {"ky": ..., "ru": ...}`."""
    if not isinstance(data, Mapping):
        return data
    gathered = dict(data)
    for prefix in prefixes:
        if prefix not in gathered:
            gathered[prefix] = {locale: data.get(f"{prefix}_{locale}", "") for locale in LOCALES}
    return gathered


# Forums ---------------------------------------------------------------------------------------------------


class ForumForm(Form):
    """A forum's settings: its name and place in any of the languages (one at least), its date, the
    cohorts that take part (the service checks she may bring each), and its rules."""

    name: Annotated[
        dict[str, Annotated[Line, Field(max_length=200)]],
        _in_some_language(N_("Give the forum a name in at least one language.")),
    ] = {}
    place: Annotated[
        dict[str, Annotated[Line, Field(max_length=120)]],
        _in_some_language(N_("Say where the forum meets, in at least one language.")),
    ] = {}
    held_on: RequiredDate = None
    cohorts: Annotated[
        list[RowId], Field(min_length=1), Message(N_("Choose at least one cohort that takes part."))
    ] = []
    endorsement_cap: Annotated[int, _whole(1, 100, 10)] = 10
    qualify_endorsements: Annotated[int, _whole(1, 1000, 5)] = 5
    qualify_cohorts: Annotated[int, _whole(1, 50, 2)] = 2
    accepting: Annotated[bool, BeforeValidator(_is_one)] = True

    @model_validator(mode="before")
    @classmethod
    def by_language(cls, data: Any) -> Any:
        return _by_language(data, "name", "place")

    def fields(self) -> ForumFields:
        return ForumFields(
            name=self.name,
            place=self.place,
            held_on=self.held_on,
            cohorts=sorted(set(self.cohorts)),
            endorsement_cap=self.endorsement_cap,
            qualify_endorsements=self.qualify_endorsements,
            qualify_cohorts=self.qualify_cohorts,
            accepting=self.accepting,
        )


# Recommendations ------------------------------------------------------------------------------------------


class RecommendationForm(Form):
    """A recommendation written (directly, or from a post: then `forum` is the one chosen). Its title,
    text, theme and addressee are checked by the service (recommendations.check)."""

    title: Line = ""
    text: Text = ""
    theme: Line = ""
    addressee: Line = ""
    credit_public: Checkbox = False
    checked: Checkbox = False  # she has seen the look-alikes and saves hers anyway
    forum: Line = ""

    def draft(self) -> Draft:
        return Draft(self.title, self.text, self.theme, self.addressee)


class CohortChoiceForm(Form):
    """Learning in several of a forum's cohorts: the one her endorsements count for."""

    cohort: Line = ""

    @property
    def cohort_id(self) -> int | None:
        return _digits(self.cohort, None)


class EndorseForm(CohortChoiceForm):
    endorse: Line = "1"  # "0": withdraw her endorsement

    @property
    def endorses(self) -> bool:
        return self.endorse == "1"


class ConfirmForm(Form):
    confirm: Line = ""  # "1": she confirms the suggestion; else she dismisses it
    credit_public: Checkbox = False


class ReviseForm(Form):
    title: Line = ""
    text: Text = ""
    theme: Line = ""
    addressee: Line = ""
    note: ShortNote = ""

    def draft(self) -> Draft:
        return Draft(self.title, self.text, self.theme, self.addressee)


class AmendmentForm(Form):
    title: Line = ""
    text: Text = ""
    note: Note = ""


class DecisionForm(Form):
    """The author's answer to an amendment."""

    accept: Checkbox = False
    note: Note = ""


class ReviewForm(Form):
    decision: Line = ""
    reason: Line = ""
    note: Note = ""


class MergeForm(Form):
    into: Annotated[
        int,
        BeforeValidator(_after_hash),
        Field(gt=0),
        Message(N_("Choose the recommendation to merge it into.")),
    ]
    note: ShortNote = ""


# The resolution -------------------------------------------------------------------------------------------


class CommentForm(Form):
    body: Text = ""


class ItemRow(BaseModel):
    """One row of the editor: an item (id None: a new one)."""

    id: RowId | None = None
    position: int = 999
    text: dict[str, Text] = {}
    theme: Line = ""
    addressee: Line = ""
    recommendations: list[int] = []
    remove: bool = False

    def draft(self) -> ItemDraft:
        return ItemDraft(**self.model_dump())


_RECOMMENDATION = re.compile(r"^item-(\d{1,3})-rec-(\d{1,9})$")  # 9 digits: below MAX_ID


def _digits(value: Any, default: int | None) -> int | None:
    text = clean_line(value, 9)
    return int(text) if text.isdigit() else default


def draft_rows(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The editor's rows as posted (`item-0-position`, `item-0-ru`, `item-0-rec-12`, ...), in order; also
    what a refusal shows again."""
    linked: dict[int, list[int]] = {}
    for key in values:
        match = _RECOMMENDATION.match(key)
        if match:
            linked.setdefault(int(match[1]), []).append(int(match[2]))
    rows = []
    for index in range(MAX_ITEMS):
        prefix = f"item-{index}-"
        if f"{prefix}position" not in values:
            break
        rows.append(
            {
                "id": _digits(values.get(f"{prefix}id"), None),
                "position": _digits(values.get(f"{prefix}position"), 999),
                "text": {locale: str(values.get(f"{prefix}{locale}", "")) for locale in LOCALES},
                "theme": values.get(f"{prefix}theme", ""),
                "addressee": values.get(f"{prefix}addressee", ""),
                "recommendations": sorted(linked.get(index, [])),
                "remove": values.get(f"{prefix}remove") == "1",
            }
        )
    return rows


def _gather_draft(data: Any) -> Any:
    if not isinstance(data, Mapping) or "items" in data:
        return data
    return {
        "preamble": {locale: data.get(f"preamble-{locale}", "") for locale in LOCALES},
        "items": draft_rows(data),
        "note": data.get("note", ""),
        "base_revision": _digits(data.get("base_revision"), -1),
    }


class DraftForm(Form):
    """The whole draft as the editor posts it: the preamble in each language (`preamble-ru`), the rows
    (`item-N-...`), the changelog line and the revision it was made on. The service checks the lengths,
    the lists and the recommendations (drafting.save_draft)."""

    preamble: dict[str, Text] = {}
    items: list[ItemRow] = []
    note: Line = ""
    base_revision: int = -1

    @model_validator(mode="before")
    @classmethod
    def by_row(cls, data: Any) -> Any:
        return _gather_draft(data)


class WindowForm(Form):
    until: Date = None  # empty: comments closed


class AdoptForm(Form):
    adopted_on: Date = None  # empty: the day the forum was held
    outcome: Line = ""
    votes_for: Count = None
    votes_against: Count = None
    votes_abstain: Count = None

    @property
    def votes(self) -> tuple[int, int, int] | None:
        counted = (self.votes_for, self.votes_against, self.votes_abstain)
        if counted[0] is None or counted[1] is None or counted[2] is None:
            return None
        return counted[0], counted[1], counted[2]


# Monitoring -----------------------------------------------------------------------------------------------


class TrackerForm(Form):
    responsible: Line = ""
    target_on: Date = None
    review_by: Date = None


class UpdateForm(Form):
    status: Line = ""
    note: Text = ""
    evidence: Annotated[Text, Field(max_length=3000)] = ""  # links, one a line
    happened_on: Date = None  # empty: today

    @property
    def links(self) -> list[str]:
        return [line.strip() for line in self.evidence.splitlines() if line.strip()]
