"""Declarative base with a naming convention (so migrations name every constraint the same on
SQLite and PostgreSQL) and the SQLite settings a web server needs."""

import enum
import math
import sqlite3
from contextvars import ContextVar
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITING = ContextVar("writing", default=False)
"""True while a use case (or the sender) writes: SQLite then begins as a writer."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def str_enum(enum_class: type[enum.Enum]) -> sa.Enum:
    """Enums stored as their string values in a VARCHAR: one set of migrations for both
    databases, and readable rows."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=30,
        values_callable=lambda members: [member.value for member in members],
    )


def utcnow() -> datetime:
    """Naive UTC: the one shape of timestamp stored on both databases."""
    return datetime.now(UTC).replace(tzinfo=None)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, _record) -> None:
    """WAL lets readers run beside the writer; the busy timeout (the `timeout` connect
    argument) makes writers queue; we issue BEGIN ourselves (isolation_level=None) so that it
    can be IMMEDIATE; lower() folds every letter, as PostgreSQL's does."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value):
    """SQLite's own lower() folds ASCII only: "Émile" would not match a search for "émile"."""
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    """A use case (core.unit_of_work) takes SQLite's write lock up front with BEGIN
    IMMEDIATE: a deferred transaction that later writes can fail at once with "database is
    locked" instead of waiting its turn. Everything else reads: a deferred transaction, which
    in WAL mode never waits for a writer."""
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if WRITING.get() else "BEGIN")


def database_url(raw: str | None, instance_path: str) -> str:
    """`postgresql://` means psycopg 3; no URL means SQLite in the instance folder."""
    if not raw:
        return f"sqlite:///{instance_path}/app.db"
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    return raw


def engine_options(
    url: str,
    connect_timeout: float = 5.0,
    statement_timeout: float = 30.0,
    busy_timeout: float = 15.0,
) -> dict:
    """SQLite waits its busy timeout for the write lock. PostgreSQL gives up connecting after
    `connect_timeout` seconds (libpq's minimum is 2) and cancels a statement running longer
    than `statement_timeout`, so a database that stops answering makes requests fail fast
    (503) instead of piling up. SQLite writers wait `busy_timeout` seconds for the write lock
    (sqlite3's busy handler)."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": busy_timeout}}
    # Server-side prepared statements would get generic plans that cannot use the
    # prefix indexes behind search.
    return {
        "pool_pre_ping": True,
        "pool_timeout": connect_timeout,
        "connect_args": {
            "prepare_threshold": None,
            "connect_timeout": max(2, math.ceil(connect_timeout)),
            "options": f"-c statement_timeout={int(statement_timeout * 1000)}",
        },
    }
