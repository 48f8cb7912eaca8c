"""``PaperChain``: a simulated Solana chain with wallets, pools, positions, fees, rent and faults.

The chain is a thin facade: its state is one :class:`~paper.chain.state.ChainState` and its
operations are services over that state, each in its own module: accounts (wallets, airdrops,
pools), sending (fees, fates, ledger groups, receipts), liquidity, trading, the audit and the
saved form. Every public method forwards to the service that holds it, with its signature and
documentation.

Example:
    >>> from lpexec.core.clock import SimulatedClock
    >>> chain = PaperChain(clock=SimulatedClock(), seed=1)
    >>> wallet = chain.create_wallet("demo")
    >>> chain.airdrop(wallet, "SOL", 10 * 10**9)
    >>> chain.balance(wallet, "SOL")
    10000000000
"""

from __future__ import annotations

import datetime as _dt
import json
import operator
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from lpexec.core.clock import Clock
from lpexec.paper.chain.accounts import AccountService
from lpexec.paper.chain.audit import audit_chain
from lpexec.paper.chain.costs import FeeSchedule
from lpexec.paper.chain.faults import FaultPlan
from lpexec.paper.chain.keys import KeyFactory
from lpexec.paper.chain.ledger import Ledger
from lpexec.paper.chain.liquidity import LiquidityService
from lpexec.paper.chain.sending import TransactionSender
from lpexec.paper.chain.snapshot import STATE_VERSION, chain_state_from_dict, chain_state_to_dict
from lpexec.paper.chain.state import DEFAULT_GENESIS_SLOT, ChainState
from lpexec.paper.chain.tokens import TokenList
from lpexec.paper.chain.trading import TradingService

