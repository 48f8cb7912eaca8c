"""The paper chain: a simulated Solana chain for paper trading, tests and backtests.

Wallets hold SOL and SPL tokens in base units; transactions pay 5,000 lamports per signature plus
a priority fee; Meteora positions lock refundable rent and new BinArrays sink rent; time runs in
400 ms slots of an injected clock; transactions confirm after a configurable number of slots;
faults (drops, timeouts, on-chain failures, rate limits, server errors, RPC outages, slow answers)
are injected deterministically from a seed; every balance change is in the ledger with its cause;
the whole state saves to and loads from a JSON file.
"""

from __future__ import annotations

from lpexec.paper.chain.chain import STATE_VERSION, PaperChain
from lpexec.paper.chain.costs import (
    BIN_ARRAY_RENT_LAMPORTS,
    CLMM_POSITION_RENT_LAMPORTS,
    LAMPORTS_PER_SOL,
    POSITION_RENT_LAMPORTS,
    POSITION_RENT_PER_EXTRA_BIN_LAMPORTS,
    TOKEN_ACCOUNT_RENT_LAMPORTS,
    FeeSchedule,
    OperationBudget,
    position_rent,
    priority_fee,
    transaction_fee,
)
from lpexec.paper.chain.errors import (
    ChainError,
    FaultSpecError,
    InsufficientFundsError,
    InvalidChainRequestError,
    LedgerImbalanceError,
    NotFoundError,
    NotOwnerError,
    PoolNotFoundError,
    PositionClosedError,
    PositionNotFoundError,
    RouteNotFoundError,
    SwapRejectedError,
    WalletNotFoundError,
)
from lpexec.paper.chain.faults import Fault, FaultDecision, FaultEffect, FaultPlan, FaultRule
from lpexec.paper.chain.keys import KeyFactory, b58decode, b58encode, is_address, is_signature
from lpexec.paper.chain.ledger import LAMPORTS, AccountKind, Cause, Ledger, LedgerEntry, Posting
from lpexec.paper.chain.positions import PositionRecord
from lpexec.paper.chain.receipts import (
    CloseReceipt,
    CollectReceipt,
    LiquidityReceipt,
    OpenReceipt,
    Receipt,
    SwapReceipt,
    WrapReceipt,
)
from lpexec.paper.chain.state import FEE_SINK, MARKET, SLOT_SECONDS, PoolEntry
from lpexec.paper.chain.tokens import DEFAULT_TOKENS, SOL_MINT, Token, TokenList, UnknownTokenError
from lpexec.paper.chain.trading import Hop
from lpexec.paper.chain.transactions import TokenBalance, Transaction, TxFate, TxStatus

__all__ = [
    "BIN_ARRAY_RENT_LAMPORTS",
    "CLMM_POSITION_RENT_LAMPORTS",
    "DEFAULT_TOKENS",
    "FEE_SINK",
    "LAMPORTS",
    "LAMPORTS_PER_SOL",
    "MARKET",
    "POSITION_RENT_LAMPORTS",
    "POSITION_RENT_PER_EXTRA_BIN_LAMPORTS",
    "SLOT_SECONDS",
    "SOL_MINT",
    "STATE_VERSION",
    "TOKEN_ACCOUNT_RENT_LAMPORTS",
    "AccountKind",
    "Cause",
    "ChainError",
    "CloseReceipt",
    "CollectReceipt",
    "Fault",
    "FaultDecision",
    "FaultEffect",
    "FaultPlan",
    "FaultRule",
    "FaultSpecError",
    "FeeSchedule",
    "Hop",
    "InsufficientFundsError",
    "InvalidChainRequestError",
    "KeyFactory",
    "Ledger",
    "LedgerEntry",
    "LedgerImbalanceError",
    "LiquidityReceipt",
    "NotFoundError",
    "NotOwnerError",
    "OpenReceipt",
    "OperationBudget",
    "PaperChain",
    "PoolEntry",
    "PoolNotFoundError",
    "PositionClosedError",
    "PositionNotFoundError",
    "PositionRecord",
    "Posting",
    "Receipt",
    "RouteNotFoundError",
    "SwapReceipt",
    "SwapRejectedError",
    "Token",
    "TokenBalance",
    "TokenList",
    "Transaction",
    "TxFate",
    "TxStatus",
    "UnknownTokenError",
    "WalletNotFoundError",
    "WrapReceipt",
    "b58decode",
    "b58encode",
    "is_address",
    "is_signature",
    "position_rent",
    "priority_fee",
    "transaction_fee",
]
