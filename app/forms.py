"""Reading form input safely, and collecting per-field errors in the user's language.

Every text field passes through `clean_line` or `clean_text`: Unicode NFC, no control characters
(PostgreSQL refuses NUL, and invisible characters have no place in a name), trimmed, length-capped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, TypeVar, get_origin

from fastapi import Depends
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request

from app.errors import DomainError
from app.i18n import N_, gettext, interpolate

MAX_ID = 2_147_483_647  # the largest id a row can have (PostgreSQL's integer): past it, nothing exists
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]  # an id in a body: a whole number a row can have

_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(
    r"^[^@\s]{1,64}@(?=.{1,253}$)([A-Za-z0-9\u00a1-\uffff-]{1,63}\.)+[A-Za-z\u00a1-\uffff]{2,63}$"
)


def _surrogate_free(value: str) -> str:
    return value.encode("utf-8", "replace").decode("utf-8") if value else ""


def clean_line(value: Any, max_length: int = 200) -> str:
    """One line of text: spaces collapsed, no control characters, at most max_length characters."""
    text = unicodedata.normalize("NFC", _surrogate_free(str(value or "")))
    text = _SPACES.sub(" ", _CONTROL_LINE.sub("", text)).strip()
    return text[:max_length]


def clean_text(value: Any, max_length: int = 20_000) -> str:
    """Several lines (a post, a note): line breaks kept as \\n, other control characters removed."""
    text = unicodedata.normalize("NFC", _surrogate_free(str(value or "")))
    text = _CONTROL_TEXT.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return text[:max_length]


def clean_secret(value: Any, max_length: int = 1024) -> str:
    """A password as typed: only NUL and surrogates removed; never trimmed or normalised."""
    return _surrogate_free(str(value or "")).replace("\x00", "")[:max_length]


def is_email(value: str) -> bool:
    return len(value) <= 254 and bool(_EMAIL.match(value))


class FormErrors(dict[str, str]):
    """field name -> message already translated into the request's language."""

    def add(self, field: str, message: str, **params: Any) -> None:
        if field not in self:
            self[field] = interpolate(gettext(message), params)


async def form_fields(request: Request) -> dict[str, str]:
    """The submitted text fields (the first value of each), for routes that validate them themselves."""
    form = await request.form()
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str) and name not in fields:
            fields[name] = value
    return fields


async def form_lists(request: Request) -> dict[str, list[str]]:
    """Every submitted text value by field name (for checkboxes and multiple choices)."""
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, []).append(value)
    return fields


# Typed forms ------------------------------------------------------------------------------------------------
#
# A route takes its form as a pydantic model: `body: ReplyForm = form(ReplyForm)`. Fields are typed with
# the cleaners above (`Line`, `Text`, `Secret`, `Checkbox`, `Number`) and constrained with Field(...);
# `Message(N_("..."))` in a field's Annotated says what to tell her when that field is refused (else a
# message by the kind of problem). A form that does not validate never reaches the route: the route's
# refusal page shows it again with her input and the messages (app/routing.py).


class Message:
    """Field metadata: the message shown beside the field when it is refused (marked with N_)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _line(value: Any) -> str:
    return clean_line(value, 100_000)


def _text(value: Any) -> str:
    return clean_text(value, 1_000_000)


def _checked(value: Any) -> bool:
    return str(value or "").strip().lower() not in ("", "0", "off", "false", "no")


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Line = Annotated[str, BeforeValidator(_line)]  # one line: spaces collapsed, no control characters
Text = Annotated[str, BeforeValidator(_text)]  # several lines: line breaks kept
Secret = Annotated[str, BeforeValidator(clean_secret)]  # a password, as typed
Checkbox = Annotated[bool, BeforeValidator(_checked)]  # a checkbox: sent ("on") or not
Number = Annotated[int | None, BeforeValidator(_blank_is_none)]  # a whole number, or empty


class Form(BaseModel):
    """A posted form. Fields it does not name (csrf_token, the htmx extras) are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, validate_default=True)
    # Fields named by the data rather than by the model (a quiz's q-<question>), sent once per value.
    list_prefixes: ClassVar[tuple[str, ...]] = ()


