"""Options shared by the ``lp`` and ``pools`` commands, and opening a runtime from them."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from lpexec.app.cli.errors import UserError
from lpexec.app.cli.venue import WALLET_KEY

if TYPE_CHECKING:
    from lpexec.app.runtime import LPRuntime
    from lpexec.app.settings import Settings
    from lpexec.core import Engine, Executor, ExecutorInfo

__all__ = [
    "JSON_OPTION",
    "Connection",
    "check_new_file",
    "check_state_path",
    "confirm_write",
    "connection_options",
    "expect_executor",
    "read_store",
    "run_session",
]

T = TypeVar("T")
READ_ONLY_WALLET = "11111111111111111111111111111111"
"""The wallet a read-only command names to a real Gateway when none is set: the system program,
which signs nothing (reads of pools never use it)."""
JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of tables.")


@dataclass(frozen=True)
class Connection:
    """Where to act: a real Gateway (with TLS files) or the paper one, and which store."""

    gateway: str | None
    client_cert: Path | None
    client_key: Path | None
    ca_cert: Path | None
    wallet: str | None
    database: str | None
    paper_state: Path | None
    seed: int

    def settings(self) -> Settings:
        """The environment's settings with this command's options over them."""
        from lpexec.app.settings import Settings

        return Settings().model_copy(
            update={
                key: value
                for key, value in {
                    "gateway_url": self.gateway,
                    "gateway_client_cert": self.client_cert,
                    "gateway_client_key": self.client_key,
                    "gateway_ca_cert": self.ca_cert,
                    "wallet_address": self.wallet,
                }.items()
                if value is not None
            }
        )

    def database_url(self, settings: Settings | None = None) -> str:
        """The store's URL: ``--database``, else the environment's (or the default file)."""
        return self.database or (settings or self.settings()).resolved_database_url()

    async def open(self, *, read_only: bool = False) -> LPRuntime:
        """Open an LP runtime; on paper the chain is loaded from and saved to its state file.

        A real Gateway needs a wallet to act for, except for ``read_only`` commands (pools).

        Raises:
            UserError: a real Gateway and no wallet for a command that acts.
        """
        from lpexec.app.runtime import open_lp_runtime
        from lpexec.app.settings import PAPER_GATEWAY_STATE, data_file
        from lpexec.core.clock import LiveClock

        settings = self.settings()
        if settings.gateway_url and not settings.wallet_address:
            if not read_only:
                raise UserError(
                    "--wallet",
                    None,
                    "a wallet address to act for on a real Gateway",
                    message="--wallet: expected the wallet address to act for on the real "
                    f"Gateway {settings.gateway_url} (--wallet ADDRESS or "
                    "LPEXEC_WALLET_ADDRESS), received none",
                )
            settings = settings.model_copy(update={"wallet_address": READ_ONLY_WALLET})
        paper_state = None
        if not settings.gateway_url:
            state = self.paper_state or data_file(PAPER_GATEWAY_STATE)
            check_state_path(state)
            paper_state = str(state)
        return await open_lp_runtime(
            database_url=self.database_url(settings),
            settings=settings,
            clock=LiveClock(),
            seed=self.seed,
            paper_state_file=paper_state,
            risk=settings.risk_engine(),
        )


def check_state_path(path: Path, *, option: str = "--paper-state") -> None:
    """Refuse, before any work, a state file path that is a directory or whose folder cannot be
    made (a missing folder is created on save; one under a file or where nothing may be written
    cannot be).

    Raises:
        ValueError: naming the option, the path and what was expected.
    """
    if path.is_dir():
        raise ValueError(f"{option}: expected a file, received the directory {str(path)!r}")
    ancestor = path.absolute().parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UserError(
            option, str(path), "a file path", hint=f"{str(ancestor)!r} is a file, not a folder"
        )
    if not path.exists() and not os.access(ancestor, os.W_OK | os.X_OK):
        raise UserError(
            option, str(path), "a file path", hint=f"nothing may be written in {str(ancestor)!r}"
        )


def check_new_file(path: Path, *, option: str) -> None:
    """Refuse, before any work, a file to write whose folder does not exist or that is a
    directory.

    Raises:
        UserError: naming the option, the path and what was expected.
    """
    if path.is_dir():
        raise UserError(option, str(path), "a file to write, not a directory")
    if not path.parent.is_dir():
        raise UserError(
            option,
            str(path),
            "a file in an existing folder",
            hint=f"the folder {str(path.parent)!r} does not exist",
        )


GATEWAY_OPTION = typer.Option(
    None, "--gateway", help="Gateway URL (default LPEXEC_GATEWAY_URL; unset: paper Gateway)."
)
CLIENT_CERT_OPTION = typer.Option(
    None, "--client-cert", help="Client certificate for Gateway's mTLS."
)
CLIENT_KEY_OPTION = typer.Option(None, "--client-key", help="Client key for Gateway's mTLS.")
CA_CERT_OPTION = typer.Option(
    None, "--ca-cert", help="CA bundle that signed Gateway's certificate."
)
WALLET_OPTION = typer.Option(None, "--wallet", help="Wallet address (real Gateway).")
DATABASE_OPTION = typer.Option(None, "--database", help="Store URL (default LPEXEC_DATABASE_URL).")
PAPER_STATE_OPTION = typer.Option(
    None, "--paper-state", help="Paper chain state file (default: in the user data directory)."
)
SEED_OPTION = typer.Option(0, "--seed", help="Seed of a new paper chain.")


def connection_options(
    ctx: typer.Context,
    gateway: str | None = GATEWAY_OPTION,
    client_cert: Path | None = CLIENT_CERT_OPTION,
    client_key: Path | None = CLIENT_KEY_OPTION,
    ca_cert: Path | None = CA_CERT_OPTION,
    wallet: str | None = WALLET_OPTION,
    database: str | None = DATABASE_OPTION,
    paper_state: Path | None = PAPER_STATE_OPTION,
    seed: int = SEED_OPTION,
) -> None:
    """Where to act: a real Gateway (``--gateway`` or LPEXEC_GATEWAY_URL) or the paper one."""
    ctx.obj = Connection(
        gateway, client_cert, client_key, ca_cert, wallet, database, paper_state, seed
    )


YES_OPTION = typer.Option(
    False, "--yes", "-y", help="Do not ask for confirmation before writing on a real Gateway."
)


def confirm_write(ctx: typer.Context, action: str, *, yes: bool) -> None:
    """On a real Gateway, ask before ``action`` (``--yes`` skips the question; without a terminal
    to ask, ``--yes`` is required). The paper Gateway never asks.

    Raises:
        UserError: no terminal and no ``--yes``.
        typer.Abort: the user said no.
    """
    settings = ctx.obj.settings()
    if not settings.gateway_url or yes:
        return
    where = f"the real Gateway {settings.gateway_url} (wallet {settings.wallet_address or 'unset'})"
    if not sys.stdin.isatty():
        raise UserError(
            "--yes",
            None,
            f"--yes to {action} on {where}",
            message=f"--yes: expected --yes to {action} on {where}: there is no terminal to ask",
        )
    if not typer.confirm(f"{action} on {where}?", default=False):
        raise typer.Abort()


def run_session(
    ctx: typer.Context, work: Callable[[LPRuntime], Awaitable[T]], *, read_only: bool = False
) -> T:
    """Open the command's runtime (from the connection options), run ``work`` on it, close it.

    ``read_only``: ``work`` only reads the venue (no wallet needed on a real Gateway)."""
    connection: Connection = ctx.obj

    async def main() -> T:
        runtime = await connection.open(read_only=read_only)
        if not read_only:
            ctx.meta[WALLET_KEY] = runtime.wallet
        try:
            return await work(runtime)
        finally:
            await runtime.aclose()

    return asyncio.run(main())


_TYPE_LABELS = {"lp": "an LP", "swap": "a swap", "order": "an order"}


def expect_executor(
    engine: Engine, executor_id: str, executor_type: str, *, open_only: bool = False
) -> ExecutorInfo:
    """The report of ``executor_id``, refused unless it is of ``executor_type`` (and, with
    ``open_only``, not terminated yet); checked before anything is sent or written.

    Raises:
        UserError: naming the id, what it is and its state.
    """
    label = f"{_TYPE_LABELS.get(executor_type, f'a {executor_type}')} executor"
    if not engine.has_executor(executor_id):
        raise UserError(
            "executor id", executor_id, f"the id of {label} in the store", hint=STORE_HINT
        )
    info = engine.info(executor_id)
    if info.type != executor_type:
        raise UserError(
            "executor id",
            executor_id,
            f"the id of {label}",
            hint=f"it is {_TYPE_LABELS.get(info.type, f'a {info.type}')} executor, "
            f"{info.status.value}; see it with: lpexec executors show {executor_id}",
        )
    if open_only and info.status.value == "TERMINATED":
        closed = info.close_type.value if info.close_type else "no close type"
        raise UserError(
            "executor id",
            executor_id,
            f"{label} still open",
            hint=f"it is already TERMINATED ({closed}): nothing to close",
        )
    return info


STORE_HINT = "list them with: lpexec executors list"


def read_store(
    ctx: typer.Context,
    work: Callable[[Engine], T],
    executor_types: Iterable[type[Executor[Any, Any]]] | None = None,
) -> T:
    """Run ``work`` on an engine over the store alone: no Gateway, no paper chain is opened
    (listing executors neither needs nor waits for a venue). ``executor_types``: the types
    whose reports ``work`` reads (default: every type)."""
    from lpexec.core import Database, Engine
    from lpexec.core.clock import LiveClock

    connection: Connection = ctx.obj
    if connection.paper_state is not None:
        check_state_path(connection.paper_state)
    database = Database.open(connection.database_url())
    try:
        if executor_types is None:
            from lpexec.app.registry import EXECUTOR_TYPES

            executor_types = EXECUTOR_TYPES
        engine = Engine(
            database=database, clock=LiveClock(), executor_types=executor_types, venues={}
        )
        return work(engine)
    finally:
        database.close()
