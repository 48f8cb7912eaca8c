"""What a freshly installed Gateway 2.13.0 serves before anyone edits its configuration.

The chains, connectors, configuration namespaces, Solana mainnet-beta token list and default
pool addresses below are the ones Gateway 2.13.0 ships in its templates, so that a user's real
configuration (pool addresses, token symbols, ``?namespace=`` reads) works unchanged on paper.
The paper chain simulates Solana only; EVM chains and connectors are listed as the real server
lists them, and their routes answer that the paper Gateway does not simulate them.
"""

from __future__ import annotations

from typing import Any

from lpexec.paper.chain.tokens import SOL_MINT, Token

__all__ = [
    "CHAINS",
    "CONNECTORS",
    "DEFAULT_POOLS",
    "GATEWAY_TOKENS",
    "NAMESPACES",
    "SIMULATED_CONNECTORS",
    "USDC_MINT",
    "all_config",
    "namespace_config",
]

SOLANA_NETWORKS = ["devnet", "mainnet-beta"]
_EVM_NETWORKS = ["arbitrum", "avalanche", "base", "bsc", "celo", "mainnet", "optimism", "polygon"]

CHAINS: list[dict[str, Any]] = [
    {"chain": "ethereum", "networks": sorted([*_EVM_NETWORKS, "sepolia"])},
    {"chain": "solana", "networks": SOLANA_NETWORKS},
]
"""``GET /config/chains`` of 2.13.0."""

CONNECTORS: list[dict[str, Any]] = [
    {
        "name": "jupiter",
        "trading_types": ["router"],
        "chain": "solana",
        "networks": SOLANA_NETWORKS,
    },
    {
        "name": "meteora",
        "trading_types": ["clmm"],
        "chain": "solana",
        "networks": SOLANA_NETWORKS,
    },
    {
        "name": "raydium",
        "trading_types": ["amm", "clmm"],
        "chain": "solana",
        "networks": SOLANA_NETWORKS,
    },
    {
        "name": "uniswap",
        "trading_types": ["amm", "clmm", "router"],
        "chain": "ethereum",
        "networks": _EVM_NETWORKS,
    },
    {
        "name": "0x",
        "trading_types": ["router"],
        "chain": "ethereum",
        "networks": [n for n in _EVM_NETWORKS if n != "celo"],
    },
    {
        "name": "pancakeswap",
        "trading_types": ["amm", "clmm", "router"],
        "chain": "ethereum",
        "networks": ["arbitrum", "base", "bsc", "mainnet"],
    },
    {
        "name": "pancakeswap-sol",
        "trading_types": ["clmm"],
        "chain": "solana",
        "networks": SOLANA_NETWORKS,
    },
    {"name": "orca", "trading_types": ["clmm"], "chain": "solana", "networks": SOLANA_NETWORKS},
]
"""``GET /config/connectors`` of 2.13.0."""

SIMULATED_CONNECTORS = ("jupiter/router", "meteora/clmm", "raydium/clmm", "orca/clmm")
"""The connector routes the paper chain simulates (the others are listed, not served)."""

USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"

GATEWAY_TOKENS: tuple[Token, ...] = (
    Token("BONK", "Bonk", "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263", 5),
    Token("ETH", "Ethereum (Wormhole)", "7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs", 8),
    Token("HNT", "Helium", "hntyVP6YFm1Hg25TN9WGLqM12b8TQmcknKrdu1oxWux", 8),
    Token("JUP", "Jupiter", "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN", 6),
    Token("MSOL", "Marinade Staked SOL", "mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So", 9),
    Token("PYTH", "Pyth Network", "HZ1JovNiVvGrGNiiYvEozEVgZ58xaU3RKwX8eACQBCt3", 6),
    Token("RAY", "Raydium", "4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R", 6),
    Token("SOL", "Wrapped Solana", SOL_MINT, 9),
    Token("CBBTC", "Coinbase Wrapped BTC", "cbbtcf3aa214zXHbiAZQwf4122FBYbraNdFqgw4iMij", 8),
    Token("USDC", "USDC", USDC_MINT, 6),
    Token("USDT", "Tether", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", 6),
    Token("PENGU", "Pudgy Penguins", "2zMMhcVQEXDtdE6vsFS7S7D5oUodfJHE8vd1gnBouauv", 6),
    Token("CAKE", "PancakeSwap Token", "4qQeZ5LwSz6HuupUu8jCtgXyW1mYQcNbFAW1sWZp89HL", 9),
    Token("MET", "Meteora", "METvsvVRapdj9cFLzq4Tr43xK4tAjQfwX76z3n6mWQL", 6),
)
"""Gateway 2.13.0's Solana mainnet-beta token list (``conf/tokens/solana/mainnet-beta.json``)."""

DEFAULT_POOLS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("meteora", "SOL", "USDC"): ("2sf5NYcY4zUPXUSmG6f66mskb24t5F8S11pC1Nz5nQT3", "0.04"),
    ("meteora", "JUP", "USDC"): ("7HR1ouGwPsCyPScUCx4WJCPyktXMoLitrGkLczd7Vabx", "0.01"),
    ("raydium", "SOL", "USDC"): ("3ucNos4NbumPLZNWztqGHNFFgkHeRMBQAVemeeomsUxv", "0.04"),
}
"""Gateway 2.13.0's default pool list entries: address and fee in percent, by connector and
pair (``conf/pools/<connector>.json``)."""

