"""Workers SIGKILLed at random moments lose nothing, and a dead worker's claim is taken over
within a minute (real Redis broker when REDIS_URL is set, real Celery worker processes).

- ``test_killed_workers_lose_nothing``: a steady worker runs throughout while, run after run,
  another worker is started, given work and killed at a random point (before a claim, mid-send,
  between the backend taking a message and the row saying so). Short leases (2 s) keep each run
  quick. Every message must go out; duplicates (the crash-after-send window) are counted and
  printed.
- ``test_a_dead_workers_claim_is_taken_over_within_a_minute``: the production leases and sweep
  (30 s, 15 s): a worker dies mid-send and another sends the message within 60 s.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest
from django.utils import timezone

from members.models import User
from strikes.models import Notification
from tests.integration.test_worker import (  # noqa: F401  (fixtures, taken by name)
    _mail_to,
    _reminder_due_now,
    _wait_for,
    no_publish_from_tests,
    start_worker,
    worker_env,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUNS = int(os.environ.get("WORKER_KILL_RUNS", "20"))
PER_RUN = 40
# The production leases and sweep (config/settings/base.py defaults).
PRODUCTION = {
    "NOTIFICATION_LEASE_SECONDS": "30",
    "NOTIFICATION_RENEW_SECONDS": "10",
    "NOTIFICATION_QUEUED_LEASE_SECONDS": "300",
    "NOTIFICATION_SWEEP_SECONDS": "15",
}
FAST = {
    "NOTIFICATION_LEASE_SECONDS": "2",
    "NOTIFICATION_RENEW_SECONDS": "1",
    "NOTIFICATION_QUEUED_LEASE_SECONDS": "3",
    "NOTIFICATION_SWEEP_SECONDS": "1",
    "NOTIFICATION_BATCH_SIZE": "5",
    "EMAIL_BACKEND": "tests.integration.test_worker_backends.DelayedFileBackend",
    "SEND_DELAY_SECONDS": "0.03",
}


def _messages(run: int, count: int) -> list[str]:
    users = User.objects.bulk_create(
        [User(email=f"k{run}-{i}@example.org", full_name=f"Kill {run}-{i}") for i in range(count)]
    )
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                key=f"broadcast:kill:{u.pk}",
                kind=Notification.Kind.BROADCAST,
                user=u,
                due_at=now,
                context={"subject": "Rally", "text": "Rally at noon"},
            )
            for u in users
        ]
    )
    return [u.email for u in users]


def _log_has(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


def test_killed_workers_lose_nothing(world, start_worker, tmp_path):  # noqa: F811
    rng = random.Random(int(os.environ.get("WORKER_KILL_SEED", "14")))
    start_worker("steady", **FAST)
    emails: list[str] = []
    kills = 0
    for run in range(RUNS):
        name = f"victim-{run}"
        victim = start_worker(name, **FAST)
        log = tmp_path / f"{name}.log"
        assert _wait_for(lambda log=log: _log_has(log, "ready."), 60), log.read_text()[-2000:]
        emails += _messages(run, PER_RUN)
        # Kill once it has taken work, at a random point of it.
        _wait_for(lambda log=log: _log_has(log, "notifications_send"), 10)
        time.sleep(rng.uniform(0, 0.8))
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(10)
        kills += 1
    assert _wait_for(
        lambda: Notification.objects.filter(status="sent").count() == len(emails), 120
    ), (tmp_path / "steady.log").read_text()[-3000:]
    counts = [_mail_to(tmp_path, email) for email in emails]
    lost = sum(1 for c in counts if c == 0)
    duplicates = sum(c - 1 for c in counts if c > 1)
    print(
        f"\nworker kills: {kills} runs, {len(emails)} messages, lost {lost}, "
        f"sent twice {duplicates}"
    )
    assert lost == 0
    assert not Notification.objects.exclude(status="sent").exists()


def test_a_dead_workers_claim_is_taken_over_within_a_minute(world, start_worker, tmp_path):  # noqa: F811
    row = _reminder_due_now(world)
    victim = start_worker(
        "victim",
        EMAIL_BACKEND="tests.integration.test_worker_backends.SlowFileBackend",
        **PRODUCTION,
    )
    marker = tmp_path / "send-started"
    assert _wait_for(marker.exists, 90), (tmp_path / "victim.log").read_text()[-3000:]
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(10)
    killed_at = time.monotonic()
    start_worker("taker", **PRODUCTION)
    assert _wait_for(lambda: Notification.objects.get(pk=row.pk).status == "sent", 90), (
        tmp_path / "taker.log"
    ).read_text()[-3000:]
    taken_over_in = time.monotonic() - killed_at
    print(f"\nclaim taken over {taken_over_in:.0f} s after the kill")
    assert taken_over_in <= 60
    assert _mail_to(tmp_path, row.user.email) == 1
