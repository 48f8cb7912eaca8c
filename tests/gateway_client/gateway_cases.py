"""One call per client method, with the fixture that holds its request and response.

Each case calls a method with arguments matching the fixture's ``request`` (so the request the
client builds can be compared with the example) and names the response case to serve.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fixtures.gateway import load
from gateway_client import GatewayClient, StrategyType

WALLET = "AabEVCB1sWgCPxbn6hFYM4Ukj7UubpBRbbYqRnqRXnZD"
METEORA_POOL = "5rCf1DM8LjKTw4YqhnoLcngyZYeNnQqztScTogYHAS6"
METEORA_POSITION = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
SIGNATURE = (
    "55ukR6VCt1sQFMC8Nyeo51R1SMaTzUC7jikmkEJ2jjkQNdqBxXHraH7vaoaNmf8rX4Y55EXAj8XXoyzvvsrQqWZa"
)


@dataclass(frozen=True)
class Case:
    """``client.<resource>.<method>(*args, **kwargs)`` answered by ``fixture``'s ``response``."""

    resource: str | None
    method: str
    fixture: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    response: str = "default"
    unwrap: str | None = None
    """Key of the response envelope the method returns the inside of."""

    @property
    def id(self) -> str:
        owner = self.resource or "client"
        return f"{owner}.{self.method}" + (
            "" if self.response == "default" else f"[{self.response}]"
        )

    @property
    def spec(self) -> dict[str, Any]:
        return load(self.fixture)

    def target(self, client: GatewayClient) -> Any:
        owner: Any = client if self.resource is None else getattr(client, self.resource)
        return getattr(owner, self.method)

    async def call(self, client: GatewayClient) -> Any:
        return await self.target(client)(*self.args, **self.kwargs)


def concrete_path(case: Case) -> str:
    """The fixture's route path with its path parameters filled in."""
    spec = case.spec
    path: str = spec["_meta"]["path"]
    for name, value in spec["request"].get("path", {}).items():
        path = path.replace("{" + name + "}", value)
    return path


def served_body(case: Case) -> bytes:
    return json.dumps(case.spec["responses"][case.response]).encode()


