"""The cell database: where each mobile network cell is, as OpenCelliD and Mozilla's
ichnaea publish it. Reference data shared by every tenant (no tenant_id)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, Float, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base


class Radio(StrEnum):
    GSM = "GSM"
    UMTS = "UMTS"
    CDMA = "CDMA"
    LTE = "LTE"
    NR = "NR"


class Cell(Base):
    __tablename__ = "cell"

    radio: Mapped[str] = mapped_column(String(5), primary_key=True)
    mcc: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    mnc: Mapped[int] = mapped_column(Integer, primary_key=True)  # "net" in the files
    area: Mapped[int] = mapped_column(Integer, primary_key=True)  # LAC or TAC
    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit: Mapped[int | None] = mapped_column(Integer)  # PSC or PCI
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    range_m: Mapped[int] = mapped_column(Integer)
    samples: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_cell_region", "mcc", "mnc"),)
