import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import str_enum, utcnow
from core.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    SALES = "sales"
    FINANCE = "finance"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    last_assigned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class ApiToken(db.Model):
    """Only a SHA-256 of the token is kept: a database leak gives no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