def _fields(fixture: str) -> dict[str, Any]:
    request = load(fixture)["request"]
    return dict(request.get("body") or request.get("query") or {})


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _kwargs_from(fixture: str, *, drop: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """Turn a fixture request into keyword arguments (numbers to Decimal, pct to ratios)."""
    kwargs: dict[str, Any] = {}
    for key, value in _fields(fixture).items():
        if key in drop:
            continue
        name = _snake(key)
        if name == "slippage_pct":
            kwargs["slippage"] = Decimal(str(value)) / 100
        elif isinstance(value, float | int) and not isinstance(value, bool):
            kwargs[name] = Decimal(str(value))
        else:
            kwargs[name] = value
    kwargs.update(extra)
    return kwargs


def _from_fixture(
    resource: str, prefix: str, method: str, *args: Any, drop: str | None = None
) -> Case:
    """``method`` called with its fixture's request as keyword arguments (minus network, drop)."""
    fixture = f"{prefix}-{method.replace('_', '-')}"
    dropped = ("network",) if drop is None else ("network", drop)
    return Case(resource, method, fixture, args, _kwargs_from(fixture, drop=dropped))


def _clmm_cases(resource: str, prefix: str) -> list[Case]:
    pool = _fields(f"{prefix}-pool-info")["poolAddress"]
    wallet = _fields(f"{prefix}-positions-owned")["walletAddress"]
    position = _fields(f"{prefix}-position-info")["positionAddress"]
    info_extra: dict[str, Any] = {}
    if "walletAddress" in _fields(f"{prefix}-position-info"):
        info_extra["wallet_address"] = wallet
    cases = [
        Case(resource, "pool_info", f"{prefix}-pool-info", (pool,)),
        Case(resource, "positions_owned", f"{prefix}-positions-owned", (wallet,)),
        Case(resource, "position_info", f"{prefix}-position-info", (position,), info_extra),
        _from_fixture(resource, prefix, "quote_position", pool, drop="poolAddress"),
        _from_fixture(resource, prefix, "quote_swap"),
        _from_fixture(resource, prefix, "execute_swap"),
        _from_fixture(resource, prefix, "open_position", pool, drop="poolAddress"),
        _from_fixture(resource, prefix, "add_liquidity", position, drop="positionAddress"),
        Case(
            resource,
            "remove_liquidity",
            f"{prefix}-remove-liquidity",
            (position,),
            {"wallet_address": wallet, "fraction": Decimal("0.5")},
        ),
        Case(
            resource,
            "collect_fees",
            f"{prefix}-collect-fees",
            (position,),
            {"wallet_address": wallet},
        ),
        Case(
            resource,
            "close_position",
            f"{prefix}-close-position",
            (position,),
            {"wallet_address": wallet},
        ),
    ]
    if "strategyType" in _fields(f"{prefix}-open-position"):
        open_case = cases[6]
        kwargs = dict(
            open_case.kwargs, strategy_type=StrategyType(int(open_case.kwargs["strategy_type"]))
        )
        cases[6] = Case(resource, "open_position", open_case.fixture, open_case.args, kwargs)
    return cases


def _amm_cases(resource: str, prefix: str) -> list[Case]:
    pool = _fields(f"{prefix}-pool-info")["poolAddress"]
    wallet = _fields(f"{prefix}-position-info")["walletAddress"]
    return [
        Case(resource, "pool_info", f"{prefix}-pool-info", (pool,)),
        Case(
            resource,
            "position_info",
            f"{prefix}-position-info",
            (pool,),
            {"wallet_address": wallet},
        ),
        _from_fixture(resource, prefix, "quote_liquidity", pool, drop="poolAddress"),
        _from_fixture(resource, prefix, "quote_swap"),
        _from_fixture(resource, prefix, "execute_swap"),
        _from_fixture(resource, prefix, "add_liquidity", pool, drop="poolAddress"),
        Case(
            resource,
            "remove_liquidity",
            f"{prefix}-remove-liquidity",
            (pool,),
            {"wallet_address": wallet, "fraction": Decimal("0.5")},
        ),
    ]


def _trading_clmm_cases() -> list[Case]:
    target = ("connector", "chainNetwork", "network")
    return [
        Case(
            "trading_clmm",
            "pool_info",
            "trading-clmm-pool-info",
            (METEORA_POOL,),
            {"connector": "meteora"},
        ),
        Case(
            "trading_clmm",
            "position_info",
            "trading-clmm-position-info",
            (METEORA_POSITION,),
            {"connector": "meteora"},
        ),
        Case(
            "trading_clmm",
            "positions_owned",
            "trading-clmm-positions-owned",
            (WALLET,),
            {"connector": "meteora"},
        ),
        Case(
            "trading_clmm",
            "quote_position",
            "trading-clmm-quote-position",
            (METEORA_POOL,),
            _kwargs_from(
                "trading-clmm-quote-position", drop=target + ("poolAddress",), connector="meteora"
            ),
        ),
        Case(
            "trading_clmm",
            "open",
            "trading-clmm-open",
            (METEORA_POOL,),
            _kwargs_from(
                "trading-clmm-open",
                drop=target + ("poolAddress", "strategyType"),
                connector="meteora",
                strategy_type=StrategyType.SPOT,
            ),
        ),
        Case(
            "trading_clmm",
            "add",
            "trading-clmm-add",
            (METEORA_POSITION,),
            _kwargs_from(
                "trading-clmm-add", drop=target + ("positionAddress",), connector="meteora"
            ),
        ),
        Case(
            "trading_clmm",
            "remove",
            "trading-clmm-remove",
            (METEORA_POSITION,),
            {"connector": "meteora", "wallet_address": WALLET, "fraction": Decimal("0.5")},
        ),
        Case(
            "trading_clmm",
            "collect_fees",
            "trading-clmm-collect-fees",
            (METEORA_POSITION,),
            {"connector": "meteora", "wallet_address": WALLET},
        ),
        Case(
            "trading_clmm",
            "close",
            "trading-clmm-close",
            (METEORA_POSITION,),
            {"connector": "meteora", "wallet_address": WALLET},
        ),
    ]


def _build_cases() -> list[Case]:
    net = ("network",)
    cases = [
        Case(None, "health", "health"),
        Case("config", "get", "config", kwargs={"namespace": "server"}),
        Case("config", "chains", "config-chains", unwrap="chains"),
        Case("config", "connectors", "config-connectors", unwrap="connectors"),
        Case("config", "namespaces", "config-namespaces", unwrap="namespaces"),
        Case("wallets", "list", "wallet-list", kwargs={"show_hardware": True}),
        Case(
            "tokens",
            "list",
            "tokens-list",
            kwargs={"chain": "solana", "network": "mainnet-beta", "search": "SOL"},
            unwrap="tokens",
        ),
        Case(
            "tokens",
            "get",
            "tokens-get",
            ("SOL",),
            {"chain": "solana", "network": "mainnet-beta"},
            unwrap="token",
        ),
        Case(
            "tokens",
            "find",
            "tokens-find",
            ("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",),
            {"chain_network": "solana-mainnet-beta"},
        ),
        Case(
            "pools",
            "list",
            "pools-list",
            kwargs={"connector": "meteora", "network": "mainnet-beta", "type": "clmm"},
        ),
        Case(
            "pools",
            "get",
            "pools-get",
            ("SOL-USDC",),
            {"connector": "meteora", "network": "mainnet-beta", "type": "clmm"},
        ),
        Case(
            "pools",
            "find",
            "pools-find",
            kwargs={
                "chain_network": "solana-mainnet-beta",
                "connector": "meteora",
                "type": "clmm",
                "token_a": "SOL",
                "token_b": "USDC",
                "pages": 1,
            },
        ),
        Case(
            "pools",
            "find_by_address",
            "pools-find-address",
            (load("pools-find-address")["request"]["path"]["address"],),
            {"chain_network": "solana-mainnet-beta"},
        ),
        Case("solana", "status", "chains-solana-status"),
        Case("solana", "estimate_gas", "chains-solana-estimate-gas"),
        Case(
            "solana", "balances", "chains-solana-balances", (WALLET,), {"tokens": ["SOL", "USDC"]}
        ),
        Case(
            "solana",
            "poll",
            "chains-solana-poll",
            (SIGNATURE,),
            {"wallet_address": WALLET, "tokens": ["SOL", "USDC"]},
        ),
        Case("solana", "wrap", "chains-solana-wrap", (Decimal("0.5"),), {"wallet_address": WALLET}),
        Case(
            "solana",
            "unwrap",
            "chains-solana-unwrap",
            kwargs={"wallet_address": WALLET, "amount": Decimal("0.5")},
        ),
        Case("ethereum", "status", "chains-ethereum-status"),
        Case("ethereum", "estimate_gas", "chains-ethereum-estimate-gas"),
    ]
    evm_wallet = _fields("chains-ethereum-balances")["address"]
    cases += [
        Case(
            "ethereum",
            "balances",
            "chains-ethereum-balances",
            (evm_wallet,),
            {"tokens": ["ETH", "USDC"]},
        ),
        Case(
            "ethereum",
            "poll",
            "chains-ethereum-poll",
            (_fields("chains-ethereum-poll")["signature"],),
        ),
        Case(
            "ethereum",
            "allowances",
            "chains-ethereum-allowances",
            (evm_wallet,),
            {"spender": "uniswap/router", "tokens": ["USDC", "WETH"]},
        ),
        Case(
            "ethereum",
            "approve",
            "chains-ethereum-approve",
            kwargs={
                "wallet_address": evm_wallet,
                "spender": "uniswap/router",
                "token": "USDC",
                "amount": Decimal("1000"),
            },
        ),
        Case(
            "ethereum",
            "wrap",
            "chains-ethereum-wrap",
            (Decimal("0.1"),),
            {"wallet_address": evm_wallet},
        ),
        Case(
            "ethereum",
            "unwrap",
            "chains-ethereum-unwrap",
            (Decimal("0.1"),),
            {"wallet_address": evm_wallet},
        ),
        Case(
            "jupiter",
            "quote_swap",
            "jupiter-router-quote-swap",
            kwargs=_kwargs_from("jupiter-router-quote-swap", drop=net),
        ),
        Case(
            "jupiter",
            "execute_quote",
            "jupiter-router-execute-quote",
            (_fields("jupiter-router-execute-quote")["quoteId"],),
            {
                "side": "SELL",
                "wallet_address": WALLET,
                "priority_level": "veryHigh",
                "max_lamports": 1000000,
            },
        ),
        Case(
            "jupiter",
            "execute_swap",
            "jupiter-router-execute-swap",
            kwargs=_kwargs_from(
                "jupiter-router-execute-swap", drop=net + ("maxLamports",), max_lamports=1000000
            ),
        ),
        Case(
            "uniswap_router",
            "quote_swap",
            "uniswap-router-quote-swap",
            kwargs=_kwargs_from("uniswap-router-quote-swap", drop=net),
        ),
        Case(
            "uniswap_router",
            "execute_quote",
            "uniswap-router-execute-quote",
            (_fields("uniswap-router-execute-quote")["quoteId"],),
            {"side": "SELL", "wallet_address": evm_wallet},
        ),
        Case(
            "uniswap_router",
            "execute_swap",
            "uniswap-router-execute-swap",
            kwargs=_kwargs_from("uniswap-router-execute-swap", drop=net),
        ),
        Case(
            "meteora",
            "fetch_pools",
            "meteora-clmm-fetch-pools",
            kwargs={"limit": 2, "token_a": "SOL", "token_b": "USDC"},
        ),
    ]
    cases += _clmm_cases("meteora", "meteora-clmm")
    cases += _clmm_cases("raydium_clmm", "raydium-clmm")
    cases += _clmm_cases("uniswap_clmm", "uniswap-clmm")
    cases += _amm_cases("raydium_amm", "raydium-amm")
    cases += _amm_cases("uniswap_amm", "uniswap-amm")
    cases += [
        Case(
            "trading_swap",
            "quote",
            "trading-swap-quote",
            kwargs=_kwargs_from("trading-swap-quote", drop=("chainNetwork",)),
        ),
        Case(
            "trading_swap",
            "execute",
            "trading-swap-execute",
            kwargs=_kwargs_from("trading-swap-execute", drop=("chainNetwork",)),
        ),
    ]
    cases += _trading_clmm_cases()
    return cases


CASES: list[Case] = _build_cases()

NOT_ROUTE_METHODS = {("solana", "wait_for_confirmation")}
"""Public methods that combine other calls instead of mapping to one route."""

RESOURCES = (
    "config",
    "wallets",
    "tokens",
    "pools",
    "solana",
    "ethereum",
    "jupiter",
    "meteora",
    "raydium_clmm",
    "raydium_amm",
    "uniswap_router",
    "uniswap_amm",
    "uniswap_clmm",
    "trading_swap",
    "trading_clmm",
)
