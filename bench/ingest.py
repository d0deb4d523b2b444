"""Ping ingest: HTTP batches vs raw COPY of the same rows; single-fix requests with wrk
(`POST /api/v1/pings` with a token, and the OsmAnd GET that Traccar Client sends) vs a bare
FastAPI endpoint, 200 phones on 200 connections, as fast as answers come and at a paced rate
(`--paced-rps`); a late upload by someone with an open
travel claim over those days (whose verification each batch computes again) vs the same
upload by someone without one.
Baselines are measured in the same run on the same machine.

    .venv/bin/python -m bench.ingest [--rows 50000] [--seconds 10] [--connections 200]

Needs Debian's `wrk` for the single-fix part (skipped with a note when missing).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import bench_database
from bench.server import serve_bare, serve_fieldforce
from fieldforce.auth.service import actor_for
from fieldforce.auth.tokens import issue_token
from fieldforce.db import make_engine, make_sessionmaker, owned_session
from fieldforce.devices.models import Device
from fieldforce.org.models import Staff
from fieldforce.settings import get_settings
from fieldforce.tenancy.service import bootstrap
from fieldforce.tracking.jobs import maintain_ping_partitions
from fieldforce.travel import service as travel
from fieldforce.zones.models import Zone, ZoneAssignment
from fieldforce.zones.service import circle_columns

SECRET = "bench-secret-key-0123456789-abcdefghijklmnop"
LON, LAT = 121.4737, 31.2304
ALL_WEEK = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]
FLEET = 204  # two batch uploaders, 200 phones sending single fixes, two late uploaders

# Each of wrk's two threads speaks for half of the phones. The OsmAnd script takes them
# in turn; the POST script below takes the phone that has waited longest for its turn and
# has no request in flight (answers name their fix), so a phone never has two fixes on
# the way at once, as a real one does not.
WRK_PHONES = """
local n = 0
local half = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("k", counter)
end
function init(args)
  for i = k, #phones, 2 do half[#half + 1] = phones[i] end
  math.randomseed(os.time() + k)
