"""The domain error codes members raises (see ``kernel.errors``)."""

from __future__ import annotations

from kernel.errors import register_code

# Subject access, erasure and retention.
register_code("already_erased", "This person's details have already been erased.")
register_code("bad_days", "A number of days below zero.")
