"""A Jupiter-like router over paper pools: best route quotes and atomic execution.

Routes are either direct (one pool holding both tokens) or two hops through a token both pools
share. Exact-in routes maximize the output; exact-out routes minimize the input. Execution
re-quotes the route on the current pool state, checks the caller's limits, and only then swaps,
so a failed check changes nothing.

Example:
    >>> router = Router([sol_usdc_pool, usdc_usdt_pool])          # doctest: +SKIP
    >>> plan = router.quote("SOL", "USDT", 10**9)                 # doctest: +SKIP
    >>> router.execute(plan, min_amount_out=plan.amount_out)      # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lpexec.paper.pools import (
    ClmmPool,
    DlmmPool,
    InvalidPoolRequestError,
    PaperPool,
    PoolError,
    SwapResult,
)
from lpexec.paper.pools.validation import check_slippage

__all__ = ["NoRouteFoundError", "RouteLeg", "RoutePlan", "Router"]


class NoRouteFoundError(PoolError):
    """Raised when no pool or pair of pools can fill the requested swap."""


@dataclass(frozen=True, slots=True)
class RouteLeg:
    """One swap of a route, in raw units of its tokens."""

    pool_address: str
    label: str
    """Venue label, e.g. ``"Meteora DLMM"``."""
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int
    fee_total: int
    """Fee charged, in ``token_in``."""
    lp_fee: int
    protocol_fee: int

    @classmethod
    def from_swap(cls, result: SwapResult, label: str) -> RouteLeg:
        """Build a leg from a pool's swap result or quote."""
        return cls(
            pool_address=result.pool_address,
            label=label,
            token_in=result.token_in,
            token_out=result.token_out,
            amount_in=result.amount_in,
            amount_out=result.amount_out,
            fee_total=result.fee_total,
            lp_fee=result.lp_fee,
            protocol_fee=result.protocol_fee,
        )


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """A quoted or executed route."""

    token_in: str
    token_out: str
    amount_in: int
    """Raw units of ``token_in`` paid, fees included."""
    amount_out: int
    """Raw units of ``token_out`` received."""
    exact_out: bool
    legs: tuple[RouteLeg, ...]

    @property
    def hops(self) -> int:
        """Number of swaps in the route."""
        return len(self.legs)

    @property
    def pool_addresses(self) -> tuple[str, ...]:
        """Pools used, in order."""
        return tuple(leg.pool_address for leg in self.legs)

    def jupiter_route_plan(self) -> list[dict[str, Any]]:
        """Return the legs shaped like Jupiter's ``routePlan`` (amounts as strings)."""
        return [
            {
                "swapInfo": {
                    "ammKey": leg.pool_address,
                    "label": leg.label,
                    "inputMint": leg.token_in,
                    "outputMint": leg.token_out,
                    "inAmount": str(leg.amount_in),
                    "outAmount": str(leg.amount_out),
                    "feeAmount": str(leg.fee_total),
                    "feeMint": leg.token_in,
                },
                "percent": 100,
            }
            for leg in self.legs
        ]


def _default_label(pool: PaperPool) -> str:
    if isinstance(pool, DlmmPool):
        return "Meteora DLMM"
    if isinstance(pool, ClmmPool):
        return "CLMM"
    return type(pool).__name__


def _other(pool: PaperPool, mint: str) -> str:
    return pool.quote_mint if mint == pool.base_mint else pool.base_mint


