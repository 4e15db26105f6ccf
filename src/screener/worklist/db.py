"""Tables of the worklist (SQLAlchemy 2 declarative) and opening a database.

``open_database(url)`` creates or upgrades the schema with the Alembic migrations in
``migrations/`` (the same on SQLite and PostgreSQL), then returns an ``Engine``. A bare
path (``worklist.db``) means a SQLite file. Nothing is ever deleted: a decision or a
review state is superseded by a newer row, never updated in place.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..errors import InputError

REVIEW_STATES = ("new", "in_review", "done")
VERDICTS = ("met", "not_met", "missing")


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Case(Base):
    """One screened case: the screener's record (any shape ``screen`` writes, stored as loaded)."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(200), unique=True)
    service_date: Mapped[_dt.date | None] = mapped_column(Date)
    request_type: Mapped[str | None] = mapped_column(String(40))
    indication: Mapped[str | None] = mapped_column(String(40))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(String(400))
    loaded_at: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseNote(Base):
    """A note of a case, with its text (the case view highlights spans in it)."""

    __tablename__ = "notes"
    __table_args__ = (UniqueConstraint("case_id", "note_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    note_id: Mapped[str] = mapped_column(String(200))
    note_date: Mapped[_dt.date | None] = mapped_column(Date)
    kind: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)


class PayerStatus(Base):
    """The screener's status per case and payer, and its missing keys as ``,a,b,`` (for filters)."""

    __tablename__ = "payer_statuses"
    __table_args__ = (UniqueConstraint("case_id", "payer"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    payer: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(40))
    missing: Mapped[str] = mapped_column(Text, default=",")


class Decision(Base):
    """A reviewer's verdict on one criterion's finding: ``met``, ``not_met`` or ``missing``,
    the value it stands for (``value`` and ``bound``), why, and the spans chosen."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    verdict: Mapped[str] = mapped_column(String(20))
    value: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"value": v, "bound": ">=" | None}
    payer: Mapped[str | None] = mapped_column(String(40))
    criterion_id: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    spans: Mapped[list[Any]] = mapped_column(JSON)  # [{"note_id", "start", "end", "text"}]
    reviewer: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewState(Base):
    """A case's review state over time (``new`` -> ``in_review`` -> ``done``); the latest row wins."""

    __tablename__ = "review_states"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    reviewer: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[_dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def database_url(url: str | Path) -> str:
    """``sqlite:///...`` for a bare path; a SQLAlchemy URL as given otherwise (the password is never printed)."""
    text = str(url)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    return text


def safe_url(url: str) -> str:
    """The URL for messages, password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def open_database(url: str | Path, *, migrate: bool = True) -> Engine:
    """An engine on ``url`` with the schema at the newest migration (created if new)."""
    text = database_url(url)
    try:
        engine = create_engine(text, future=True)
    except (ArgumentError, ImportError) as exc:
        raise InputError(f"cannot open database {safe_url(text)} ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as exc:
            raise InputError(f"cannot open database {safe_url(text)} ({str(exc.orig).splitlines()[0][:160]})") from None
    return engine


def upgrade(engine: Engine) -> None:
    """Run the Alembic migrations up to head on ``engine`` (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_version(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
