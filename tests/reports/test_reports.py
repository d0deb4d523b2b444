"""Leave and travel claim reports: numbers against the hand-worked scene, CSV and XLSX
equal to the JSON, scope, and bad input."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy.orm import Session

from fieldforce.auth.service import actor_for
from fieldforce.leave import service as leave_service
from fieldforce.leave.models import LeaveEntry
from fieldforce.reports import service
from fieldforce.travel.models import TravelClaim
from tests.leave.scene import count
from tests.reports.scene import Reports

LEAVE_AMOUNTS = ("allocated", "carried", "lapsed", "taken", "adjusted", "balance", "pending")
MONEY = ("claimed", "sanctioned", "paid")


def leave_rows(items: list[dict[str, Any]]) -> dict[tuple[str | None, str, str], tuple[Any, ...]]:
    """(login or the unit for a total, leave type) → the amounts and available."""
    return {
        (i["login"], i["org_unit"], i["leave_type"]): tuple(
            i[k] for k in (*LEAVE_AMOUNTS, "available")
        )
        for i in items
    }


def claim_rows(items: list[dict[str, Any]]) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    return {
        (i["login"], i["month"], i["category"]): (
            i["lines"],
            *(Decimal(i[k]) for k in MONEY),
            i["currency"],
        )
        for i in items
    }


NORTH_A, NORTH_B, SOUTH_A = "North Team A", "North Team B", "South Team A"
LEAVE = {
    ("north.rep", NORTH_A, "annual"): (10, 3, 0, 1.5, -0.5, 11, 1, 10),
    ("north.rep", NORTH_A, "personal"): (0, 0, 0, 1, 0, -1, 0, -1),
    ("north.sup", NORTH_A, "annual"): (8, 0, 0, 0, 0, 8, 0, 8),
    ("north.rep2", NORTH_B, "annual"): (12, 0, 0, 3, 0, 9, 0, 9),
    ("south.rep", SOUTH_A, "annual"): (5, 0, 0, 0, 0, 5, 0, 5),
}
TOTALS = {
    (None, NORTH_A, "annual"): (18, 3, 0, 1.5, -0.5, 19, 1, 18),
    (None, NORTH_A, "personal"): LEAVE[("north.rep", NORTH_A, "personal")],
    (None, NORTH_B, "annual"): LEAVE[("north.rep2", NORTH_B, "annual")],
    (None, SOUTH_A, "annual"): LEAVE[("south.rep", SOUTH_A, "annual")],
}


def money(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


CLAIMS = {
    ("north.rep", "2026-10", "meals"): (1, *money("40.50", "35.00", "35.00"), "CNY"),
    ("north.rep", "2026-10", "transport"): (1, *money("100.00", "100.00", "100.00"), "CNY"),
    ("north.rep", "2026-11", "meals"): (2, *money("55.00", "30.00", "30.00"), "CNY"),
    ("north.rep", "2026-11", "transport"): (1, *money("120.00", "120.00", "120.00"), "CNY"),
    ("north.rep2", "2026-11", "lodging"): (1, *money("300.00", "300.00", "0"), "CNY"),
    ("south.rep", "2026-11", "meals"): (1, *money("50.00", "0", "0"), "CNY"),
}


def only(rows: dict[Any, Any], *logins: str | None) -> dict[Any, Any]:
    return {k: v for k, v in rows.items() if k[0] in logins}


@pytest.fixture
def scene(reports: Reports) -> Reports:
    reports.leave_world()
    reports.claims_world()
    return reports


# numbers --------------------------------------------------------------------------------


def test_leave_report_numbers_and_unit_totals(scene: Reports) -> None:
    got = scene.json("admin", "leave", year=2027)
    assert got["year"] == 2027
    assert leave_rows(got["items"]) == LEAVE
    assert len(got["items"]) == len(LEAVE)
    # each person's row is what their balances say
    for (login, _, code), amounts in LEAVE.items():
        assert login is not None
        b = scene.leave.balance(login, code, by="admin")
        assert tuple(b[k] for k in (*LEAVE_AMOUNTS, "available")) == amounts
    grouped = scene.json("north.manager", "leave", year=2027, group="unit")["items"]
    assert leave_rows(grouped) == {
        **only(LEAVE, "north.rep", "north.sup", "north.rep2"),
        **{k: v for k, v in TOTALS.items() if k[1] != SOUTH_A},
    }
    # each unit's total follows its people
    units = [i["org_unit"] for i in grouped]
    assert units == sorted(units, key=units.index)  # contiguous
    for unit in (NORTH_A, NORTH_B):
        rows = [i for i in grouped if i["org_unit"] == unit]
        assert all(i["login"] is None for i in rows[-len([r for r in rows if not r["login"]]) :])
    assert scene.json("admin", "leave", year=2026)["items"] == []


def test_leave_report_counts_lapsed_carried_days_as_the_balances_do(
    scene: Reports, db: Session
) -> None:
    admin = actor_for(db, scene.world.tenant.id, scene.id("admin"))
    after = datetime(2027, 4, 15, tzinfo=UTC)
    _, rows = service.leave_report(db, admin, year=2027, now=after)
    rep = next(r for r in rows if r.login == "north.rep" and r.leave_type == "annual")
    # 3 carried, 1.5 taken on 2 and 3 March (before the expiry): 1.5 lapse
    assert (rep.lapsed, rep.balance, rep.available) == (
        Decimal("1.5"),
        Decimal("9.5"),
        Decimal("8.5"),
    )
    balances = leave_service.staff_balances(db, admin, scene.id("north.rep"), year=2027, now=after)
    b = next(b for t, b in balances if t.code == "annual")
    assert (b.lapsed, b.balance, b.taken, b.pending) == (
        rep.lapsed,
        rep.balance,
        rep.taken,
        rep.pending,
    )


def test_claims_report_numbers_and_filters(scene: Reports) -> None:
    got = scene.json("admin", "travel-claims")["items"]
    assert claim_rows(got) == CLAIMS
    assert len(got) == len(CLAIMS)
    november = scene.json("admin", "travel-claims", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert claim_rows(november["items"]) == {k: v for k, v in CLAIMS.items() if k[1] == "2026-11"}
    paid = scene.json("group.finance", "travel-claims", status="paid")["items"]
    assert claim_rows(paid) == {
        **{k: v for k, v in CLAIMS.items() if k[0] == "north.rep" and k[1] == "2026-10"},
        ("north.rep", "2026-11", "meals"): (1, *money("30.00", "30.00", "30.00"), "CNY"),
        ("north.rep", "2026-11", "transport"): CLAIMS[("north.rep", "2026-11", "transport")],
    }
    drafts = scene.json("admin", "travel-claims", status="draft")["items"]
    assert claim_rows(drafts) == {
        ("north.rep", "2026-11", "transport"): (1, *money("500.00", "0", "0"), "CNY")
    }


# downloads --------------------------------------------------------------------------------


def same(row: dict[str, str], item: dict[str, Any]) -> bool:
    for key, value in item.items():
        cell = row[key]
        if value is None:
            ok = cell == ""
        elif isinstance(value, int | float) or key in MONEY:
            ok = Decimal(cell) == Decimal(str(value))
        else:
            ok = cell == str(value)
        if not ok:
            return False
    return True


@pytest.mark.parametrize(
    ("report", "params"),
    [("leave", {"year": 2027, "group": "unit"}), ("travel-claims", {"from": "2026-10-01"})],
)
def test_csv_and_xlsx_hold_the_json(scene: Reports, report: str, params: dict[str, Any]) -> None:
    items = scene.json("admin", report, **params)["items"]
    assert items
    columns = list(items[0])

    r = scene.get("admin", report, format="csv", **params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert disposition.endswith('.csv"')
    reader = csv.DictReader(io.StringIO(r.text))
    assert reader.fieldnames == columns
    rows = list(reader)
    assert len(rows) == len(items)
    assert all(same(row, item) for row, item in zip(rows, items, strict=True))

    r = scene.get("admin", report, format="xlsx", **params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert r.headers["content-disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == columns
    assert len(cells) == len(items) + 1
    for values, item in zip(cells[1:], items, strict=True):
        for key, value in zip(columns, values, strict=True):
            wanted = item[key]
            if wanted is None:
                assert value is None
            elif isinstance(wanted, int | float) or key in MONEY:
                assert isinstance(value, int | float), (key, value)
                assert Decimal(str(value)) == Decimal(str(wanted))
            else:
                assert value == str(wanted)
    assert sheet.column_dimensions["B"].width > 6


def test_formula_like_text_is_kept_as_text(scene: Reports, db: Session) -> None:
    scene.world.staff["north.rep"].name = "=HYPERLINK(1)"
    db.commit()
    r = scene.get("admin", "travel-claims", format="csv")
    names = {row["name"] for row in csv.DictReader(io.StringIO(r.text))}
    assert "'=HYPERLINK(1)" in names
    r = scene.get("admin", "leave", year=2027, format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("name")] for row in sheet.iter_rows(min_row=2)]
    formula = [c for c in cells if c.value == "=HYPERLINK(1)"]
    assert formula
    assert all(c.data_type == "s" for c in formula)


# scope ------------------------------------------------------------------------------------


def test_scope(scene: Reports) -> None:
    def leave(who: str, **params: Any) -> dict[Any, Any]:
        return leave_rows(scene.json(who, "leave", year=2027, **params)["items"])

    def claims(who: str, **params: Any) -> dict[Any, Any]:
        return claim_rows(scene.json(who, "travel-claims", **params)["items"])

    north = ("north.rep", "north.sup", "north.rep2")
    assert leave("north.manager") == only(LEAVE, *north)
    assert leave("north.sup") == only(LEAVE, "north.rep", "north.sup")
    assert leave("north.finance") == only(LEAVE, *north)
    assert leave("group.finance") == LEAVE
    assert claims("north.manager") == only(CLAIMS, *north)
    assert claims("south.manager") == only(CLAIMS, "south.rep")
    assert claims("north.sup") == only(CLAIMS, "north.rep")
    # a unit within scope
    north_b = scene.world.unit_id("north-b")
    assert leave("north.manager", org_unit=north_b) == only(LEAVE, "north.rep2")
    assert claims("admin", org_unit=scene.world.unit_id("north")) == only(CLAIMS, *north)
    # another branch, another tenant, an unknown unit: 404
    for who, unit in (
        ("north.manager", scene.world.unit_id("south")),
        ("north.sup", north_b),
        ("north.manager", scene.world.unit_id("root")),
        ("admin", scene.world.unit_id("other-root")),
        ("other.admin", scene.world.unit_id("north")),
        ("admin", str(uuid.uuid4())),
    ):
        for report in ("leave", "travel-claims"):
            r = scene.get(who, report, org_unit=unit)
            assert r.status_code == 404, (who, unit, report)
            assert r.json()["error"]["code"] == "not_found"
    # another tenant sees nothing of this one
    assert leave("other.admin") == {}
    assert claims("other.admin") == {}
    # reps are refused, even for themselves
    for report in ("leave", "travel-claims"):
        for fmt in ("json", "csv"):
            r = scene.get("north.rep", report, format=fmt)
            assert r.status_code == 403, report
            assert r.json()["error"]["code"] == "not_reporter"


def test_bad_input_is_refused_and_nothing_written(scene: Reports) -> None:
    before = (count(scene.db, LeaveEntry), count(scene.db, TravelClaim))
    for report, params in (
        ("leave", {"year": 1800}),
        ("leave", {"year": "x"}),
        ("leave", {"group": "team"}),
        ("leave", {"format": "pdf"}),
        ("leave", {"org_unit": "north"}),
        ("travel-claims", {"from": "2026-11-30", "to": "2026-11-01"}),
        ("travel-claims", {"from": "2026-13-01"}),
        ("travel-claims", {"to": "1800-01-01"}),
        ("travel-claims", {"status": "lost"}),
        ("travel-claims", {"format": "xls"}),
    ):
        r = scene.get("admin", report, **params)
        assert r.status_code == 422, (report, params, r.text)
        assert "error" in r.json()
    assert (count(scene.db, LeaveEntry), count(scene.db, TravelClaim)) == before


def test_a_tenant_without_the_module_is_refused(scene: Reports, db: Session) -> None:
    tenant = scene.world.tenant
    db.refresh(tenant)
    tenant.modules = [m for m in tenant.modules if m != "leave"]
    db.commit()
    assert scene.get("admin", "leave").status_code == 403
    assert scene.get("admin", "travel-claims").status_code == 200
