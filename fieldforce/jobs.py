"""Periodic background jobs, run by a thread inside each serving process.

Every job is idempotent and safe when several processes run it at once (they take
PostgreSQL advisory locks where it matters), so no leader election is needed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from fieldforce.approvals.jobs import remind_and_escalate
from fieldforce.attachments.jobs import clean_attachments
from fieldforce.attachments.store import Store
from fieldforce.attendance.closing import close_due
from fieldforce.auth.jobs import forget_old_attempts
from fieldforce.db import owned_session
from fieldforce.flows import sweep_monitors
from fieldforce.locating import poll_due as poll_lbs
from fieldforce.locating import store_lbs_fix
from fieldforce.logs import get_logger
from fieldforce.notify.models import OutboxChannel
from fieldforce.notify.notices import release_due_notices
from fieldforce.notify.outbox import OutboxWorker, Sender
from fieldforce.notify.push import FcmSender
from fieldforce.notify.sms_sender import SmsSender
from fieldforce.notify.tasks import send_due_reminders
from fieldforce.plans.rules import apply_due as apply_plan_rules
from fieldforce.positioning.lbs_worker import LbsWorker
from fieldforce.settings import Settings
from fieldforce.tracking.jobs import maintain_ping_partitions
from fieldforce.visits.service import close_forgotten as close_forgotten_visits

log = get_logger("fieldforce.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[Session, datetime], object] | None = None
    # a job that commits as it goes (a long sweep) gets the session factory instead
    run_batches: Callable[[sessionmaker[Session], datetime], object] | None = None


def jobs_for(settings: Settings) -> list[Job]:
    """The periodic jobs of a process with these settings (those that deliver messages
    queue push only when FCM is configured)."""
    push = settings.push_enabled
    return [
        Job("ping_partitions", timedelta(hours=1), maintain_ping_partitions),
        Job("scheduled_notices", timedelta(seconds=30), partial(release_due_notices, push=push)),
        Job("task_reminders", timedelta(minutes=1), partial(send_due_reminders, push=push)),
        Job(
            "zone_monitoring",
            timedelta(seconds=settings.monitoring_sweep_s),
            run_batches=partial(sweep_monitors, push=push),
        ),
        Job("login_attempts", timedelta(hours=1), forget_old_attempts),
        Job(
            "approval_reminders",
            timedelta(minutes=5),
            partial(remind_and_escalate, push=push),
        ),
        Job("attendance_auto_close", timedelta(minutes=5), close_due),
        Job("visits_auto_close", timedelta(minutes=5), close_forgotten_visits),
        Job("plan_rules", timedelta(hours=1), run_batches=apply_plan_rules),
        Job("lbs_polling", timedelta(minutes=1), poll_lbs),
        Job(
            "attachment_cleanup",
            timedelta(hours=1),
            run_batches=partial(clean_attachments, store=Store(settings.data_dir)),
        ),
    ]


def run_job(factory: sessionmaker[Session], job: Job, now: datetime | None = None) -> bool:
    """Run one job in its own transaction; errors are logged, never raised."""
    try:
        if job.run_batches is not None:
            job.run_batches(factory, now or datetime.now(UTC))
            return True
        assert job.run is not None
        with owned_session(factory) as session:
            job.run(session, now or datetime.now(UTC))
        return True
    except Exception:
        log.exception("job_failed", job=job.name)
        return False


class JobRunner:
    def __init__(self, factory: sessionmaker[Session], jobs: list[Job]) -> None:
        self.factory = factory
        self.jobs = jobs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fieldforce-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        due = dict.fromkeys((j.name for j in self.jobs), 0.0)
        while not self._stop.is_set():
            for job in self.jobs:
                if time.monotonic() >= due[job.name]:
                    run_job(self.factory, job)
                    due[job.name] = time.monotonic() + job.every.total_seconds()
            self._stop.wait(1.0)


class Background:
    """Everything a serving process (or `fieldforce worker`) runs besides requests: the
    periodic jobs, the outbox worker, which sends SMS through the tenants' gateways and,
    when FCM credentials are configured, push, and the worker that asks the operators'
    LBS platforms."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.settings = settings
        self.jobs = JobRunner(factory, jobs_for(settings))
        self.fcm = FcmSender(settings) if settings.push_enabled else None
        self.sms = SmsSender(settings)
        senders: dict[str, Sender] = {OutboxChannel.SMS.value: self.sms}
        if self.fcm is not None:
            senders[OutboxChannel.PUSH.value] = self.fcm
        self.outbox = OutboxWorker(factory, senders, settings)
        self.lbs = LbsWorker(factory, settings, partial(store_lbs_fix, push=settings.push_enabled))

    def start(self) -> None:
        self.jobs.start()
        self.outbox.start()
        self.lbs.start()
        if self.fcm is not None:
            log.info("push_on", credentials=str(self.settings.fcm_credentials_file))
        else:
            log.warning(
                "push_off",
                reason="FIELDFORCE_FCM_CREDENTIALS_FILE is not set; "
                "messages still reach the in-app inboxes (and SMS, where tenants have a gateway)",
            )

    def stop(self) -> None:
        self.outbox.stop()
        self.lbs.stop()
        if self.fcm is not None:
            self.fcm.close()
        self.sms.close()
        self.jobs.stop()
