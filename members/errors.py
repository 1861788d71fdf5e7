"""Kept for old imports: the domain errors live in ``kernel.errors``."""

from __future__ import annotations

from kernel.errors import DomainError, NotAllowed

__all__ = ["DomainError", "NotAllowed"]
