"""How one person's shifts are judged (DESIGN §4): their duty plan, the zones and rules
of each shift, fixes against those zones (through zone indexes cached per process), and a
shift replayed from the stored fixes."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import ARRAY, Uuid, any_, bindparam, cast, select, text, union
from sqlalchemy.orm import Session

from fieldforce.duty.models import DutyException, DutySchedule
from fieldforce.duty.plan import DutyPlan, Shift
from fieldforce.duty.service import plan_for
from fieldforce.monitoring.events import Owner
from fieldforce.monitoring.machine import Event, Fix, Rules, ShiftState, replay
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import Tenant, TenantSettings
from fieldforce.tracking.queries import GoodFix, good_fixes
from fieldforce.zones.assignments import assigned_zones, unit_zones
from fieldforce.zones.models import Zone, ZoneAssignment, ZoneKind
from fieldforce.zones.service import shapes
from geo.zones import Verdict, ZoneIndex

LOOKAHEAD = timedelta(days=2)  # an off-duty window is looked at again after this at most
NEAREST_AMONG = 20  # up to this many zones, a fix far from all of them names the nearest


@dataclass(frozen=True)
class Setup:
    """What a shift is judged with."""

    rules: Rules
    zone_ids: list[uuid.UUID]
    zone_key: str | None


def rules_for(settings: TenantSettings, zones: Sequence[Zone]) -> Rules:
    """The tenant's thresholds, overridden by the zones; where several zones set one, the
    most lenient wins (a person is judged against all their zones at once)."""

    def most(key: str, default: float) -> float:
        values = [z.settings[key] for z in zones if (z.settings or {}).get(key) is not None]
        return max(values, default=default)

    s = settings
    return Rules(
        margin_m=float(most("offzone_margin_m", s.offzone_margin_m)),
        dwell_s=int(most("offzone_dwell_s", s.offzone_dwell_s)),
        min_fixes=int(most("offzone_min_fixes", s.offzone_min_fixes)),
        no_signal_after_s=int(most("no_signal_after_s", s.no_signal_after_s)),
        late_grace_s=int(most("late_arrival_grace_s", s.late_arrival_grace_s)),
        zoned=bool(zones),
    )


def zone_key(zones: Iterable[Zone]) -> str | None:
    """Names a set of zones as they are now: their ids and shapes."""
    ordered = sorted(zones, key=lambda z: z.id)
    if not ordered:
        return None
    digest = hashlib.sha1(usedforsecurity=False)
    for z in ordered:
        digest.update(z.id.bytes)
        digest.update(bytes(z.geom.data) if hasattr(z.geom, "data") else str(z.geom).encode())
        digest.update(repr(z.radius_m).encode())
    return digest.hexdigest()


class _IndexCache:
    """Zone indexes by zone key (ids and versions), shared by the requests of a process:
    people of one team share their zones, and building an index costs milliseconds."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[str, ZoneIndex] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, session: Session, tenant_id: uuid.UUID, setup: Setup) -> ZoneIndex:
        assert setup.zone_key is not None
        with self._lock:
            if (index := self._items.get(setup.zone_key)) is not None:
                self._items.move_to_end(setup.zone_key)
                return index
        zones = list(
            session.scalars(
                select(Zone).where(Zone.tenant_id == tenant_id, Zone.id.in_(setup.zone_ids))
            )
        )
        index = ZoneIndex(shapes(session, zones))
        with self._lock:
            self._items[setup.zone_key] = index
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return index


INDEXES = _IndexCache()


def watched_from(shift: Shift, since: datetime | None) -> datetime:
    """Where a shift was watched from: its start, or the first look at the person when that
    came later (``since``; none for people looked at before this was recorded). Nothing is
    made up for the time before."""
    return shift.start if since is None else max(shift.start, since)


# Org units (of those asked) with a duty schedule or exception on them or above them: their
# people's plans differ from the tenant's default.
_RULED_UNITS = text("""
    SELECT u.id FROM org_unit u
     WHERE u.tenant_id = ANY(:tenants) AND u.id = ANY(:units)
       AND EXISTS (
           SELECT 1 FROM org_unit a
            WHERE a.tenant_id = u.tenant_id AND a.path @> u.path
              AND (EXISTS (SELECT 1 FROM duty_schedule s
                            WHERE s.tenant_id = a.tenant_id AND s.org_unit_id = a.id)
                   OR EXISTS (SELECT 1 FROM duty_exception e
                               WHERE e.tenant_id = a.tenant_id AND e.org_unit_id = a.id)))
""").bindparams(bindparam("units", type_=ARRAY(Uuid)), bindparam("tenants", type_=ARRAY(Uuid)))


