"""Signatures named by the store's intents: what a reconciliation must not take for its own."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from lpexec.core import Database
from lpexec.core.store.signatures import named_in_store
from lpexec.venues.gateway.transactions import NamedSignatures

INSERT = text(
    "INSERT INTO intents (intent_id, executor_id, kind, payload_json, status, attempts, "
    "created_at, updated_at, evidence_json, outcome_json) VALUES (:id, 'x', 'open', '{}', "
    "'DONE', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :evidence, :outcome)"
)


@pytest.fixture
def database(database_url):
    database = Database.open(database_url)
    with database.engine.begin() as connection:
        connection.execute(
            INSERT, {"id": "x-1", "evidence": json.dumps({"signature": "5abc_%"}), "outcome": None}
        )
        connection.execute(
            INSERT,
            {"id": "x-2", "evidence": None, "outcome": json.dumps({"signature": "7Kq9"})},
        )
        connection.execute(  # where the wallet's history stood before a send: no write's own
            INSERT,
            {
                "id": "x-3",
                "evidence": json.dumps({"wallet_signature_before": "3Before"}, indent=None),
                "outcome": json.dumps({"events": [{"data": {"open_signature": "4Open"}}]}),
            },
        )
    yield database
    database.close()


def test_signatures_in_evidence_or_outcome_are_named_and_others_are_not(database):
    wanted = ["5abc_%", "7Kq9", "7Kq", "5abcX%", "nothing", "", "3Before", "4Open"]
    found = named_in_store(database, wanted)
    assert found == {"5abc_%", "7Kq9"}  # a write's own signature, whole: no prefix, no wildcard


def test_the_registry_asks_the_store_for_what_it_does_not_remember(database):
    asked: list[list[str]] = []

    def stored(signatures):
        asked.append(list(signatures))
        return named_in_store(database, signatures)

    named = NamedSignatures(stored=stored)
    named.add("mine")
    assert "mine" in named and asked == []  # remembered: no lookup
    assert "7Kq9" in named  # named by another process's intent
    assert named.remembers("7Kq9")  # and remembered from then on
    assert "other" not in named
    assert asked == [["7Kq9"], ["other"]]
