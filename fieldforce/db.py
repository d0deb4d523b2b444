"""Engine, sessions, declarative base and the column types shared by every domain."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg2.extensions
from sqlalchemy import (
    ColumnElement,
    DateTime,
    ForeignKey,
    MetaData,
    Select,
    create_engine,
    func,
    or_,
    text,
)
from sqlalchemy.dialects.postgresql import base as postgresql_base
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import UserDefinedType

from fieldforce.errors import Conflict, FieldforceError

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LTree(UserDefinedType[str]):
    """PostgreSQL ``ltree``: the materialized path of the org tree."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "LTREE"


# so that reflection (alembic's model/migration comparison) knows the type
postgresql_base.ischema_names["ltree"] = LTree


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def tenant_fk() -> Any:
    return ForeignKey("tenant.id", ondelete="CASCADE")


class TenantOwned:
    """Columns every tenant-owned table starts with: ``(tenant_id, id)`` is its primary key."""

    tenant_id: Mapped[uuid.UUID] = mapped_column(tenant_fk(), primary_key=True, sort_order=-20)
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=new_id, server_default=text("gen_random_uuid()"), sort_order=-10
    )


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), sort_order=100
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), sort_order=100
    )


def _read_timestamptz(value: str | bytes | None, cursor: Any) -> datetime | None:
    """PostgreSQL's timestamptz reaches far past Python's year 9999: a row written before
    times were checked at the boundary reads as psycopg2 reads ``infinity``, rather than
    failing every query that touches it."""
    try:
        parsed: datetime | None = psycopg2.extensions.PYDATETIMETZ(value, cursor)
    except ValueError:
        return (
            datetime.min.replace(tzinfo=UTC)
            if "BC" in str(value)
            else datetime.max.replace(tzinfo=UTC)
        )
    return parsed


psycopg2.extensions.register_type(
    psycopg2.extensions.new_type((1184,), "TIMESTAMPTZ_IN_RANGE", _read_timestamptz)
)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No ping per checkout (a round trip on every request): a connection found dead
        # fails its request and SQLAlchemy then discards the whole stale pool.
        pool_pre_ping=False,
        connect_args={"application_name": "fieldforce"},
        # errors and logs never show bound values: they may be passwords or secrets
        hide_parameters=True,
        # UPDATEs flushed together (a sweep's state rows) go in pages, not one by one
        executemany_mode="values_plus_batch",
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def owned_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that owns its transaction: committed when the block ends, rolled back when
    it raises, unless the error's work is kept (``FieldforceError.kept``: a failed sign-in
    recorded so that the next guesses wait). Requests (through the API's session
    dependency), CLI commands and background jobs all use it."""
    session = factory()
    try:
        yield session
        session.commit()
    except FieldforceError as exc:
        if exc.keeps_work:  # a refusal that must be remembered, e.g. a failed sign-in
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def substring_match(q: str, *columns: Any) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``q``, in any case. ``%``, ``_`` and ``\\`` in ``q`` match
    themselves: LIKE wildcards typed by a user are not wildcards."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(column.ilike(f"%{escaped}%", escape="\\") for column in columns))


_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))")


def lock_for_transaction(session: Session, name: str) -> None:
    """Serialize work on ``name`` across processes until the transaction ends (a PostgreSQL
    transaction-scoped advisory lock on the name's 64-bit hash)."""
    session.execute(_ADVISORY_LOCK, {"name": name})


def refuse_clash(
    session: Session, clashing: Select[Any], message: str, *, code: str, name: str
) -> None:
    """Refuse to make a record that would clash with one already there: ``clashing``
    selects the ids of such records, and the first found is named in the 409's details."""
    found = session.scalar(clashing.limit(1))
    if found is not None:
        raise Conflict(message, code=code, details={name: str(found)})
