"""One page of a longer list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    pages: int
    total: int


def paginate(session: Session, statement: sa.Select[Any], *, page: int, per_page: int) -> Page[Any]:
    """Run `statement` for one page (1-based; out-of-range pages are clamped)."""
    total = session.scalar(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = session.scalars(statement.offset((page - 1) * per_page).limit(per_page)).all()
    return Page(items=list(items), page=page, pages=pages, total=total)
