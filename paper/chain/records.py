"""Fast construction of the chain's frozen records (ledger entries, postings, token balances).

A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__``, which costs
about 0.1 us per field; the chain builds some twenty such records per transaction. A builder
fills a mutable twin class with the same slots and then gives the object the frozen class, about
three times faster. The object is an ordinary instance of the frozen class: equal, hashable and
immutable like one built by calling the class.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["record_builder"]

_R = TypeVar("_R")


def record_builder(cls: type[_R]) -> Callable[..., _R]:
    """Return a function that builds a ``cls`` from all its fields, given positionally.

    Only for frozen ``slots=True`` dataclasses without ``__post_init__`` (the builder runs no
    validation and fills no defaults).

    Raises:
        TypeError: when ``cls`` is not such a dataclass.

    Example:
        >>> make_posting = record_builder(Posting)
        >>> posting = make_posting("W", LAMPORTS, 10, Cause.AIRDROP)
        >>> posting == Posting("W", LAMPORTS, 10, Cause.AIRDROP)
        True
    """
    params = getattr(cls, "__dataclass_params__", None)
    if (
        params is None
        or not params.frozen
        or "__slots__" not in cls.__dict__
        or hasattr(cls, "__post_init__")
    ):
        raise TypeError(
            f"Expected a frozen slots dataclass without __post_init__, received {cls.__qualname__}"
        )
    fields = [(f.name, f.type) for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    twin: Any = dataclasses.make_dataclass(f"_{cls.__name__}Draft", fields, slots=True)

    def build(*values: Any) -> _R:
        record = twin(*values)
        record.__class__ = cls  # same slots: only the type changes
        return record  # type: ignore[no-any-return]

    return build
