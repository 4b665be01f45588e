"""The people who run the app (operators): kept in the app's database with argon2 password
hashes, each with the client scope chosen in the "switch client" control.

The table lives beside calstack's own tables, on the same database URL (SQLite or
PostgreSQL), through SQLAlchemy Core.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from .errors import BadInput

metadata = MetaData()

operators_table = Table(
    "flask_operators",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(150), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("client_scope", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,150}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

#: A hash checked when the username is unknown, so both answers take the same time.
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("calstack-no-such-operator")


@dataclass(frozen=True)
class Operator:
    """A signed-in person; ``client_scope`` is one client's id, or None for every client."""

    id: int
    username: str
    client_scope: Optional[str]


def sqlalchemy_url(database_url: str) -> str:
    """The SQLAlchemy URL for calstack's database URL (``sqlite://PATH``, ``postgres://...``)."""
    scheme, _, rest = database_url.partition(":")
    if scheme == "sqlite":
        if rest.startswith(":memory:") or rest in ("", "//"):
            return "sqlite://"
        path = rest[2:] if rest.startswith("//") else rest
        return "sqlite:///" + path.split("?", 1)[0]
    if scheme in ("postgres", "postgresql"):
        return "postgresql+psycopg:" + rest
    raise BadInput("DATABASE_URL", "operators need an sqlite:// or postgres:// database URL")


class Operators:
    """The operator table: create, authenticate, read, and remember each one's client scope."""

    def __init__(self, database_url: str, hasher: Optional[PasswordHasher] = None) -> None:
        self._engine: Engine = create_engine(sqlalchemy_url(database_url), pool_pre_ping=True)
        self._hasher = hasher or _hasher
        self._ready = False
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (also used by the health check)."""
        return self._engine

    def prepare(self) -> None:
        """Creates the table if it is missing (safe when several processes race to do it)."""
        if self._ready:
            return
        with self._lock:
            try:
                metadata.create_all(self._engine)
            except (IntegrityError, ProgrammingError, OperationalError):
                # Another process created it between our check and our CREATE.
                metadata.create_all(self._engine)
            self._ready = True

    def create(self, username: str, password: str) -> Operator:
        """A new operator; 400 naming the field for a bad name, a short password or a taken name."""
        if not USERNAME.match(username):
            raise BadInput("username", "use 1-150 letters, digits or . _ @ -")
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise BadInput("password", f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long")
        self.prepare()
        try:
            with self._engine.begin() as db:
                db.execute(insert(operators_table).values(username=username, password_hash=self._hasher.hash(password)))
        except IntegrityError:
            raise BadInput("username", "is already taken") from None
        found = self.by_name(username)
        if found is None:  # pragma: no cover - the row was just written
            raise BadInput("username", "could not be stored")
        return found

    def set_password(self, username: str, password: str) -> None:
        """Replaces an operator's password."""
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise BadInput("password", f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long")
        self.prepare()
        with self._engine.begin() as db:
            changed = db.execute(
                update(operators_table)
                .where(operators_table.c.username == username)
                .values(password_hash=self._hasher.hash(password))
            ).rowcount
        if not changed:
            raise BadInput("username", "no such operator")

    def authenticate(self, username: str, password: str) -> Optional[Operator]:
        """The operator when the password matches, else None (same work either way)."""
        self.prepare()
        with self._engine.connect() as db:
            row = db.execute(select(operators_table).where(operators_table.c.username == username)).first()
        stored = row.password_hash if row is not None else _DUMMY_HASH
        try:
            self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if self._hasher.check_needs_rehash(stored):
            with self._engine.begin() as db:
                db.execute(
                    update(operators_table)
                    .where(operators_table.c.id == row.id)
                    .values(password_hash=self._hasher.hash(password))
                )
        return Operator(row.id, row.username, row.client_scope)

    def get(self, operator_id: int) -> Optional[Operator]:
        """The operator with this id, or None."""
        self.prepare()
        with self._engine.connect() as db:
            row = db.execute(select(operators_table).where(operators_table.c.id == operator_id)).first()
        return Operator(row.id, row.username, row.client_scope) if row is not None else None

    def by_name(self, username: str) -> Optional[Operator]:
        """The operator with this name, or None."""
        self.prepare()
        with self._engine.connect() as db:
            row = db.execute(select(operators_table).where(operators_table.c.username == username)).first()
        return Operator(row.id, row.username, row.client_scope) if row is not None else None

    def set_scope(self, operator_id: int, client_id: Optional[str]) -> None:
        """Remembers the client the operator works on (None: every client)."""
        self.prepare()
        with self._engine.begin() as db:
            db.execute(
                update(operators_table).where(operators_table.c.id == operator_id).values(client_scope=client_id)
            )
