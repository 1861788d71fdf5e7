"""A real Celery worker process (with beat embedded) against the configured broker: Redis when
REDIS_URL is set, else the filesystem broker in a tmp dir, and the test's PostgreSQL database.

The test process only writes rows; the worker's own beat sweeps them, publishes through the
broker and its worker sends them, so every hop is real.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from schools.models import Entrance
from strikes.models import Notification, Signup
from strikes.services.reminders import reminders_schedule
from strikes.services.signups import signup_create
from tests import factories as f

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(autouse=True)
def no_publish_from_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test process never publishes: the worker's beat sweep finds the rows."""
    from strikes.tasks import notification_send

    monkeypatch.setattr(notification_send, "delay", lambda notification_id: None)


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


@pytest.fixture
def worker_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "EMAIL_", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="false",
        SECRET_KEY="worker-test-not-secret",
        DATABASE_URL=_database_url(),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        NOTIFICATION_SWEEP_SECONDS="1",
        REMINDER_SCHEDULE_SECONDS="3600",
        NOTIFICATION_LEASE_SECONDS="4",
        NOTIFICATION_QUEUED_LEASE_SECONDS="2",
        SEND_STARTED_MARKER=str(tmp_path / "send-started"),
        CONN_MAX_AGE="0",
    )
    if not settings.REDIS_URL:
        env.pop("REDIS_URL", None)
        env["CELERY_BROKER_FOLDER"] = str(tmp_path / "broker")
    (tmp_path / "mail").mkdir()
    return env


@pytest.fixture
def start_worker(
    worker_env: dict[str, str], tmp_path: Path, transactional_db: None
) -> Iterator[Callable[..., subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(name: str, **extra: str) -> subprocess.Popen:
        env = {**worker_env, **extra}
        log = (tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-l",
                "info",
                "-B",
                "-s",
                str(tmp_path / f"beat-{name}"),
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _wait_for(check: Callable[[], bool], seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def _reminder_due_now(world) -> Notification:
    """A member signed up yesterday for a shift starting in 50 minutes: the reminder is due
    (and only it: near midnight the evening-before check would be due too, so it is marked as
    already sent)."""
    starts = timezone.now() + dt.timedelta(minutes=50)
    strike_day = f.StrikeDayFactory(
        dispute__union=world.union, date=timezone.localtime(starts).date()
    )
    entrance = Entrance.objects.get(site__school=world.s1, is_main=True)
    line = f.PicketLineFactory(strike_day=strike_day, entrance=entrance)
    shift = f.ShiftFactory(
        picket_line=line, starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )
    user = f.MembershipFactory(union=world.union, workplace=world.s1).user
    signup = signup_create(shift=shift, user=user, acting_user=user)
    Signup.objects.filter(pk=signup.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    Notification.objects.filter(signup=signup).update(status="sent")  # the confirmation
    reminders_schedule()
    Notification.objects.filter(key=f"evening:{signup.pk}").update(status="sent")
    return Notification.objects.get(key=f"morning:{signup.pk}")


def _mail_to(tmp_path: Path, address: str) -> int:
    return sum(p.read_text().count(f"To: {address}") for p in (tmp_path / "mail").glob("*"))


def test_worker_delivers_a_due_reminder_end_to_end(world, start_worker, tmp_path):
    row = _reminder_due_now(world)
    assert row.status == "due"
    start_worker("notify-a")
    assert _wait_for(lambda: Notification.objects.get(pk=row.pk).status == "sent"), (
        tmp_path / "notify-a.log"
    ).read_text()[-3000:]
    assert _mail_to(tmp_path, row.user.email) == 1


def test_worker_killed_mid_send_is_recovered_by_a_later_sweep(world, start_worker, tmp_path):
    row = _reminder_due_now(world)
    killed = start_worker(
        "notify-killed", EMAIL_BACKEND="tests.integration.test_worker_backends.SlowFileBackend"
    )
    marker = tmp_path / "send-started"
    assert _wait_for(marker.exists), (tmp_path / "notify-killed.log").read_text()[-3000:]
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(10)
    stuck = Notification.objects.get(pk=row.pk)
    # Claimed and never finished (a slow kill may already see the expired lease re-queued).
    assert stuck.status in ("sending", "due") and stuck.attempts == 1 and stuck.sent_at is None

    start_worker("notify-b")
    assert _wait_for(lambda: Notification.objects.get(pk=row.pk).status == "sent"), (
        tmp_path / "notify-b.log"
    ).read_text()[-3000:]
    sent = Notification.objects.get(pk=row.pk)
    assert sent.attempts == 2
    assert _mail_to(tmp_path, row.user.email) == 1  # the killed send never reached the backend


def test_broker_down_the_row_still_saves_and_goes_out_when_the_worker_is_back(
    world, worker_env, start_worker, tmp_path
):
    script = (
        "import django; django.setup()\n"
        "from django.db import transaction\n"
        "from members.models import User\n"
        "from strikes.services.notifications import notification_enqueue\n"
        "user = User.objects.get(email='down@example.org')\n"
        "with transaction.atomic():\n"
        "    notification_enqueue(key='broadcast:down', kind='broadcast', user=user,\n"
        "                         context={'text': 'Rally at noon'})\n"
        "print('saved')\n"
    )
    f.MembershipFactory(
        union=world.union, workplace=world.s1, user=f.UserFactory(email="down@example.org")
    )
    env = {**worker_env, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}
    env.pop("CELERY_BROKER_FOLDER", None)
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "saved" in done.stdout
    row = Notification.objects.get(key="broadcast:down")
    assert row.status == "due"

    start_worker("notify-back")
    assert _wait_for(lambda: Notification.objects.get(pk=row.pk).status == "sent"), (
        tmp_path / "notify-back.log"
    ).read_text()[-3000:]
    assert _mail_to(tmp_path, "down@example.org") == 1


def test_two_workers_sweeping_at_once_send_each_message_once_in_batches(
    world, start_worker, tmp_path
):
    """Two workers, each with its own beat sweeping every second: the due messages go out in
    batches of 5, each exactly once."""
    from strikes.services.notifications import notification_enqueue

    users = [
        f.MembershipFactory(
            union=world.union, workplace=world.s1, user=f.UserFactory(email=f"m{i}@example.org")
        ).user
        for i in range(40)
    ]
    for user in users:
        notification_enqueue(
            key=f"broadcast:{user.pk}", kind="broadcast", user=user, context={"text": "Rally"}
        )
    assert Notification.objects.filter(status="due").count() == 40
    start_worker("batch-a", NOTIFICATION_BATCH_SIZE="5")
    start_worker("batch-b", NOTIFICATION_BATCH_SIZE="5")
    assert _wait_for(lambda: Notification.objects.filter(status="sent").count() == 40), (
        tmp_path / "batch-a.log"
    ).read_text()[-3000:]
    assert all(_mail_to(tmp_path, user.email) == 1 for user in users)
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}
    logs = (tmp_path / "batch-a.log").read_text() + (tmp_path / "batch-b.log").read_text()
    assert "strikes.tasks.notifications_send" in logs
