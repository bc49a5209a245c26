"""The yardstick: about the least a Flask + SQLAlchemy POST can cost here (one row into a
small table of its own database, same SQLite settings as the app), served by gunicorn with the
same settings, so "X% of bare" says what the hire form's own work costs.

Served as `gunicorn 'bench.bare_app:create_app()'` with BARE_DATABASE_URL set, after
`create_schema`."""

import os
import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Ping(db.Model):
    __tablename__ = "bare_pings"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime]


def _tune_sqlite(dbapi_connection, _record) -> None:
    """WAL and synchronous=NORMAL, as the app's own connections get."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        dbapi_connection.execute("PRAGMA busy_timeout=15000")


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url or os.environ["BARE_DATABASE_URL"]
    db.init_app(app)
    with app.app_context():
        sa.event.listen(db.engine, "connect", _tune_sqlite)

    @app.post("/ping")
    def ping():
        db.session.add(
            Ping(email=request.form["email"], created_at=datetime.now(UTC).replace(tzinfo=None))
        )
        db.session.commit()
        return "", 204

    return app


def create_schema(url: str) -> None:
    """Once, before gunicorn starts: workers racing create_all would trip over each other."""
    app = create_app(url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
