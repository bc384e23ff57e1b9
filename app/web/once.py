"""The one-time id of a form that creates something: a hidden field, made fresh with every page that
shows the form (`{{ once_field() }}`); app/accounts/submissions.py keeps what each id created."""

from __future__ import annotations

import re
import secrets

from markupsafe import Markup

FIELD = "submission_id"
SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_id() -> str:
    return secrets.token_urlsafe(18)


def once_field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, new_id())
