"""API tokens: created once, stored hashed, each for the operator or for one controller.

A token reads ``lpx_<token id>_<secret>``: the id (12 hex digits) finds its row, and the SHA-256
of the whole token is compared with the stored hash in constant time. The secret is 32 random
bytes; it is shown once, by :meth:`TokenStore.create`, and never stored. A revoked token stays in
the table (so ``tokens list`` shows it) and is refused.

The table (``api_tokens``) lives in the store's database and is created when missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection, Row

from lpexec.core import Database
from lpexec.core.clock import Clock, LiveClock

__all__ = ["TOKEN_PREFIX", "TokenInfo", "TokenStore", "api_tokens_table", "hash_token"]

TOKEN_PREFIX = "lpx_"
"""Every API token starts with this, so it is recognised (and found by secret scanners)."""

_TOKEN_SHAPE = re.compile(r"^lpx_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_CONTROLLER_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")


api_tokens_table = Table(
    "api_tokens",
    MetaData(),
    Column("token_id", String(12), primary_key=True),
    Column("token_sha256", String(64), nullable=False),
    # NULL: an operator token (every controller).
    Column("controller_id", String(128)),
    Column("label", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)
"""One API token: its id, the SHA-256 of the token, its scope, when it was made and revoked."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What may be shown about a token: never the token itself."""

    token_id: str
    controller_id: str | None
    """None for an operator token."""
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def scope(self) -> str:
        """``operator`` or ``controller:<id>``."""
        return "operator" if self.controller_id is None else f"controller:{self.controller_id}"


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """Create, verify, list and revoke API tokens in the store's database.

    Args:
        database: the open store (its ``api_tokens`` table is created when missing).
        clock: the one clock (creation and revocation times).

    Example:
        >>> store = TokenStore(Database.open("sqlite:///lpexec.db"))
        >>> info, token = store.create(controller_id="agent-1")
        >>> store.verify(token).controller_id
        'agent-1'
    """

    def __init__(self, database: Database, *, clock: Clock | None = None) -> None:
        self._database = database
        self._clock = clock or LiveClock()
        api_tokens_table.create(database.engine, checkfirst=True)

    def create(
        self, *, controller_id: str | None, label: str | None = None
    ) -> tuple[TokenInfo, str]:
        """Make a token for ``controller_id`` (None: the operator); return it with its info.

        The token is returned once, here; only its hash is stored.

        Raises:
            ValueError: the controller id is empty or has characters other than letters,
                digits and ``_ . : -``.
        """
        if controller_id is not None and not _CONTROLLER_SHAPE.match(controller_id):
            raise ValueError(
                "controller_id: expected 1 to 128 letters, digits or '_.:-' (starting with a "
                f"letter or digit), received {controller_id!r}"
            )
        token_id = secrets.token_hex(6)
        token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        info = TokenInfo(
            token_id=token_id,
            controller_id=controller_id,
            label=label,
            created_at=self._clock.now(),
            revoked_at=None,
        )
        with self._database.begin() as connection:
            connection.execute(
                insert(api_tokens_table).values(
                    token_id=info.token_id,
                    token_sha256=hash_token(token),
                    controller_id=info.controller_id,
                    label=info.label,
                    created_at=info.created_at,
                )
            )
        return info, token

    def verify(self, token: str) -> TokenInfo | None:
        """The info of a valid, unrevoked token; None for anything else."""
        match = _TOKEN_SHAPE.match(token)
        if match is None:
            return None
        with self._database.connect() as connection:
            row = _row(connection, match.group(1))
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.token_sha256, hash_token(token)):
            return None
        return _info_of(row)

    def all_tokens(self) -> list[TokenInfo]:
        """Every token (revoked ones too), oldest first."""
        table = api_tokens_table
        with self._database.connect() as connection:
            rows = connection.execute(select(table).order_by(table.c.created_at)).all()
        return [_info_of(row) for row in rows]

    def revoke(self, token_id: str) -> TokenInfo:
        """Refuse this token from now on; return its info.

        Raises:
            LookupError: no token has this id.
        """
        table = api_tokens_table
        with self._database.begin() as connection:
            row = _row(connection, token_id)
            if row is None:
                raise LookupError(f"token_id: expected the id of a token, received {token_id!r}")
            info = _info_of(row)
            if info.revoked_at is None:
                info = replace(info, revoked_at=self._clock.now())
                connection.execute(
                    update(table)
                    .where(table.c.token_id == token_id)
                    .values(revoked_at=info.revoked_at)
                )
            return info


def _row(connection: Connection, token_id: str) -> Row[Any] | None:
    table = api_tokens_table
    return connection.execute(select(table).where(table.c.token_id == token_id)).first()


def _info_of(row: Row[Any]) -> TokenInfo:
    return TokenInfo(
        token_id=row.token_id,
        controller_id=row.controller_id,
        label=row.label,
        created_at=_aware(row.created_at),
        revoked_at=None if row.revoked_at is None else _aware(row.revoked_at),
    )


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes; every one stored here was UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