class Shared:
    """What people share, worked out once for a sweep batch: the duty plan of everyone
    without a schedule or exception of their own (one per org unit that has such rules
    above it or on it, one per tenant for all other units), and the zones per org unit of
    everyone without a zone of their own."""

    def __init__(self, session: Session, people: Sequence[Staff]) -> None:
        # ids as one array parameter: an IN list binds and plans each id on its own
        ids = cast([p.id for p in people], ARRAY(Uuid))
        self.personal: set[uuid.UUID] = set(
            session.scalars(
                union(
                    *(
                        select(model.staff_id).where(model.staff_id == any_(ids))
                        for model in (DutySchedule, DutyException, ZoneAssignment)
                    )
                )
            )
        )
        units, tenants = list({p.org_unit_id for p in people}), list({p.tenant_id for p in people})
        self.ruled_units: set[uuid.UUID] = set(
            session.scalars(_RULED_UNITS, {"units": units, "tenants": tenants})
        )
        self._units: dict[uuid.UUID, set[uuid.UUID]] = {}  # by tenant
        for p in people:
            self._units.setdefault(p.tenant_id, set()).add(p.org_unit_id)
        self.plans: dict[uuid.UUID, DutyPlan] = {}  # by unit, or tenant for unruled units
        self.setups: dict[tuple[uuid.UUID, date], Setup] = {}
        self._settings: dict[uuid.UUID, TenantSettings] = {}

    def units_of(self, tenant_id: uuid.UUID) -> set[uuid.UUID]:
        """The org units of the batch's people in a tenant."""
        return self._units.get(tenant_id, set())

    def plan_key(self, staff: Staff) -> uuid.UUID:
        """People with the same key (and no rules of their own) have the same plan."""
        return staff.org_unit_id if staff.org_unit_id in self.ruled_units else staff.tenant_id

    def settings_of(self, tenant: Tenant) -> TenantSettings:
        """The tenant's settings, validated once for the batch."""
        if tenant.id not in self._settings:
            self._settings[tenant.id] = tenant.effective_settings
        return self._settings[tenant.id]


def judge_together(asked: Sequence[tuple[Judge, Setup, Sequence[GoodFix]]]) -> None:
    """The fixes of many people judged by one zone test for each set of zones and rules
    they share (a group of single fixes: one numpy call instead of one a person). Each
    judge keeps its answers; ``Judge.verdicts`` gives them, or judges anew for anything
    else. A verdict depends only on the fix, the zones (their key names their content),
    the rules and the tenant's accuracy limit, so sharing changes no answer."""
    alike: dict[tuple[object, ...], list[tuple[Judge, Setup, Sequence[GoodFix]]]] = {}
    for judge, setup, fixes in asked:
        if fixes and setup.rules.zoned and setup.zone_key is not None:
            limit = judge.settings.accuracy_limit_m
            key = (judge.owner.tenant_id, setup.zone_key, setup.rules, limit)
            alike.setdefault(key, []).append((judge, setup, fixes))
    for members in alike.values():
        first, setup, _ = members[0]
        verdicts = first._verdicts(setup, [f for _, _, fixes in members for f in fixes])
        start = 0
        for judge, setup, fixes in members:
            judged = judge._judged.setdefault((setup.zone_key, setup.rules), {})
            judged.update(zip(fixes, verdicts[start : start + len(fixes)], strict=True))
            start += len(fixes)