class Router:
    """Quote and execute swaps across a set of paper pools (at most two hops)."""

    def __init__(self, pools: Iterable[PaperPool] = ()) -> None:
        """Create a router over ``pools`` (more can be added with :meth:`add_pool`)."""
        self._pools: dict[str, PaperPool] = {}
        self._labels: dict[str, str] = {}
        for pool in pools:
            self.add_pool(pool)

    def add_pool(self, pool: PaperPool, label: str | None = None) -> None:
        """Make ``pool`` available for routing (replacing a pool with the same address)."""
        self._pools[pool.address] = pool
        self._labels[pool.address] = label if label is not None else _default_label(pool)

    def remove_pool(self, address: str) -> None:
        """Stop routing through the pool at ``address``."""
        if address not in self._pools:
            raise InvalidPoolRequestError(f"Expected a routed pool address, received {address!r}")
        del self._pools[address]
        del self._labels[address]

    @property
    def pools(self) -> tuple[PaperPool, ...]:
        """Pools available for routing."""
        return tuple(self._pools.values())

    def _holding(self, mint: str) -> list[PaperPool]:
        return [p for p in self._pools.values() if mint in (p.base_mint, p.quote_mint)]

    def _candidates(
        self,
        token_in: str,
        token_out: str,
        max_hops: int,
    ) -> list[tuple[PaperPool, ...]]:
        routes: list[tuple[PaperPool, ...]] = []
        starting = self._holding(token_in)
        for pool in starting:
            if _other(pool, token_in) == token_out:
                routes.append((pool,))
        if max_hops >= 2:
            for first in starting:
                middle = _other(first, token_in)
                if middle == token_out:
                    continue
                for second in self._holding(middle):
                    if second is not first and _other(second, middle) == token_out:
                        routes.append((first, second))
        return routes

    def _quote_route(
        self,
        route: tuple[PaperPool, ...],
        token_in: str,
        amount: int,
        exact_out: bool,
        timestamp: int | None,
    ) -> RoutePlan | None:
        mints = [token_in]
        for pool in route:
            mints.append(_other(pool, mints[-1]))
        results: list[SwapResult] = []
        if exact_out:
            wanted = amount
            for index in range(len(route) - 1, -1, -1):
                result = route[index].quote(
                    mints[index],
                    wanted,
                    exact_out=True,
                    timestamp=timestamp,
                )
                if not result.complete or result.amount_in == 0:
                    return None
                results.insert(0, result)
                wanted = result.amount_in
        else:
            paid = amount
            for index, pool in enumerate(route):
                result = pool.quote(mints[index], paid, timestamp=timestamp)
                if not result.complete or result.amount_out == 0:
                    return None
                results.append(result)
                paid = result.amount_out
        legs = tuple(
            RouteLeg.from_swap(result, self._labels[result.pool_address]) for result in results
        )
        return RoutePlan(
            token_in=token_in,
            token_out=mints[-1],
            amount_in=legs[0].amount_in,
            amount_out=legs[-1].amount_out,
            exact_out=exact_out,
            legs=legs,
        )

    def quote(
        self,
        token_in: str,
        token_out: str,
        amount: int,
        *,
        exact_out: bool = False,
        max_hops: int = 2,
        timestamp: int | None = None,
    ) -> RoutePlan:
        """Return the best route for a swap without changing any pool.

        Args:
            token_in: Mint paid in.
            token_out: Mint received.
            amount: Raw units of ``token_in`` to pay, or of ``token_out`` to receive when
                ``exact_out`` is set.
            exact_out: Quote an exact output (least input wins) instead of an exact input.
            max_hops: 1 for direct routes only, 2 to allow one intermediate token.
            timestamp: Unix seconds passed to the pools (dynamic fees).

        Raises:
            NoRouteFoundError: No route can fill the whole amount.
        """
        if token_in == token_out:
            raise InvalidPoolRequestError(
                f"Expected different tokens, received token_in=token_out={token_in!r}",
            )
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise InvalidPoolRequestError(
                f"Expected amount > 0 raw units, received amount={amount!r}"
            )
        if max_hops not in (1, 2):
            raise InvalidPoolRequestError(f"Expected max_hops 1 or 2, received max_hops={max_hops}")
        best: RoutePlan | None = None
        for route in self._candidates(token_in, token_out, max_hops):
            plan = self._quote_route(route, token_in, amount, exact_out, timestamp)
            if plan is None:
                continue
            if best is None or _better(plan, best):
                best = plan
        if best is None:
            mode = "ExactOut" if exact_out else "ExactIn"
            raise NoRouteFoundError(
                f"No route found for {token_in} -> {token_out} ({mode}) with amount={amount} "
                f"across {len(self._pools)} pools",
            )
        return best

    def execute(
        self,
        plan: RoutePlan,
        *,
        min_amount_out: int | None = None,
        max_amount_in: int | None = None,
        timestamp: int | None = None,
    ) -> RoutePlan:
        """Execute ``plan``'s route on the current pool state and return the fill.

        The route is re-quoted first (exact in: ``plan.amount_in``; exact out:
        ``plan.amount_out``); if the new quote breaks a limit nothing is swapped.

        Raises:
            SlippageExceededError: The output would be below ``min_amount_out`` or the input above
                ``max_amount_in``.
            NoRouteFoundError: A pool of the route can no longer fill it.
        """
        route = []
        for address in plan.pool_addresses:
            pool = self._pools.get(address)
            if pool is None:
                raise NoRouteFoundError(f"Expected a routed pool address, received {address!r}")
            route.append(pool)
        amount = plan.amount_out if plan.exact_out else plan.amount_in
        fresh = self._quote_route(tuple(route), plan.token_in, amount, plan.exact_out, timestamp)
        if fresh is None:
            raise NoRouteFoundError(
                f"No route found for {plan.token_in} -> {plan.token_out}: pools "
                f"{', '.join(plan.pool_addresses)} can no longer fill amount={amount}",
            )
        check_slippage(fresh.amount_in, fresh.amount_out, min_amount_out, max_amount_in)
        results = []
        for pool, leg in zip(route, fresh.legs, strict=True):
            if plan.exact_out:
                result = pool.swap(
                    leg.token_in, leg.amount_out, exact_out=True, timestamp=timestamp
                )
            else:
                result = pool.swap(leg.token_in, leg.amount_in, timestamp=timestamp)
            results.append(result)
        legs = tuple(
            RouteLeg.from_swap(result, self._labels[result.pool_address]) for result in results
        )
        return RoutePlan(
            token_in=plan.token_in,
            token_out=plan.token_out,
            amount_in=legs[0].amount_in,
            amount_out=legs[-1].amount_out,
            exact_out=plan.exact_out,
            legs=legs,
        )

    def swap(
        self,
        token_in: str,
        token_out: str,
        amount: int,
        *,
        exact_out: bool = False,
        min_amount_out: int | None = None,
        max_amount_in: int | None = None,
        max_hops: int = 2,
        timestamp: int | None = None,
    ) -> RoutePlan:
        """Quote the best route and execute it (see :meth:`quote` and :meth:`execute`)."""
        plan = self.quote(
            token_in,
            token_out,
            amount,
            exact_out=exact_out,
            max_hops=max_hops,
            timestamp=timestamp,
        )
        return self.execute(
            plan,
            min_amount_out=min_amount_out,
            max_amount_in=max_amount_in,
            timestamp=timestamp,
        )


def _better(candidate: RoutePlan, incumbent: RoutePlan) -> bool:
    if candidate.exact_out:
        if candidate.amount_in != incumbent.amount_in:
            return candidate.amount_in < incumbent.amount_in
    elif candidate.amount_out != incumbent.amount_out:
        return candidate.amount_out > incumbent.amount_out
    return candidate.hops < incumbent.hops  # ties: fewer hops
