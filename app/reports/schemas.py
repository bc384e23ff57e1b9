"""The reports' forms, typed (app.forms)."""

from __future__ import annotations

from typing import Literal

from app.forms import Checkbox, Form, Secret


class ExportForm(Form):
    """A participant export: its format, whether it adds email and region, and her password (or a code
    from her app) when she has not confirmed it in the last ten minutes."""

    fmt: Literal["csv", "xlsx"] = "csv"
    contact: Checkbox = False
    secret: Secret = ""
