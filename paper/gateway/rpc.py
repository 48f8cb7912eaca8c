"""A small Solana JSON-RPC 2.0 subset answered from the paper chain (``POST /rpc``).

Methods: ``getSlot``, ``getBalance``, ``getSignatureStatuses``, ``getTransaction``,
``getSignaturesForAddress``, ``getTokenAccountsByOwner`` (``jsonParsed``). Batches (JSON arrays)
are answered in order. Errors use JSON-RPC codes: -32700 parse error, -32600 invalid request,
-32601 method not found, -32602 invalid params, -32016 minimum context slot not reached.

``getSignaturesForAddress`` lists the confirmed transactions whose account keys include the
address (a wallet, token account, pool or position; program ids are not indexed), newest first,
failed ones with their ``err``; a dropped transaction never landed and is never listed. The paper
chain has no finality: ``finalized`` reads like ``confirmed``. As on Solana, a ``before``
signature the chain does not know gives an empty list and an unknown ``until`` is ignored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lpexec.paper.chain import (
    LAMPORTS,
    SOL_MINT,
    TOKEN_ACCOUNT_RENT_LAMPORTS,
    PaperChain,
    Transaction,
)
from lpexec.paper.chain.keys import derive_address, is_address, is_signature

__all__ = ["TOKEN_PROGRAM", "handle_rpc", "transaction_json"]

TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
COMPUTE_BUDGET_PROGRAM = "ComputeBudget111111111111111111111111111111"
_PROGRAMS = {
    "open": "LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo",
    "add": "LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo",
    "remove": "LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo",
    "collect": "LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo",
    "close": "LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo",
    "swap": "LBUZKhRxPF3XUpBCjp4YzTKgLccjZhTSDM9YuVaPwxo",
    "route": "JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4",
    "wrap": TOKEN_PROGRAM,
    "unwrap": TOKEN_PROGRAM,
}


class _RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def handle_rpc(chain: PaperChain, payload: Any) -> Any:
    """Answer a JSON-RPC request object or batch; return the response object or list."""
    if isinstance(payload, list):
        if not payload:
            return _error(None, -32600, "Invalid request")
        return [_handle_one(chain, item) for item in payload]
    return _handle_one(chain, payload)


def _handle_one(chain: PaperChain, request: Any) -> dict[str, Any]:
    if (
        not isinstance(request, dict)
        or request.get("jsonrpc") != "2.0"
        or not isinstance(request.get("method"), str)
    ):
        ident = request.get("id") if isinstance(request, dict) else None
        return _error(ident, -32600, "Invalid request")
    ident = request.get("id")
    params = request.get("params", [])
    if not isinstance(params, list):
        return _error(ident, -32602, "Invalid params: expected an array")
    method = _METHODS.get(request["method"])
    if method is None:
        return _error(ident, -32601, f"Method not found: {request['method']}")
    try:
        result = method(chain, params)
    except _RpcError as e:
        return _error(ident, e.code, e.message)
    return {"jsonrpc": "2.0", "result": result, "id": ident}


def _error(ident: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": ident}


def _context(chain: PaperChain) -> dict[str, Any]:
    return {"apiVersion": "2.0.15", "slot": chain.slot}


def _address_param(params: list[Any], index: int = 0) -> str:
    if len(params) <= index or not is_address(params[index]):
        received = params[index] if len(params) > index else None
        raise _RpcError(
            -32602, f"Invalid params: expected a base58 public key, received {received!r}"
        )
    value: str = params[index]
    return value


def _get_slot(chain: PaperChain, params: list[Any]) -> int:
    del params
    return chain.slot


def _get_balance(chain: PaperChain, params: list[Any]) -> dict[str, Any]:
    address = _address_param(params)
    return {"context": _context(chain), "value": chain.ledger.balance(address, LAMPORTS)}


def _get_signature_statuses(chain: PaperChain, params: list[Any]) -> dict[str, Any]:
    if not params or not isinstance(params[0], list):
        raise _RpcError(-32602, "Invalid params: expected an array of signatures")
    signatures = params[0]
    if len(signatures) > 256:
        raise _RpcError(-32602, f"Invalid params: too many signatures ({len(signatures)} > 256)")
    slot = chain.slot
    values: list[dict[str, Any] | None] = []
    for signature in signatures:
        if not is_signature(signature):
            raise _RpcError(-32602, f"Invalid params: invalid signature {signature!r}")
        tx = chain.transaction(signature)
        if tx is None or not tx.landed:
            values.append(None)
            continue
        confirmations = max(0, slot - tx.slot)
        confirmed = slot >= tx.confirmation_slot
        values.append(
            {
                "slot": tx.slot,
                "confirmations": confirmations,
                "err": tx.error,
                "status": {"Err": tx.error} if tx.error else {"Ok": None},
                "confirmationStatus": "confirmed" if confirmed else "processed",
            }
        )
    return {"context": _context(chain), "value": values}


def _get_transaction(chain: PaperChain, params: list[Any]) -> dict[str, Any] | None:
    if not params or not is_signature(params[0]):
        received = params[0] if params else None
        raise _RpcError(-32602, f"Invalid params: invalid signature {received!r}")
    tx = chain.transaction(params[0])
    if tx is None or not tx.landed or chain.slot < tx.confirmation_slot:
        return None
    return transaction_json(tx)


def transaction_json(tx: Transaction) -> dict[str, Any]:
    """Return ``getTransaction`` (json, legacy) for a landed transaction."""
    program = _PROGRAMS.get(tx.operation, TOKEN_PROGRAM)
    keys = [*tx.account_keys, COMPUTE_BUDGET_PROGRAM, program]
    return {
        "slot": tx.slot,
        "blockTime": tx.block_time,
        "version": "legacy",
        "meta": {
            "err": tx.error,
            "status": {"Err": tx.error} if tx.error else {"Ok": None},
            "fee": tx.fee,
            "preBalances": [*tx.pre_balances, 1, 1],
            "postBalances": [*tx.post_balances, 1, 1],
            "preTokenBalances": [b.to_rpc() for b in tx.pre_token_balances],
            "postTokenBalances": [b.to_rpc() for b in tx.post_token_balances],
            "innerInstructions": [],
            "logMessages": list(tx.logs),
            "rewards": [],
            "computeUnitsConsumed": tx.compute_units,
            "loadedAddresses": {"writable": [], "readonly": []},
        },
        "transaction": {
            "signatures": [tx.signature],
            "message": {
                "header": {
                    "numRequiredSignatures": tx.signatures,
                    "numReadonlySignedAccounts": 0,
                    "numReadonlyUnsignedAccounts": 2,
                },
                "accountKeys": keys,
                "recentBlockhash": derive_address("blockhash", str(tx.slot)),
                "instructions": [
                    {"programIdIndex": len(keys) - 2, "accounts": [], "data": "3gJqkocMWaMm"},
                    {
                        "programIdIndex": len(keys) - 1,
                        "accounts": list(range(len(keys) - 2)),
                        "data": "",
                    },
                ],
            },
        },
    }


_MAX_SIGNATURES = 1000


def _get_signatures_for_address(chain: PaperChain, params: list[Any]) -> list[dict[str, Any]]:
    if not params or not is_address(params[0]):
        received = params[0] if params else None
        raise _RpcError(
            -32602, f"Invalid params: address: expected a base58 public key, received {received!r}"
        )
    address: str = params[0]
    config = params[1] if len(params) > 1 and params[1] is not None else {}
    if not isinstance(config, dict):
        raise _RpcError(-32602, f"Invalid params: config: expected an object, received {config!r}")
    limit = _limit_param(config.get("limit", _MAX_SIGNATURES))
    _check_commitment(chain, config)
    before = _signature_param(config, "before")
    until = _signature_param(config, "until")
    if before is not None and not _landed(chain, before):
        return []
    if until is not None and not _landed(chain, until):
        until = None
    slot = chain.slot
    found: list[dict[str, Any]] = []
    for tx in chain.transactions_for_address(address, before=before, until=until):
        if slot < tx.confirmation_slot:
            continue  # only processed so far
        found.append(
            {
                "signature": tx.signature,
                "slot": tx.slot,
                "err": tx.error,
                "memo": None,
                "blockTime": tx.block_time,
                "confirmationStatus": "confirmed",
            }
        )
        if len(found) == limit:
            break
    return found


def _limit_param(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_SIGNATURES:
        raise _RpcError(
            -32602,
            f"Invalid params: limit: expected an integer in 1..{_MAX_SIGNATURES}, "
            f"received {value!r}",
        )
    return value


def _check_commitment(chain: PaperChain, config: dict[str, Any]) -> None:
    commitment = config.get("commitment", "finalized")
    if commitment == "processed":
        raise _RpcError(
            -32602, "Invalid params: commitment: method does not support commitment below confirmed"
        )
    if commitment not in ("confirmed", "finalized"):
        raise _RpcError(
            -32602,
            "Invalid params: commitment: expected 'confirmed' or 'finalized', "
            f"received {commitment!r}",
        )
    minimum = config.get("minContextSlot")
    if minimum is None:
        return
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise _RpcError(
            -32602,
            f"Invalid params: minContextSlot: expected a slot number, received {minimum!r}",
        )
    if chain.slot < minimum:
        raise _RpcError(-32016, f"Minimum context slot has not been reached (slot {chain.slot})")


def _signature_param(config: dict[str, Any], name: str) -> str | None:
    value = config.get(name)
    if value is None:
        return None
    if not is_signature(value):
        raise _RpcError(
            -32602, f"Invalid params: {name}: expected a base58 signature, received {value!r}"
        )
    signature: str = value
    return signature


def _landed(chain: PaperChain, signature: str) -> bool:
    tx = chain.transaction(signature)
    return tx is not None and tx.landed


def _get_token_accounts_by_owner(chain: PaperChain, params: list[Any]) -> dict[str, Any]:
    owner = _address_param(params)
    if len(params) < 2 or not isinstance(params[1], dict):
        raise _RpcError(-32602, "Invalid params: expected a filter {mint} or {programId}")
    selector = params[1]
    mints: list[str]
    if "mint" in selector:
        mints = [selector["mint"]]
    elif selector.get("programId") == TOKEN_PROGRAM:
        mints = [t.address for t in chain.tokens]
    elif "programId" in selector:
        mints = []
    else:
        raise _RpcError(-32602, "Invalid params: expected a filter {mint} or {programId}")
    accounts = []
    for mint in mints:
        if not chain.has_token_account(owner, mint):
            continue
        account = chain.token_account(owner, mint)
        token = chain.tokens.find(mint)
        decimals = token.decimals if token else 0
        amount = chain.ledger.balance(account, mint)
        ui = Decimal(amount).scaleb(-decimals)
        accounts.append(
            {
                "pubkey": account,
                "account": {
                    "data": {
                        "program": "spl-token",
                        "parsed": {
                            "type": "account",
                            "info": {
                                "isNative": mint == SOL_MINT,
                                "mint": mint,
                                "owner": owner,
                                "state": "initialized",
                                "tokenAmount": {
                                    "amount": str(amount),
                                    "decimals": decimals,
                                    "uiAmount": ui,
                                    "uiAmountString": format(ui.normalize(), "f")
                                    if amount
                                    else "0",
                                },
                            },
                        },
                        "space": 165,
                    },
                    "executable": False,
                    "lamports": chain.ledger.balance(account, LAMPORTS)
                    or TOKEN_ACCOUNT_RENT_LAMPORTS,
                    "owner": TOKEN_PROGRAM,
                    "rentEpoch": 18446744073709551615,
                    "space": 165,
                },
            }
        )
    return {"context": _context(chain), "value": accounts}


_METHODS = {
    "getSlot": _get_slot,
    "getBalance": _get_balance,
    "getSignatureStatuses": _get_signature_statuses,
    "getTransaction": _get_transaction,
    "getSignaturesForAddress": _get_signatures_for_address,
    "getTokenAccountsByOwner": _get_token_accounts_by_owner,
}