class Judge:
    """How one person's shifts are judged: their duty plan, the zones and rules of each
    shift, fixes against those zones, and a shift replayed from the stored fixes."""

    def __init__(
        self,
        session: Session,
        staff: Staff,
        tenant: Tenant,
        now: datetime,
        shared: Shared | None = None,
        settings: TenantSettings | None = None,
    ) -> None:
        """``settings``: the tenant's, when the caller has them validated already."""
        self.session, self.staff, self.tenant, self.now = session, staff, tenant, now
        if settings is None:
            settings = tenant.effective_settings if shared is None else shared.settings_of(tenant)
        self.settings = settings
        self.owner = Owner(staff.tenant_id, staff.id)
        self._plan: DutyPlan | None = None
        self._shared = None if shared is None or staff.id in shared.personal else shared
        # verdicts already reached by ``judge_together``, by the zones and rules they used
        self._judged: dict[tuple[str | None, Rules], dict[GoodFix, Fix]] = {}

    @property
    def plan(self) -> DutyPlan:
        if self._plan is None:
            shared = self._shared
            key = None if shared is None else shared.plan_key(self.staff)
            if shared is not None and key in shared.plans:
                self._plan = shared.plans[key]
            else:
                back = timedelta(days=self.settings.upload_window_days + 2)
                self._plan = plan_for(
                    self.session, self.staff, self.now - back, self.now + LOOKAHEAD
                )
                if shared is not None and key is not None:
                    shared.plans[key] = self._plan
        return self._plan

    def setup(self, shift: Shift) -> Setup:
        key, shared = (self.staff.org_unit_id, shift.day), self._shared
        if shared is None:
            return self._setup([z for z, _ in assigned_zones(self.session, self.staff, shift.day)])
        if key not in shared.setups:  # every unit of the batch in this tenant, at once
            units = shared.units_of(self.staff.tenant_id) | {self.staff.org_unit_id}
            found = unit_zones(self.session, self.staff.tenant_id, units, shift.day)
            for unit, zones in found.items():
                shared.setups[(unit, shift.day)] = self._setup(zones)
        return shared.setups[key]

    def _setup(self, zones: Sequence[Zone]) -> Setup:
        """A shift's zones (restricted ones are not where anyone works) and rules."""
        kept = [z for z in zones if z.kind != ZoneKind.RESTRICTED.value]
        return Setup(rules_for(self.settings, kept), [z.id for z in kept], zone_key(kept))

    def verdicts(self, setup: Setup, fixes: Sequence[GoodFix]) -> list[Fix]:
        """Each fix judged against the shift's zones: inside, outside or straddling (from
        ``judge_together``'s answers when it judged them already)."""
        known = self._judged.get((setup.zone_key, setup.rules))
        if known is not None and all(f in known for f in fixes):
            return [known[f] for f in fixes]
        return self._verdicts(setup, fixes)

    def _verdicts(self, setup: Setup, fixes: Sequence[GoodFix]) -> list[Fix]:
        if not fixes:
            return []
        if not setup.rules.zoned or setup.zone_key is None:
            return [Fix(f.time, Verdict.STRADDLING) for f in fixes]
        index = INDEXES.get(self.session, self.owner.tenant_id, setup)
        worst = self.settings.accuracy_limit_m  # a fix that does not say counts as the worst
        standings = index.stand_many(
            np.array([f.lon for f in fixes]),
            np.array([f.lat for f in fixes]),
            np.array([worst if f.accuracy_m is None else f.accuracy_m for f in fixes]),
            np.full(len(fixes), setup.rules.margin_m),
            [None] * len(fixes),
        )
        nearest = self._nearest(
            index, fixes, [k for k, s in enumerate(standings) if s.zone_id is None]
        )
        out = []
        for k, (f, s) in enumerate(zip(fixes, standings, strict=True)):
            distance, zone_id = nearest.get(k, (s.distance_m, s.zone_id))
            out.append(
                Fix(
                    f.time,
                    s.verdict,
                    zone_id if isinstance(zone_id, uuid.UUID) else None,
                    None if distance is None else float(distance),
                )
            )
        return out

    @staticmethod
    def _nearest(
        index: ZoneIndex, fixes: Sequence[GoodFix], far: list[int]
    ) -> dict[int, tuple[float, object]]:
        """For fixes far from every zone (among few): the nearest one and how far."""
        if not far or len(index) > NEAREST_AMONG:
            return {}
        lons = np.array([fixes[k].lon for k in far])
        lats = np.array([fixes[k].lat for k in far])
        signed = np.array([index.signed_distances(z, lons, lats) for z in index.ids])
        best = signed.argmax(axis=0)
        return {
            k: (float(signed[b, j]), index.ids[b])
            for j, (k, b) in enumerate(zip(far, best.tolist(), strict=True))
        }

    def replayed_shift(
        self, shift: Shift, since: datetime | None, until: datetime, *, keep_segments: bool = False
    ) -> tuple[ShiftState, list[Event]]:
        """A whole shift replayed from where it was watched, with its scheduled start."""
        return self.replayed(
            watched_from(shift, since),
            shift.end,
            self.setup(shift),
            until,
            keep_segments=keep_segments,
            scheduled=shift.start,
        )

    def replayed(
        self,
        start: datetime,
        end: datetime,
        setup: Setup,
        until: datetime,
        *,
        keep_segments: bool = False,
        scheduled: datetime | None = None,
    ) -> tuple[ShiftState, list[Event]]:
        fixes = good_fixes(self.session, self.owner.tenant_id, self.owner.staff_id, start, end)
        if fixes:  # a phone's clock may run a little ahead of ours
            until = min(end, max(until, fixes[-1].time + timedelta(microseconds=1)))
        judged = self.verdicts(setup, fixes)
        return replay(
            start, end, setup.rules, judged, until, keep_segments=keep_segments, scheduled=scheduled
        )
