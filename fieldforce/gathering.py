"""Single fixes at batch cost: the uploads of concurrent requests are written together.

Phones send one fix per request. Each request puts its upload in the process's queue and
waits. One waiting request at a time leads: it gathers what arrives within the window (or
up to the group's size), writes the group in one transaction (``flows.ingest_many``: one
round of reads, one statement that stores every fix, one round of monitoring) and, after
the commit, hands every request its own results. Whoever arrives while a group is being
written waits for the next one, so under load groups grow by themselves.

A group holds at most one upload per person (the next one waits for the next group). When
the group's transaction fails, each of its uploads is written again alone, so bad data in
one request fails that request only. No request is answered before the commit that holds
its fixes (DESIGN §3).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from fieldforce import flows
from fieldforce.db import owned_session
from fieldforce.tracking.ingest import PingResult, Upload


@dataclass(eq=False)
class _Waiting:
    upload: Upload
    results: list[PingResult] | None = None
    error: BaseException | None = None
    done: bool = False

    def finish(self, results: list[PingResult] | None, error: BaseException | None) -> None:
        self.results, self.error, self.done = results, error, True

    def outcome(self) -> list[PingResult]:
        if self.error is not None:
            raise self.error
        assert self.results is not None
        return self.results


@dataclass
class Gatherer:
    """The queue of one serving process."""

    factory: sessionmaker[Session]
    window_s: float
    max_fixes: int
    push: bool
    _queue: list[_Waiting] = field(default_factory=list)
    _writing: bool = False
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def submit(self, upload: Upload) -> list[PingResult]:
        """Store an upload with whatever arrives with it; returns its results once they
        are committed, or raises what failed it."""
        mine = _Waiting(upload)
        with self._cond:
            self._queue.append(mine)
            self._cond.notify_all()  # a leader may be gathering
        while True:
            with self._cond:
                while self._writing and not mine.done:
                    self._cond.wait()
                if mine.done:
                    return mine.outcome()
                self._writing = True
                self._gather()
                group = self._take()
            try:
                self._write(group)
            finally:
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()

    def _gather(self) -> None:
        """Wait (holding the condition's lock only while not waiting) for the window to
        pass or the group to fill."""
        deadline = time.monotonic() + self.window_s
        while self._fixes_queued() < self.max_fixes:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._cond.wait(left)

    def _fixes_queued(self) -> int:
        return sum(len(w.upload.pings) for w in self._queue)

    def _take(self) -> list[_Waiting]:
        """The oldest uploads, one per person, up to the group's size (at least one)."""
        group: list[_Waiting] = []
        people: set[object] = set()
        fixes = 0
        rest: list[_Waiting] = []
        for w in self._queue:
            person = (w.upload.who.tenant_id, w.upload.who.staff_id)
            size = len(w.upload.pings)
            if person in people or (group and fixes + size > self.max_fixes):
                rest.append(w)
                continue
            group.append(w)
            people.add(person)
            fixes += size
        self._queue = rest
        return group

    def _write(self, group: Sequence[_Waiting]) -> None:
        try:
            with owned_session(self.factory) as session:
                found = flows.ingest_many(session, [w.upload for w in group], push=self.push)
        except Exception as exc:
            if len(group) == 1:
                group[0].finish(None, exc)
                return
            for w in group:  # each alone: what failed the group fails only its own request
                self._write([w])
            return
        for w, results in zip(group, found, strict=True):
            w.finish(results, None)
