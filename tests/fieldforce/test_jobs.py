from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from fieldforce.jobs import Job, JobRunner, run_job


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
