"""Typed path parameters: an id in a URL is a whole number a row can have, or the request is refused.

A number past what the database stores (PostgreSQL's integer, SQLite's 64 bits) would otherwise reach
the query and fail there as a 500; here it is a 422 before any route runs, documented in the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from app.forms import MAX_ID

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
