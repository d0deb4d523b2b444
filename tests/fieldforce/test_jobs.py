from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.auth.jobs import forget_old_attempts
from fieldforce.auth.models import LoginAttempt
from fieldforce.jobs import Job, JobRunner, jobs_for, run_job
from fieldforce.settings import ATTEMPTS_KEPT_DAYS, Settings


def test_runner_runs_each_job_and_stops(session_factory: sessionmaker[Session]) -> None:
    ran = threading.Event()
    seen: list[datetime] = []

    def job(session: Session, now: datetime) -> None:
        seen.append(now)
        ran.set()

    runner = JobRunner(session_factory, [Job("probe", timedelta(hours=1), job)])
    runner.start()
    assert ran.wait(10)
    runner.stop()
    assert len(seen) == 1  # not due again for an hour


def test_a_failing_job_is_logged_not_raised(session_factory: sessionmaker[Session]) -> None:
    def broken(session: Session, now: datetime) -> None:
        raise RuntimeError("boom")

    assert run_job(session_factory, Job("broken", timedelta(minutes=1), broken)) is False


def test_old_sign_in_attempts_are_forgotten(db: Session, settings: Settings) -> None:
    now = datetime.now(UTC)
    for days in (1, ATTEMPTS_KEPT_DAYS - 1, ATTEMPTS_KEPT_DAYS + 1, 400):
        db.add(
            LoginAttempt(
                login_key=f"probe/{days}",
                ip="192.0.2.1",
                success=False,
                at=now - timedelta(days=days),
            )
        )
    db.flush()
    assert forget_old_attempts(db, now) == 2
    kept = db.scalars(select(LoginAttempt.login_key).where(LoginAttempt.login_key.like("probe/%")))
    assert sorted(kept) == ["probe/1", f"probe/{ATTEMPTS_KEPT_DAYS - 1}"]
    assert "login_attempts" in {job.name for job in jobs_for(settings)}
