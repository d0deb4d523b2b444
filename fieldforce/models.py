"""Imports every domain's models so that the metadata (and alembic) sees all tables."""

from fieldforce.approvals.models import ApprovalEvent, ApprovalFlow, ApprovalRequest, Delegation
from fieldforce.attachments.models import Attachment
from fieldforce.attendance.models import (
    Attendance,
    AttendanceDay,
    AttendancePeriod,
    AttendancePolicy,
    Correction,
    Punch,
    ZoneWifi,
)
from fieldforce.audit.models import AuditEntry
from fieldforce.auth.models import LoginAttempt
from fieldforce.customers.models import Customer, StageChange
from fieldforce.db import Base
from fieldforce.devices.models import Device
from fieldforce.duty.models import DutyException, DutySchedule
from fieldforce.inspections.models import CorrectiveAction, Inspection, InspectionTemplate
from fieldforce.leave.models import LeaveAllocation, LeaveEntry, LeaveRequest, LeaveType
from fieldforce.monitoring.models import MonitorState, ZoneEvent
from fieldforce.notify.models import InboxItem, Notice, OutboxMessage, Task, TaskEvent
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.plans.models import PlanRule, PlanStop, WorkPlan
from fieldforce.tenancy.models import Tenant
from fieldforce.tracking.models import DeviceReport, LatestPosition, LocateRequest, Ping
from fieldforce.travel.models import TravelClaim, TravelLeg, TravelLine
from fieldforce.visits.models import Visit
from fieldforce.zones.models import Zone, ZoneAssignment

__all__ = [
    "ApprovalEvent",
    "ApprovalFlow",
    "ApprovalRequest",
    "Attachment",
    "Attendance",
    "AttendanceDay",
    "AttendancePeriod",
    "AttendancePolicy",
    "AuditEntry",
    "Base",
    "Correction",
    "CorrectiveAction",
    "Customer",
    "Delegation",
    "Device",
    "DeviceReport",
    "DutyException",
    "DutySchedule",
    "InboxItem",
    "Inspection",
    "InspectionTemplate",
    "LatestPosition",
    "LeaveAllocation",
    "LeaveEntry",
    "LeaveRequest",
    "LeaveType",
    "LocateRequest",
    "LoginAttempt",
    "MonitorState",
    "Notice",
    "OrgUnit",
    "OutboxMessage",
    "Ping",
    "PlanRule",
    "PlanStop",
    "Punch",
    "Staff",
    "StageChange",
    "Task",
    "TaskEvent",
    "Tenant",
    "TravelClaim",
    "TravelLeg",
    "TravelLine",
    "Visit",
    "WorkPlan",
    "Zone",
    "ZoneAssignment",
    "ZoneEvent",
    "ZoneWifi",
]
