"""``lpexec tokens``: create, list and revoke the API's tokens (stored hashed in the store).

``create`` prints the token once (it cannot be shown again); ``list`` shows ids and scopes, never
tokens; ``revoke`` refuses a token from then on.
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from lpexec.app.api.tokens import TokenInfo, TokenStore
from lpexec.app.settings import Settings
from lpexec.app.timestamps import utc_text
from lpexec.core import ConfigError, Database

__all__ = ["tokens_app"]

tokens_app = typer.Typer(no_args_is_help=True)
console = Console()

DATABASE_OPTION = typer.Option(
    None, "--database", help="Store URL (default: LPEXEC_DATABASE_URL, else the user's SQLite)."
)


def _store(database_url: str | None) -> tuple[Database, TokenStore]:
    database = Database.open(database_url or Settings().resolved_database_url())
    return database, TokenStore(database)


def _row(info: TokenInfo) -> dict[str, object]:
    return {
        "token_id": info.token_id,
        "scope": info.scope,
        "controller_id": info.controller_id,
        "label": info.label,
        "created_at": utc_text(info.created_at),
        "revoked_at": utc_text(info.revoked_at) if info.revoked_at else None,
    }


@tokens_app.command("create")
def create_command(
    controller: str | None = typer.Option(
        None, "--controller", help="Scope the token to this controller_id."
    ),
    operator: bool = typer.Option(False, "--operator", help="A token for every controller."),
    label: str | None = typer.Option(None, "--label", help="A note shown by `tokens list`."),
    database: str | None = DATABASE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Make a token and print it once (only its hash is stored)."""
    if operator == (controller is not None):
        raise ConfigError("tokens create: expected exactly one of --controller ID or --operator")
    db, store = _store(database)
    try:
        info, token = store.create(controller_id=controller, label=label)
    finally:
        db.close()
    if as_json:
        typer.echo(json.dumps({**_row(info), "token": token}))
        return
    typer.echo(token)
    typer.echo(
        f"token {info.token_id} ({info.scope}); shown once: keep it now. "
        "Send it as `Authorization: Bearer <token>`"
        + (
            f" or HTTP Basic {info.controller_id}:<token>."
            if info.controller_id is not None
            else "."
        ),
        err=True,
    )


@tokens_app.command("list")
def list_command(
    database: str | None = DATABASE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show every token's id, scope and dates (never the token)."""
    db, store = _store(database)
    try:
        infos = store.all_tokens()
    finally:
        db.close()
    if as_json:
        typer.echo(json.dumps([_row(info) for info in infos], indent=2))
        return
    table = Table(title="API tokens")
    for column in ("id", "scope", "label", "created", "revoked"):
        table.add_column(column)
    for info in infos:
        table.add_row(
            info.token_id,
            info.scope,
            info.label or "",
            utc_text(info.created_at, timespec="seconds"),
            utc_text(info.revoked_at, timespec="seconds") if info.revoked_at else "",
        )
    console.print(table)


@tokens_app.command("revoke")
def revoke_command(
    token_id: str = typer.Argument(..., help="The token's id (see `tokens list`)."),
    database: str | None = DATABASE_OPTION,
) -> None:
    """Refuse a token from now on."""
    db, store = _store(database)
    try:
        info = store.revoke(token_id)
    except LookupError as e:
        raise ConfigError(str(e)) from None
    finally:
        db.close()
    typer.echo(f"token {info.token_id} ({info.scope}) revoked")
