"""Importing the cell database: 1,000,000 rows of an OpenCelliD file through
`import_cells` (COPY into staging, the rows checked and de-duplicated, the regions
replaced, the cells stored under their primary key) against a raw COPY of the same file
into a table of the same columns (no checks, no keys), in the same run; then the same
import again, replacing everything it stored.

The file is written first: cells of four Chinese networks round Hangzhou, a few rows in a
thousand unreadable.

    .venv/bin/python -m bench.cells [rows]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench.common import bench_database
from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.positioning.cells import HEADER, import_cells

NETWORKS = ((460, 0), (460, 1), (460, 11), (460, 15))
RADIOS = ("GSM", "UMTS", "LTE", "LTE", "NR")
RAW = text("""
    CREATE TABLE raw_cells (
        radio text, mcc smallint, net integer, area integer, cell bigint, unit integer,
        lon float8, lat float8, range integer, samples integer, changeable integer,
        created bigint, updated bigint, average_signal integer
    )
""")


def write_file(path: Path, rows: int, rng: random.Random) -> int:
    bad = 0
    with path.open("w") as out:
        out.write(HEADER + "\n")
        for n in range(rows):
            mcc, net = NETWORKS[n % len(NETWORKS)]
            lon, lat = 120.15 + rng.uniform(-1.5, 1.5), 30.27 + rng.uniform(-1.5, 1.5)
            if n % 997 == 0:  # a row a raw COPY takes but the import refuses
                lat, bad = 95.0, bad + 1
            out.write(
                f"{rng.choice(RADIOS)},{mcc},{net},{n // 50},{n},{n % 504},{lon:.6f},{lat:.6f},"
                f"{rng.randint(100, 5000)},{rng.randint(1, 300)},1,1500000000,"
                f"{1600000000 + n},-{rng.randint(60, 110)}\n"
            )
    return bad


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp, bench_database() as url:
        path = Path(tmp) / "cells.csv"
        bad = write_file(path, rows, rng)
        size = path.stat().st_size
        engine = make_engine(url, pool_size=2)
        factory = make_sessionmaker(engine)
        with engine.begin() as conn:
            conn.execute(RAW)
        timings = {}
        for name in ("raw COPY", "import_cells", "import again (replacing)"):
            with owned_session(factory) as session, path.open("rb") as stream:
                started = time.perf_counter()
                if name == "raw COPY":
                    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                    stream.readline()
                    cursor.copy_expert("COPY raw_cells FROM STDIN WITH (FORMAT csv)", stream)
                    done = None
                else:
                    done = import_cells(session, stream)
                session.flush()
            timings[name] = time.perf_counter() - started  # committed inside the block
            if done is not None:
                assert done.stored == rows - bad, done
        engine.dispose()
    floor = timings["raw COPY"]
    print(f"{rows:,} cell rows ({size / 1e6:.0f} MB, {bad} unreadable)")
    for name, seconds in timings.items():
        print(
            f"  {name:26s} {seconds:6.2f} s  {rows / seconds:9,.0f} rows/s"
            f"  ratio {seconds / floor:5.2f}x"
        )


if __name__ == "__main__":
    main()
