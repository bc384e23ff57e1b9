"""The signed-in person as the rest of a request sees her: plain data, no database session."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.permissions import Capability


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
