"""record_builder: records built fast are ordinary frozen instances of their class."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause, LedgerEntry, Posting
from lpexec.paper.chain.records import record_builder
from lpexec.paper.chain.transactions import TokenBalance

CASES = [
    (Posting, ("W", LAMPORTS, 10, Cause.AIRDROP)),
    (LedgerEntry, (3, 7, "sig", "A", "W", AccountKind.TOKEN_ACCOUNT, "mint", -5, Cause.SWAP)),
    (TokenBalance, (1, "mint", "W", 1_500, 6)),
]


@pytest.mark.parametrize(("cls", "values"), CASES)
def test_built_record_is_the_same_as_one_from_the_class(cls: type, values: tuple) -> None:
    # Arrange
    build = record_builder(cls)

    # Act
    built, called = build(*values), cls(*values)

    # Assert
    assert type(built) is cls
    assert built == called
    assert hash(built) == hash(called)
    assert repr(built) == repr(called)
    assert dataclasses.astuple(built) == values
    assert copy.deepcopy(built) == called
    assert pickle.loads(pickle.dumps(built)) == called


@pytest.mark.parametrize(("cls", "values"), CASES)
def test_built_record_is_frozen(cls: type, values: tuple) -> None:
    built = record_builder(cls)(*values)
    name = dataclasses.fields(cls)[0].name

    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, name, values[0])


@dataclasses.dataclass(slots=True)
class _Mutable:
    value: int


@dataclasses.dataclass(frozen=True)
class _NoSlots:
    value: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Validated:
    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("negative")


class _NotADataclass:
    __slots__ = ("value",)


@pytest.mark.parametrize("cls", [_Mutable, _NoSlots, _Validated, _NotADataclass])
def test_builder_refuses_classes_it_cannot_build_faithfully(cls: type) -> None:
    with pytest.raises(TypeError, match=f"received {cls.__qualname__}"):
        record_builder(cls)
