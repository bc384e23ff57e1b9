"""The signed-in person as the rest of a request sees her: plain data, no database session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.permissions import Capability, capabilities_of


class Account(Protocol):
    """What a principal is made from (app.accounts.models.User has it)."""

    @property
    def id(self) -> int: ...
    @property
    def display_name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def locale(self) -> str: ...
    @property
    def role_names(self) -> frozenset[str]: ...
    @property
    def unread_notifications(self) -> int: ...


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
    second_factor: bool = False  # she has two-step sign-in (required of staff before a staff page)

    def can(self, capability: Capability | str) -> bool:
        return capability in self.capabilities

    @classmethod
    def of(cls, user: Account, *, session_id: int = 0, second_factor: bool = False) -> Principal:
        return cls(
            user_id=user.id,
            session_id=session_id,
            display_name=user.display_name,
            email=user.email,
            locale=user.locale,
            roles=user.role_names,
            capabilities=capabilities_of(user.role_names),
            notifications=user.unread_notifications,
            second_factor=second_factor,
        )
