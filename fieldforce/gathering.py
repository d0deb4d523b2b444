"""Single fixes at batch cost: the uploads of concurrent requests are written together.

Phones send one fix per request. Each request puts its upload in the process's queue and
awaits its results. The first request to find nobody leading starts a leader on the event
loop: it gathers what arrives within the window (counted from the oldest upload waiting)
or up to the group's size, writes the group in one transaction on a thread of its own
(``flows.ingest_many``: one round of reads, one statement that stores every fix, one round
of monitoring) and, after the commit, hands every request its own results. Whatever
arrives while a group is being written goes in the next one, so under load groups grow by
themselves, and a request costs no thread of its own while it waits.

A group holds at most one upload per person (the next one waits for the next group). When
the group's transaction fails, each half is written again, down to single uploads, so bad
data in one request fails that request only; a database that cannot be reached fails the
group at once. No request is answered before the commit that holds
its fixes (DESIGN §3).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio
import anyio.from_thread
import anyio.to_thread
import psycopg2
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from fieldforce import flows
from fieldforce.db import owned_session
from fieldforce.tracking.ingest import PingResult, Upload

Outcome = tuple[list[PingResult] | None, BaseException | None]


@dataclass(eq=False)
class _Waiting:
    upload: Upload
    arrived: float
    future: asyncio.Future[list[PingResult]]

    def finish(self, outcome: Outcome) -> None:
        if self.future.done():
            return
        results, error = outcome
        if error is not None:
            self.future.set_exception(error)
        else:
            assert results is not None
            self.future.set_result(results)


def _unreachable(exc: Exception) -> bool:
    """The database could not be reached or the connection was lost (no server error
    code): no smaller group would fare better."""
    if not isinstance(exc, DBAPIError):
        return False
    return exc.connection_invalidated or (
        isinstance(exc.orig, psycopg2.OperationalError) and exc.orig.pgcode is None
    )


@dataclass
class Gatherer:
    """The queue of one serving process (one event loop)."""

    factory: sessionmaker[Session]
    window_s: float
    max_fixes: int
    push: bool
    _queue: list[_Waiting] = field(default_factory=list)
    _queued_fixes: int = 0
    _leader: asyncio.Task[None] | None = None
    _filled: asyncio.Event = field(default_factory=asyncio.Event)

    async def submit(self, upload: Upload) -> list[PingResult]:
        """Store an upload with whatever arrives with it; returns its results once they
        are committed, or raises what failed it."""
        loop = asyncio.get_running_loop()
        mine = _Waiting(upload, loop.time(), loop.create_future())
        self._queue.append(mine)
        self._queued_fixes += len(upload.pings)
        if self._leader is None or self._leader.done():
            self._filled = asyncio.Event()
            self._leader = loop.create_task(self._lead())
        elif self._queued_fixes >= self.max_fixes:
            self._filled.set()
        # a request given up (its client gone) leaves its upload to be written all the same
        return await asyncio.shield(mine.future)

    def submit_from_thread(self, upload: Upload) -> list[PingResult]:
        """``submit`` for a ``def`` endpoint, which runs on a worker thread of the loop."""
        return anyio.from_thread.run(self.submit, upload)

    async def _lead(self) -> None:
        # a thread of its own: the requests' threads may all be busy waiting for this group
        writer = anyio.CapacityLimiter(1)
        while self._queue:
            await self._gather()
            group = self._take()
            try:
                outcomes = await anyio.to_thread.run_sync(self._write, group, limiter=writer)
            except BaseException as exc:  # cancelled at shutdown: nobody is left waiting
                for w in group:
                    w.finish((None, exc))
                raise
            for w, outcome in zip(group, outcomes, strict=True):
                w.finish(outcome)

    async def _gather(self) -> None:
        """Wait for the window of the oldest upload waiting to pass, or the group to fill."""
        loop = asyncio.get_running_loop()
        deadline = self._queue[0].arrived + self.window_s
        while self._queued_fixes < self.max_fixes:
            left = deadline - loop.time()
            if left <= 0:
                return
            self._filled.clear()
            try:
                await asyncio.wait_for(self._filled.wait(), left)
            except TimeoutError:
                return

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
        self._queued_fixes -= fixes
        return group

    def _write(self, group: Sequence[_Waiting]) -> list[Outcome]:
        """On the writer's thread: the group in one transaction, or, when that fails,
        each half again, down to the upload that fails alone (one bad upload among n
        costs about 2·log2(n) transactions, not n)."""
        try:
            with owned_session(self.factory) as session:
                found = flows.ingest_many(session, [w.upload for w in group], push=self.push)
        except Exception as exc:
            if len(group) == 1 or _unreachable(exc):
                return [(None, exc)] * len(group)
            half = len(group) // 2
            return self._write(group[:half]) + self._write(group[half:])
        return [(results, None) for results in found]