__all__ = ["STATE_VERSION", "PaperChain"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_S = TypeVar("_S")


class _Forwarded:
    """A method of :class:`PaperChain` that is the service's own bound method: reading it on a
    chain returns ``chain.<service>.<name>``, so a call costs no extra frame."""

    def __init__(self, service: str, method: Callable[..., Any]) -> None:
        self._read = operator.attrgetter(f"{service}.{method.__name__}")
        self.__name__ = method.__name__
        self.__doc__ = method.__doc__
        self.__wrapped__ = method

    def __get__(self, chain: PaperChain | None, owner: type | None = None) -> Any:
        return self if chain is None else self._read(chain)

    def __call__(self, chain: PaperChain, /, *args: Any, **kwargs: Any) -> Any:
        """Called on the class (``PaperChain.balance(chain, ...)``)."""
        return self._read(chain)(*args, **kwargs)


def _forward(
    service: str, method: Callable[Concatenate[_S, _P], _R]
) -> Callable[Concatenate[PaperChain, _P], _R]:
    """A method of :class:`PaperChain` that calls ``method`` on the chain's ``service``."""
    forwarded: Any = _Forwarded(service, method)
    return cast("Callable[Concatenate[PaperChain, _P], _R]", forwarded)


def _state_field(name: str, doc: str, *, settable: bool = False) -> Any:
    """A property of :class:`PaperChain` reading (and writing) the state's ``name``."""
    read = operator.attrgetter(f"state.{name}")

    def write(chain: PaperChain, value: object) -> None:
        setattr(chain.state, name, value)

    return property(read, write if settable else None, doc=doc)


class PaperChain:
    """A simulated Solana chain.

    Args:
        clock: Source of time (``now() -> datetime``); slots are 400 ms of it.
        tokens: The token list (default: SOL, USDC, USDT, JUP, BONK, mSOL, JitoSOL, WIF, RAY).
        seed: Seed of addresses, signatures and fault decisions.
        confirmation_slots: Slots between landing and reading as confirmed.
        fee_schedule: Compute-unit price and per-operation budgets.
        faults: A :class:`FaultPlan` or a fault spec string (see :mod:`paper.chain.faults`).
        genesis_slot: Slot number at the clock's time of creation.
        genesis_time: Clock time of ``genesis_slot`` (default: ``clock.now()``).
    """

    __slots__ = ("_accounts", "_liquidity", "_sender", "_trading", "state")

    def __init__(
        self,
        *,
        clock: Clock,
        tokens: TokenList | None = None,
        seed: int = 0,
        confirmation_slots: int = 1,
        fee_schedule: FeeSchedule | None = None,
        faults: FaultPlan | str | None = None,
        genesis_slot: int = DEFAULT_GENESIS_SLOT,
        genesis_time: _dt.datetime | None = None,
    ) -> None:
        self._compose(
            ChainState(
                clock=clock,
                tokens=tokens,
                seed=seed,
                confirmation_slots=confirmation_slots,
                fee_schedule=fee_schedule,
                faults=faults,
                genesis_slot=genesis_slot,
                genesis_time=genesis_time,
            )
        )

    def _compose(self, state: ChainState) -> None:
        self.state = state
        """Everything the chain holds (see :class:`~paper.chain.state.ChainState`)."""
        self._sender = TransactionSender(state)
        self._accounts = AccountService(state)
        self._liquidity = LiquidityService(state, self._sender)
        self._trading = TradingService(state, self._sender)

    # -- configuration and time (the state's) -------------------------------------------------

    clock: Clock = _state_field("clock", "Source of time; slots are 400 ms of it.")
    tokens: TokenList = _state_field("tokens", "The token list.")
    seed: int = _state_field("seed", "Seed of addresses, signatures and fault decisions.")
    keys: KeyFactory = _state_field("keys", "The seeded factory of addresses and signatures.")
    fee_schedule: FeeSchedule = _state_field(
        "fee_schedule", "Compute-unit price and per-operation budgets."
    )
    confirmation_slots: int = _state_field(
        "confirmation_slots", "Slots between landing and reading as confirmed.", settable=True
    )
    faults: FaultPlan = _state_field("faults", "The fault plan deciding fates.", settable=True)
    ledger: Ledger = _state_field(
        "ledger", "The chain's double-entry ledger (complete whenever read).", settable=True
    )
    slot: int = _state_field("slot", "The current slot (never decreases).")
    unix_time: int = _state_field("unix_time", "Unix seconds of the clock now.")
    slot_time = _forward("state", ChainState.slot_time)

    # -- reads (the state's) ------------------------------------------------------------------

    wallets = _forward("state", ChainState.wallets)
    has_wallet = _forward("state", ChainState.has_wallet)
    require_wallet = _forward("state", ChainState.require_wallet)
    token_account = _forward("state", ChainState.token_account)
    has_token_account = _forward("state", ChainState.has_token_account)
    balance = _forward("state", ChainState.balance)
    wrapped_sol = _forward("state", ChainState.wrapped_sol)
    balances = _forward("state", ChainState.balances)
    pool_entry = _forward("state", ChainState.pool_entry)
    pool = _forward("state", ChainState.pool)
    pools = _forward("state", ChainState.pools)
    lp_fee_account = _forward("state", ChainState.lp_fee_account)
    protocol_fee_account = _forward("state", ChainState.protocol_fee_account)
    bin_array_account = _forward("state", ChainState.bin_array_account)
    position_record = _forward("state", ChainState.position_record)
    position_history = _forward("state", ChainState.position_history)
    positions_owned = _forward("state", ChainState.positions_owned)
    transaction = _forward("state", ChainState.transaction)
    transactions = _forward("state", ChainState.transactions)
    transactions_for_address = _forward("state", ChainState.transactions_for_address)
    status = _forward("state", ChainState.status)
    poll = _forward("state", ChainState.poll)

    # -- accounts -----------------------------------------------------------------------------

    create_wallet = _forward("_accounts", AccountService.create_wallet)
    airdrop = _forward("_accounts", AccountService.airdrop)
    add_pool = _forward("_accounts", AccountService.add_pool)

    # -- liquidity ----------------------------------------------------------------------------

    open_position = _forward("_liquidity", LiquidityService.open_position)
    add_liquidity = _forward("_liquidity", LiquidityService.add_liquidity)
    remove_liquidity = _forward("_liquidity", LiquidityService.remove_liquidity)
    collect_fees = _forward("_liquidity", LiquidityService.collect_fees)
    close_position = _forward("_liquidity", LiquidityService.close_position)

    # -- trading ------------------------------------------------------------------------------

    quote_swap = _forward("_trading", TradingService.quote_swap)
    quote_route = _forward("_trading", TradingService.quote_route)
    best_route = _forward("_trading", TradingService.best_route)
    swap = _forward("_trading", TradingService.swap)
    route_swap = _forward("_trading", TradingService.route_swap)
    wrap = _forward("_trading", TradingService.wrap)
    unwrap = _forward("_trading", TradingService.unwrap)
    move_pool_to_price = _forward("_trading", TradingService.move_pool_to_price)
    replay_bars = _forward("_trading", TradingService.replay_bars)

    # -- audit and persistence ----------------------------------------------------------------

    def audit(self) -> list[str]:
        """Compare the ledger with the pools' own books; return every discrepancy found.

        See :func:`~paper.chain.audit.audit_chain`.
        """
        return audit_chain(self.state)

    def to_dict(self) -> dict[str, Any]:
        """Return the whole chain state as JSON-safe data."""
        return chain_state_to_dict(self.state)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, clock: Clock) -> PaperChain:
        """Rebuild a chain saved by :meth:`to_dict`, running on ``clock``.

        Raises:
            ValueError: when the state was written by another state version.
        """
        chain = cls.__new__(cls)
        chain._compose(chain_state_from_dict(data, clock=clock))
        return chain

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the chain state to ``path`` as JSON (atomically: temp file then rename)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(self.to_dict(), separators=(",", ":"))
        fd, temp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, clock: Clock) -> PaperChain:
        """Read a chain saved by :meth:`save`.

        Raises:
            FileNotFoundError: when ``path`` does not exist.
            ValueError: when the file is not a paper chain state of this version.
        """
        with open(path, encoding="utf-8") as handle:
            try:
                data = json.load(handle)
            except ValueError as error:
                raise ValueError(
                    f"paper chain state {os.fspath(path)!r}: expected a state file written by "
                    f"lpexec, could not read it as JSON: {error}"
                ) from None
        return cls.from_dict(data, clock=clock)
