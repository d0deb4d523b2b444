"""Shared bench plumbing: a throwaway migrated database and a timer."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fieldforce.embedded import EmbeddedPostgres, ensure_binaries
from fieldforce.migrate import upgrade


@contextmanager
def bench_database() -> Iterator[str]:
    url = os.environ.get("FIELDFORCE_DATABASE_URL")
    if url:
        upgrade(url=url)
        yield url
        return
    data_dir = Path(tempfile.mkdtemp(prefix="fieldforce-bench-"))
    data_dir.chmod(0o755)
    pg = EmbeddedPostgres(data_dir / "data", ensure_binaries(install=True))
    pg.start()
    try:
        upgrade(url=pg.url())
        yield pg.url()
    finally:
        pg.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def timed(fn: Callable[[], object], repeat: int = 30) -> tuple[float, float]:
    """Median and p99-ish (max of repeats) wall time in milliseconds, after one warm-up."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)
