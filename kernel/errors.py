"""Domain errors carry a machine-readable code from one registry; views turn them into a message,
a 409 partial, or (for ``Refused``) a styled 403 or a 404.

Every code a service may raise is registered once with ``register_code`` (or by declaring a
subclass with a class-level ``code``), so ``CODES`` lists them all with what they mean. Codes any
app may raise are here; each app declares its own in ``<app>/codes.py``, which its
``AppConfig.ready()`` imports. ``tests/kernel/test_errors.py`` reads the source and fails when a
raise names a code that is not registered.
"""

from __future__ import annotations

from typing import ClassVar

#: code -> plain-English meaning, for every code a domain error may carry.
CODES: dict[str, str] = {}


def register_code(code: str, meaning: str) -> str:
    """Declare a code once; return it so a module can keep it as a constant."""
    existing = CODES.get(code)
    if existing is not None and existing != meaning:
        raise ValueError(f"Domain error code {code!r} is already registered as {existing!r}.")
    CODES[code] = meaning
    return code


class DomainError(Exception):
    code: ClassVar[str] = "error"
    meaning: ClassVar[str] = "Something the rules do not allow."

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            register_code(cls.code, cls.__dict__.get("meaning", cls.__doc__ or cls.code))

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]

    def __str__(self) -> str:
        return self.message


register_code(DomainError.code, DomainError.meaning)

# Codes any app may raise. An app's own codes live in its ``codes.py`` (imported by its
# AppConfig.ready(), so the registry is complete once Django is set up).
register_code("not_found", "The thing asked for does not exist, or is not the asker's to see.")
register_code("bad_form", "The form was incomplete or could not be read: fix it and send it again.")
register_code("nonce", "The form arrived without its one-time key: reload the page and try again.")
register_code("file_missing", "The file named is not there.")


class NotAllowed(DomainError):
    code = "not_allowed"
    meaning = "The person may not do this here."


class Refused(NotAllowed):
    """The viewer may not see or do this. ``hide`` means even the thing's existence must not leak
    (answer 404); otherwise the one handler answers a styled 403 with the message and what to do."""

    code = "refused"
    meaning = "Access refused: a 403 saying why, or a 404 where existence must not leak."

    def __init__(
        self,
        message: str = "You do not have access to this page.",
        *,
        hide: bool = False,
        next_step: str = "",
    ) -> None:
        super().__init__(message)
        self.hide = hide
        self.next_step = next_step
