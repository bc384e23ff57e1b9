"""Typed path parameters: an id in a URL is a whole number a row can have, or the request is refused.

A number past what the database stores (PostgreSQL's integer, SQLite's 64 bits) would otherwise reach
the query and fail there as a 500; here it is a 422 before any route runs, documented in the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from app.forms import MAX_ID
from app.refs import PATTERN

Id = Annotated[int, Path(ge=1, le=MAX_ID)]

# A public id (app/refs.py, which registers the `ref` convertor on import) in a path `{name:ref}`,
# decoded by its convertor before the route runs: 0 for one that names no row, which the route looks up
# and answers 404, as for a row that is gone. Documented as the string it is in the URL.
Ref = Annotated[
    int,
    Path(
        description="A public id: twelve letters and digits, as in the `url` the API answers",
        json_schema_extra={"type": "string", "pattern": f"^{PATTERN}$"},
    ),
]
