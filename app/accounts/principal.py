"""The signed-in person as the rest of a request sees her: plain data, no database session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.accounts.permissions import Capability, capabilities_of

if TYPE_CHECKING:
    from app.accounts.models import User


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    session_id: int
    display_name: str
    email: str
    locale: str
    roles: frozenset[str]
    capabilities: frozenset[Capability]
    notifications: int = 0  # unread

    def can(self, capability: Capability | str) -> bool:
        return capability in self.capabilities

    @classmethod
    def of(cls, user: User, *, session_id: int = 0) -> Principal:
        return cls(
            user_id=user.id,
            session_id=session_id,
            display_name=user.display_name,
            email=user.email,
            locale=user.locale,
            roles=user.role_names,
            capabilities=capabilities_of(user.role_names),
            notifications=user.unread_notifications,
        )
