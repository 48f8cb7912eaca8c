"""The position routes both CLMM route families serve: position-info, quote-position and the
five LP writes.

``/connectors/meteora/clmm/*`` and ``/trading/clmm/*`` bind the same operations
(:mod:`paper.gateway.liquidity_views`); a family differs only in its write paths' names, the
request field holding remove's percentage, whether add reads a strategy, and how each route
resolves its connector and answers an RPC outage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from lpexec.paper.gateway.liquidity_views import (
    add_liquidity,
    close_position,
    collect_fees,
    open_position,
    position_answer,
    quote_position,
    remove_liquidity,
)
from lpexec.paper.gateway.routes import ConnectorResolver, Operation, Route, with_connector

__all__ = ["position_routes"]


def position_routes(
    base: str,
    *,
    resolver: Callable[[str], ConnectorResolver],
    paths: Mapping[str, str],
    percentage_field: str,
    strategy_field: str | None,
) -> list[Route]:
    """Return a family's position routes.

    Args:
        base: The family's path prefix, e.g. ``/trading/clmm``.
        resolver: The connector resolver of a route, by its fault-injection operation name.
        paths: Path names that differ from ``open``/``add``/``remove``/``close``, by the same
            operation name.
        percentage_field: The remove request's percentage field.
        strategy_field: The add request's strategy field, or None when add always uses Spot.
    """
    rows: tuple[tuple[str, str, str, Operation], ...] = (
        ("GET", "position", "position-info", position_answer),
        ("GET", "quote", "quote-position", quote_position),
        ("POST", "open", "open", open_position),
        ("POST", "add", "add", partial(add_liquidity, strategy_field=strategy_field)),
        (
            "POST",
            "remove",
            "remove",
            partial(remove_liquidity, percentage_field=percentage_field),
        ),
        ("POST", "collect", "collect-fees", collect_fees),
        ("POST", "close", "close", close_position),
    )
    return [
        Route(
            method,
            f"{base}/{paths.get(fault, path)}",
            with_connector(resolver(fault), operation),
            operation=fault,
        )
        for method, fault, path, operation in rows
    ]
