"""The domain error codes members raises (see ``kernel.errors``)."""

from __future__ import annotations

from kernel.errors import register_code

# Subject access, erasure and retention.
register_code("already_erased", "This person's details have already been erased.")
register_code("bad_days", "A number of days below zero.")

# Message settings.
register_code("channel", "Neither email nor text message was chosen.")
register_code("no_phone", "Text messages were chosen but there is no mobile number to send to.")