end
local function next_phone()
  n = n + 1
  local i = (n %% #half) + 1
  return half[i], i
end
-- a phone's fixes are a second old, never two at the same moment, never out of order: a
-- millisecond apart when a phone sends faster than the clock's second ticks
local last_second, last_ms = {}, {}
local function fix_ms(i)
  local second = os.time() - 1
  if last_second[i] == second then
    last_ms[i] = last_ms[i] + 1
  else
    last_second[i], last_ms[i] = second, 0
  end
  return second * 1000 + last_ms[i]
end
"""

WRK_SCRIPT = (
    """
-- every request: one fix of one phone, as phones send them
wrk.method = "POST"
phones = {%(tokens)s}
"""
    + WRK_PHONES
    + """
local free, waiting = nil, {}  -- phones without a request in flight; fix id -> phone
local function free_phone()
  if free == nil then
    free = {}
    for i = 1, #half do free[i] = i end
  end
  local i = table.remove(free, 1) or (math.random(1, #half))
  return half[i], i
end
response = function(status, headers, body)
  local id = body:match('"id":"([%%x%%-]+)"')
  if id and waiting[id] then
    free[#free + 1] = waiting[id]
    waiting[id] = nil
  end
end
request = function()
  local id = string.format("%%08x-%%04x-4%%03x-8%%03x-%%08x%%04x",
    math.random(0, 2147483646), math.random(0, 65535), math.random(0, 4095),
    math.random(0, 4095), math.random(0, 2147483646), math.random(0, 65535))
  local phone, i = free_phone()
  waiting[id] = i
  local ms = fix_ms(i)
  local second = math.floor(ms / 1000)
  local t = os.date("!%%Y-%%m-%%dT%%H:%%M:%%S", second)
  t = t .. string.format(".%%03dZ", ms - second * 1000)
  -- within about 10 m of a spot, as GPS noise around a rep standing or walking: fixes a
  -- few milliseconds apart scattered over 100 m were one in ten flagged a jump (over 70 m/s)
  local body = string.format(
    '{"pings":[{"id":"%%s","fix_time":"%%s","lon":%%.6f,"lat":%%.6f,"accuracy_m":8}]}',
    id, t, 121.4737 + math.random() * 0.0001, 31.2304 + math.random() * 0.0001)
  local headers = {["Content-Type"] = "application/json",
                   ["Authorization"] = "Bearer " .. phone}
  return wrk.format(nil, nil, headers, body)
end
"""
)

WRK_OSMAND = (
    """
-- every request: one fix of one OsmAnd device, as Traccar Client sends them
phones = {%(ids)s}
"""
    + WRK_PHONES
    + """
request = function()
  local phone, i = next_phone()
  local path = string.format(
    "/ingest/osmand?id=%%s&timestamp=%%.0f&lat=%%.7f&lon=%%.7f&accuracy=8&batt=80",
    phone, fix_ms(i),
    31.2304 + math.random() * 0.0001, 121.4737 + math.random() * 0.0001)
  return wrk.format("GET", path)
end
"""
)


def make_rows(n: int, start: datetime) -> list[dict[str, object]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "fix_time": (start + timedelta(seconds=i)).isoformat(),
            "lon": LON + i * 1e-6,
            "lat": LAT,
            "accuracy_m": 8,
        }
        for i in range(n)
    ]


def copy_rate(engine_url: str, tenant_id: uuid.UUID, staff_id: uuid.UUID, n: int) -> float:
    engine = make_engine(engine_url, pool_size=1)
    start = datetime.now(UTC) - timedelta(days=3)
    buf = io.StringIO()
    for row in make_rows(n, start):
        buf.write(
            f"{tenant_id}\t{row['id']}\t{row['fix_time']}\t{staff_id}\t"
            f"SRID=4326;POINT({row['lon']} {row['lat']})\t8\t0\n"
        )
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        buf.seek(0)
        began = time.perf_counter()
        cur.copy_expert(
            "COPY ping (tenant_id, id, fix_time, staff_id, geom, accuracy_m, flags) FROM STDIN", buf
        )
        raw.commit()
        elapsed = time.perf_counter() - began
    finally:
        raw.close()
        engine.dispose()
    return n / elapsed


def http_rate(base: str, tokens: list[str], n: int) -> float:
    per_client = n // len(tokens)
    errors: list[str] = []

    def client(token: str, offset_days: int) -> None:
        start = datetime.now(UTC) - timedelta(days=offset_days, hours=2)
        rows = make_rows(per_client, start)
        with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {token}"}) as c:
            for i in range(0, per_client, 1000):
                r = c.post(f"{base}/api/v1/pings", json={"pings": rows[i : i + 1000]})
                if r.status_code != 200 or r.json()["accepted"] != len(rows[i : i + 1000]):
                    errors.append(r.text[:200])

    threads = [threading.Thread(target=client, args=(t, 1 + k)) for k, t in enumerate(tokens)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"uploads failed: {errors[:2]}")
    return per_client * len(tokens) / elapsed


def open_claim(session: Session, tenant_id: uuid.UUID, staff_id: uuid.UUID) -> None:
    """A submitted claim over the last four days: fixes stored late for those days make
    its verification be computed again."""
    actor = actor_for(session, tenant_id, staff_id)
    today = datetime.now(UTC).date()
    claim = travel.ClaimIn(
        purpose="Customer visits",
        start=today - timedelta(days=3),
        end=today,
        legs=[travel.LegIn("Shanghai", LON, LAT)],
        lines=[travel.LineIn("meals", today, Decimal("50.00"), "CNY")],
    )
    made = travel.create_claim(session, actor, claim)
    travel.submit_claim(session, actor, made.claim.id, push=False)


def wrk(url: str, script_text: str, seconds: int, connections: int) -> tuple[float, str, str]:
    script = Path(tempfile.mkdtemp()) / "ping.lua"
    script.write_text(script_text)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} failed requests:\n{out}")
    return rps, p50, p99


def posting(tokens: list[str], every_ms: int | None = None) -> str:
    """The wrk script of phones posting single fixes; with ``every_ms``, each connection
    waits that long before each request (phones at their own pace, not as fast as
    answers come)."""
    script = WRK_SCRIPT % {"tokens": ", ".join(f'"{t}"' for t in tokens)}
    if every_ms is not None:
        # spread out (0.5 to 1.5 times the pace) as real phones are, not all at once
        script += (
            f"\ndelay = function() return math.random({every_ms // 2}, {every_ms * 3 // 2}) end\n"
        )
    return script


def osmand_devices(session: Session, tenant_id: uuid.UUID, staff: list[uuid.UUID]) -> str:
    """An OsmAnd device for each of these people; the wrk script that reports from them."""
    ids = []
    for k, staff_id in enumerate(staff):
        identifier = f"bench-phone-{k:04d}"
        session.add(
            Device(
                tenant_id=tenant_id,
                staff_id=staff_id,
                platform="android",
                protocol="osmand",
                identifier=identifier,
                secret_hash="-",
            )
        )
        ids.append(identifier)
    session.flush()
    return WRK_OSMAND % {"ids": ", ".join(f'"{i}"' for i in ids)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--late-rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=200)
    # 10,000 reps sending a fix every 30 s
    parser.add_argument("--paced-rps", type=int, default=333)
    args = parser.parse_args()
    os.environ["FIELDFORCE_SECRET_KEY"] = SECRET
    get_settings.cache_clear()
    settings = get_settings()
    with bench_database() as url:
        engine = make_engine(url, pool_size=2)
        factory = make_sessionmaker(engine)
        with owned_session(factory) as session:
            maintain_ping_partitions(session, datetime.now(UTC))
            boot = bootstrap(
                session, tenant_name="Bench", admin_login="copy", admin_password="pass-word-1"
            )
            tenant_id, copy_staff = boot.tenant.id, boot.admin.id
            # on duty around the clock: every fix is kept and judged by off-zone monitoring
            boot.tenant.settings = {"default_duty_week": ALL_WEEK}
            zone = Zone(
                tenant_id=tenant_id,
                org_unit_id=boot.admin.org_unit_id,
                name="Work area",
                kind="work_area",
                **circle_columns(LON, LAT, 5000),
            )
            session.add(zone)
            session.flush()
            session.add(
                ZoneAssignment(
                    tenant_id=tenant_id, zone_id=zone.id, org_unit_id=boot.admin.org_unit_id
                )
            )
            uploaders = []
            for k in range(FLEET):
                s = Staff(
                    tenant_id=tenant_id,
                    login=f"rep{k}",
                    name=f"Rep {k}",
                    password_hash="x",
                    org_unit_id=boot.admin.org_unit_id,
                    roles=["rep"],
                )
                session.add(s)
                session.flush()
                uploaders.append(s.id)
            open_claim(session, tenant_id, uploaders[-2])
            osmand = osmand_devices(session, tenant_id, uploaders[2:-2])
        tokens = [issue_token(settings, tenant_id=tenant_id, staff_id=s)[0] for s in uploaders]

        copy = copy_rate(url, tenant_id, copy_staff, args.rows)
        with serve_fieldforce(url, workers=args.workers) as base:
            batch = http_rate(base, tokens[:2], args.rows)
            late_plain = http_rate(base, tokens[-1:], args.late_rows)
            late_claimed = http_rate(base, tokens[-2:-1], args.late_rows)
            single = osmand_get = paced = None
            every_ms = 0
            if shutil.which("wrk"):
                phones = posting(tokens[2:-2])
                single = wrk(f"{base}/api/v1/pings", phones, args.seconds, args.connections)
                every_ms = round(args.connections * 1000 / args.paced_rps)
                paced_phones = posting(tokens[2:-2], every_ms)
                paced = wrk(f"{base}/api/v1/pings", paced_phones, args.seconds, args.connections)
                osmand_get = wrk(base, osmand, args.seconds, args.connections)
        bare = None
        if single:
            with serve_bare(workers=args.workers) as base:
                bare = wrk(f"{base}/api/v1/pings", phones, args.seconds, args.connections)
        with engine.connect() as conn:
            stored = conn.scalar(text("SELECT count(*) FROM ping"))
        engine.dispose()

    print(f"batch ingest: {args.rows} fixes in batches of 1,000, {args.workers} workers, 2 clients")
    print(f"  raw COPY into the ping table   {copy:10,.0f} rows/s")
    print(f"  POST /api/v1/pings             {batch:10,.0f} rows/s")
    print(f"  ratio HTTP / COPY              {batch / copy:10.2f}   (target >= 0.50)")
    if single and bare and osmand_get and paced:
        print(
            f"single-fix requests (wrk, {args.connections} connections, 200 phones, "
            f"{args.seconds} s, {args.workers} workers)"
        )
        for name, (rps, p50, p99) in (
            ("bare FastAPI endpoint       ", bare),
            ("POST /api/v1/pings          ", single),
            ("GET /ingest/osmand          ", osmand_get),
        ):
            print(f"  {name}   {rps:10,.0f} req/s  p50 {p50}  p99 {p99}")
        print(f"  ratio POST / bare              {single[0] / bare[0]:10.2f}   (target >= 0.50)")
        print(f"  ratio OsmAnd GET / bare        {osmand_get[0] / bare[0]:10.2f}")
        rps, p50, p99 = paced
        print(
            f"paced: each of the {args.connections} phones posts a fix every {every_ms} ms "
            f"(at most {args.paced_rps} req/s offered)"
        )
        print(f"  POST /api/v1/pings             {rps:10,.0f} req/s  p50 {p50}  p99 {p99}")
    else:
        print("single-fix requests: skipped (install Debian's wrk)")
    print(f"late upload: {args.late_rows} fixes of yesterday in batches of 1,000, one client")
    print(f"  without a travel claim         {late_plain:10,.0f} rows/s")
    print(f"  with an open claim those days  {late_claimed:10,.0f} rows/s")
    print(f"  ratio claimed / plain          {late_claimed / late_plain:10.2f}")
    print(f"rows stored: {stored:,}")


if __name__ == "__main__":
    main()
