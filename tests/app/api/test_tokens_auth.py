"""API tokens (hashed, scoped, revocable) and the credentials ApiAuth accepts or refuses."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from lpexec.app.api import ApiAuth, ApiSettings, AuthError, TokenStore
from lpexec.app.api.tokens import api_tokens_table, hash_token
from lpexec.core import Database, SimulatedClock


@pytest.fixture
def database(sqlite_url):
    database = Database.open(sqlite_url)
    yield database
    database.close()


@pytest.fixture
def store(database):
    return TokenStore(database, clock=SimulatedClock(dt.datetime(2026, 3, 1, tzinfo=dt.UTC)))


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_a_token_is_stored_only_as_its_hash(store, database):
    # Arrange / Act
    info, token = store.create(controller_id="agent-1", label="bot one")

    # Assert: the row holds the SHA-256, never the token nor its secret part
    with database.connect() as connection:
        row = connection.execute(select(api_tokens_table)).one()
    assert row.token_sha256 == hash_token(token) != token
    secret = token.split("_", 2)[2]  # lpx_<id>_<secret>
    assert secret not in repr(row._asdict())
    assert info.scope == "controller:agent-1"
    assert info.created_at == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_verify_accepts_the_token_and_refuses_near_misses(store):
    _, token = store.create(controller_id=None)

    assert store.verify(token).controller_id is None
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_id = token[:4] + "0" * 12 + token[16:]
    for wrong in (tampered, other_id, token + "x", "", "lpx_", token.upper()):
        assert store.verify(wrong) is None, wrong


def test_two_tokens_differ_and_each_keeps_its_scope(store):
    first_info, first = store.create(controller_id="a")
    second_info, second = store.create(controller_id="b")

    assert first != second and first_info.token_id != second_info.token_id
    assert store.verify(first).controller_id == "a"
    assert store.verify(second).controller_id == "b"


def test_revoked_token_is_refused_and_still_listed(store):
    info, token = store.create(controller_id="a")

    revoked = store.revoke(info.token_id)

    assert store.verify(token) is None
    assert revoked.revoked_at is not None
    assert [(t.token_id, t.revoked_at is not None) for t in store.all_tokens()] == [
        (info.token_id, True)
    ]


def test_revoke_of_an_unknown_id_names_it(store):
    with pytest.raises(LookupError, match="'nope'"):
        store.revoke("nope")


@pytest.mark.parametrize("controller_id", ["", " x", "a/b", "x" * 129])
def test_a_malformed_controller_id_is_refused(store, controller_id):
    with pytest.raises(ValueError, match="controller_id"):
        store.create(controller_id=controller_id)


def test_the_table_is_created_in_an_existing_store_and_survives_reopening(sqlite_url):
    database = Database.open(sqlite_url)
    _, token = TokenStore(database).create(controller_id="a")
    database.close()

    reopened = Database.open(sqlite_url)
    try:
        assert TokenStore(reopened).verify(token).controller_id == "a"
    finally:
        reopened.close()


def test_bearer_tokens_give_their_scope(store):
    auth = ApiAuth(store)
    _, operator = store.create(controller_id=None)
    _, scoped = store.create(controller_id="agent-1")

    assert auth.caller_from_header(f"Bearer {operator}").is_operator
    assert auth.caller_from_header(f"bearer {scoped}").controller_id == "agent-1"


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer nope", "Token abc", basic("admin", "admin"), "Basic !!!"],
)
def test_without_configured_credentials_everything_else_is_refused(store, header):
    auth = ApiAuth(store)
    with pytest.raises(AuthError):
        auth.caller_from_header(header)


def test_configured_basic_is_the_operator_and_only_with_both_parts_right(store):
    auth = ApiAuth(store, username="ops", password=SecretStr("s3cret-pass"))

    assert auth.caller_from_header(basic("ops", "s3cret-pass")).is_operator
    for username, password in [("ops", "wrong"), ("admin", "s3cret-pass"), ("admin", "admin")]:
        with pytest.raises(AuthError):
            auth.caller_from_header(basic(username, password))


def test_basic_with_a_scoped_token_needs_its_controller_as_username(store):
    auth = ApiAuth(store)
    _, token = store.create(controller_id="agent-1")
    _, operator = store.create(controller_id=None)

    assert auth.caller_from_header(basic("agent-1", token)).controller_id == "agent-1"
    assert auth.caller_from_header(basic("anyone", operator)).is_operator
    with pytest.raises(AuthError):
        auth.caller_from_header(basic("agent-2", token))


def test_websocket_query_token_takes_an_api_token_or_base64_basic(store):
    auth = ApiAuth(store, username="ops", password=SecretStr("pw"))
    _, token = store.create(controller_id="agent-1")

    assert auth.caller_from_query_token(token).controller_id == "agent-1"
    encoded = base64.b64encode(b"ops:pw").decode()
    assert auth.caller_from_query_token(encoded).is_operator
    with pytest.raises(AuthError):
        auth.caller_from_query_token(base64.b64encode(b"admin:admin").decode())


def test_settings_read_the_environment_and_want_both_or_neither(monkeypatch):
    monkeypatch.delenv("LPEXEC_API_USERNAME", raising=False)
    monkeypatch.delenv("LPEXEC_API_PASSWORD", raising=False)
    assert ApiSettings().username is None and ApiSettings().password is None

    monkeypatch.setenv("LPEXEC_API_USERNAME", "ops")
    with pytest.raises(ValidationError, match="LPEXEC_API_PASSWORD"):
        ApiSettings()

    monkeypatch.setenv("LPEXEC_API_PASSWORD", "pw")
    settings = ApiSettings()
    assert settings.username == "ops" and "pw" not in repr(settings)
