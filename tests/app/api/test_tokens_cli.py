"""``lpexec tokens``: create prints the token once, list never shows it, revoke refuses it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lpexec.app.api import TokenStore
from lpexec.app.cli.tokens import tokens_app
from lpexec.core import ConfigError, Database

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(tokens_app, list(args), catch_exceptions=True)


def test_create_prints_a_working_token_once_and_list_never_shows_it(sqlite_url):
    # Act
    created = invoke(
        "create", "--controller", "agent-1", "--label", "bot", "--database", sqlite_url
    )
    listed = invoke("list", "--json", "--database", sqlite_url)

    # Assert: the token printed verifies with its scope; the list has its id, not the token
    assert created.exit_code == 0, created.output
    token = created.stdout.splitlines()[0]
    database = Database.open(sqlite_url)
    try:
        assert TokenStore(database).verify(token).controller_id == "agent-1"
    finally:
        database.close()
    rows = json.loads(listed.stdout)
    assert [(row["scope"], row["label"], row["revoked_at"]) for row in rows] == [
        ("controller:agent-1", "bot", None)
    ]
    assert token not in listed.stdout and token.split("_")[1] == rows[0]["token_id"]
    table = invoke("list", "--database", sqlite_url)
    assert rows[0]["token_id"] in table.stdout and token not in table.stdout


def test_revoke_refuses_the_token_from_then_on(sqlite_url):
    created = json.loads(invoke("create", "--operator", "--json", "--database", sqlite_url).stdout)

    revoked = invoke("revoke", created["token_id"], "--database", sqlite_url)

    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    database = Database.open(sqlite_url)
    try:
        assert TokenStore(database).verify(created["token"]) is None
    finally:
        database.close()
    assert created["scope"] == "operator"


@pytest.mark.parametrize(
    "args",
    [
        ("create",),
        ("create", "--operator", "--controller", "a"),
    ],
)
def test_create_wants_exactly_one_scope(sqlite_url, args):
    result = invoke(*args, "--database", sqlite_url)
    assert isinstance(result.exception, ConfigError)
    assert "--controller" in str(result.exception) and "--operator" in str(result.exception)


def test_revoke_of_an_unknown_id_is_a_clear_error(sqlite_url):
    result = invoke("revoke", "abcdefabcdef", "--database", sqlite_url)
    assert isinstance(result.exception, ConfigError)
    assert "abcdefabcdef" in str(result.exception)
