"""Domain errors carry a machine-readable code; views turn them into a message or a 409."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotAllowed(DomainError):
    code = "not_allowed"