F = TypeVar("F", bound=Form)

# By kind of problem, for fields that say nothing of their own.
_MESSAGES = {
    "missing": N_("Please fill this in."),
    "string_too_short": N_("Please fill this in."),
    "string_too_long": N_("At most %(max)s characters."),
    "too_short": N_("Please fill this in."),
    "too_long": N_("At most %(max)s characters."),
    "int_parsing": N_("Give whole numbers."),
    "int_type": N_("Give whole numbers."),
    "literal_error": N_("Choose one of the options in the list."),
    "enum": N_("Choose one of the options in the list."),
}
_FALLBACK = N_("Please check this field.")


class Refusal(ValueError):
    """Raised by a form's own validator: the message (marked with N_) to show beside the field."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def errors_of(exc: ValidationError, model: type[BaseModel]) -> FormErrors:
    """Every field's first problem, as a translated message, keyed by the field's name in the form."""
    errors = FormErrors()
    for error in exc.errors():
        loc = error.get("loc", ())
        name = str(loc[0]) if loc else ""
        field = model.model_fields.get(name) or next(
            (f for f in model.model_fields.values() if f.alias == name), None
        )
        key = (field.alias or name) if field is not None else name
        own = next((m.text for m in (field.metadata if field else ()) if isinstance(m, Message)), None)
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, Refusal):
            errors.add(key, cause.message, **cause.params)
        elif own is not None:
            errors.add(key, own)
        else:
            context = error.get("ctx") or {}
            errors.add(key, _MESSAGES.get(error["type"], _FALLBACK), max=context.get("max_length", ""))
    return errors


class Invalid:
    """What a dependency (`form()`, a rate limit) hands a route whose request it refuses: the route is
    not called; its refusal page is, with this status (app/routing.py)."""

    def __init__(self, errors: FormErrors, status_code: int = 422) -> None:
        self.errors = errors
        self.status_code = status_code

    @staticmethod
    def error(errors: FormErrors, status_code: int) -> DomainError:
        """For a form with no refusal page of its own: the error page, with the first message."""
        return DomainError(next(iter(errors.values()), None), status_code=status_code)


@dataclass
class Refused:
    """What a refusal page needs to show the form again."""

    request: Request
    session: Session
    params: dict[str, Any]  # the route's arguments: path parameters, the principal, the parsed forms
    values: dict[str, Any]  # what she sent, by field name (lists for fields sent several times)
    errors: FormErrors  # field -> translated message; "" for the form as a whole
    status_code: int


def form(model: type[F]) -> Any:
    """A dependency: the posted form as `model`, or (invalid) an `Invalid` the route never sees."""
    lists = {
        (field.alias or name)
        for name, field in model.model_fields.items()
        if get_origin(field.annotation) is list
    }

    prefixes = model.list_prefixes if issubclass(model, Form) else ()

    async def parse(request: Request) -> F | Invalid:
        posted = await request.form()
        values: dict[str, Any] = {}
        for name, value in posted.multi_items():
            if not isinstance(value, str):
                continue
            if name in lists or (prefixes and name.startswith(prefixes)):
                values.setdefault(name, []).append(value)
            else:
                values.setdefault(name, value)
        request.state.form_values = values
        try:
            return model.model_validate(values)
        except ValidationError as exc:
            return Invalid(errors_of(exc, model))

    parse.__name__ = f"form_{model.__name__}"
    return Depends(parse)


class Filled:
    """A form as its page shows it: what she typed, one attribute per field (empty when she typed
    nothing), and the errors. Pages build it from defaults, or from a refusal's values and errors."""

    def __init__(self, values: dict[str, Any] | None = None, errors: FormErrors | None = None) -> None:
        self._values = dict(values or {})
        self.errors = errors if errors is not None else FormErrors()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._values.get(name, "")