_SOLANA_NETWORK_CONFIG: dict[str, Any] = {
    "chainID": 101,
    "nodeURL": "https://api.mainnet-beta.solana.com",
    "nativeCurrencySymbol": "SOL",
    "geckoId": "solana",
    "swapProvider": "jupiter/router",
    "defaultComputeUnits": 200_000,
    "confirmRetryInterval": 1,
    "confirmRetryCount": 10,
    "minPriorityFeePerCU": 0.1,
    "maxPriorityFeePerCU": 1.0,
    "priorityFeeLevel": "High",
}

_CONFIG: dict[str, dict[str, Any]] = {
    "server": {
        "GMTOffset": -8,
        "port": 15888,
        "docsPort": 0,
        "certificatePath": "./certs/",
        "logPath": "./logs",
        "ipWhitelist": [],
        "logToStdOut": True,
        "fastifyLogs": False,
        "logLevel": "info",
    },
    "solana": {
        "defaultNetwork": "mainnet-beta",
        "defaultWallet": "<solana-wallet-address>",
        "defaultNetworks": ["mainnet-beta"],
        "rpcProvider": "url",
    },
    "solana-mainnet-beta": _SOLANA_NETWORK_CONFIG,
    "solana-devnet": {
        **_SOLANA_NETWORK_CONFIG,
        "chainID": 103,
        "nodeURL": "https://api.devnet.solana.com",
    },
    "meteora": {"slippagePct": 2, "strategyType": 0},
    "jupiter": {
        "slippagePct": 1,
        "priorityLevel": "veryHigh",
        "maxLamports": 1_000_000,
        "onlyDirectRoutes": False,
        "restrictIntermediateTokens": True,
        "apiKey": "",
    },
    "raydium": {"slippagePct": 1},
    "orca": {"slippagePct": 1},
}

NAMESPACES: list[str] = sorted(
    [
        "server",
        "ethereum",
        "solana",
        *(f"ethereum-{n}" for n in CHAINS[0]["networks"]),
        "solana-mainnet-beta",
        "solana-devnet",
        "uniswap",
        "jupiter",
        "meteora",
        "raydium",
        "orca",
        "0x",
        "pancakeswap",
        "pancakeswap-sol",
        "apiKeys",
    ]
)
"""``GET /config/namespaces`` of 2.13.0 (sorted, as Gateway sorts them)."""


def namespace_config(namespace: str, default_wallet: str | None) -> dict[str, Any] | None:
    """Return one namespace's configuration (a network namespace merged over its chain's),
    or None for an unknown namespace. The paper Gateway's wallet replaces the placeholder."""
    if namespace not in NAMESPACES:
        return None
    config = dict(_CONFIG.get(namespace, {}))
    chain, _, network = namespace.partition("-")
    if network and chain in ("solana", "ethereum"):
        config = {**_CONFIG.get(chain, {}), **config}
    if default_wallet and config.get("defaultWallet") == "<solana-wallet-address>":
        config["defaultWallet"] = default_wallet
    return config


def all_config(default_wallet: str | None) -> dict[str, Any]:
    """Return every namespace's configuration (``GET /config/`` without a namespace)."""
    out: dict[str, Any] = {}
    for name in NAMESPACES:
        config = dict(_CONFIG.get(name, {}))
        if default_wallet and config.get("defaultWallet") == "<solana-wallet-address>":
            config["defaultWallet"] = default_wallet
        out[name] = config
    return out
