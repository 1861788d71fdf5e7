"""Email backends loaded by the worker processes in test_worker.py (no tests here)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    """Marks that a send started, then hangs, so the test can kill the worker mid-send."""

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        marker = Path(os.environ["SEND_STARTED_MARKER"])
        marker.write_text("started")
        time.sleep(120)
        return super().send_messages(email_messages)


class DelayedFileBackend(EmailBackend):
    """Takes ``SEND_DELAY_SECONDS`` per message before writing it, so a kill at a random moment
    lands before, during or after a send."""

    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        time.sleep(float(os.environ.get("SEND_DELAY_SECONDS", "0.02")) * len(email_messages))
        return super().send_messages(email_messages)
