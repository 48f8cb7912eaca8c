"""``SwapExecutor``: one token swap, best quote first, with no I/O.

It asks every provider for a quote at once (:class:`~swap.messages.QuoteSwap`), checks the
wallet can pay, picks the best net output (SELL) or lowest input (BUY) and executes through that
provider (:class:`~swap.messages.ExecuteSwap`) within the bound its slippage sets. The report
keeps the chosen route and the losing quotes. Accounting comes from what moved
(:class:`~swap.messages.SwapFilled`), never from the request.

Failures that asking again cannot fix (no route, slippage exceeded, insufficient funds, a
transaction that failed on chain) end the executor FAILED with a clear reason; a provider outage
or a send that certainly did not go out starts a new quote round, up to ``max_attempts`` rounds.
An unknown outcome is the engine's to reconcile: the executor waits in EXECUTING meanwhile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from lpexec.core import (
    CloseType,
    Command,
    CommandFailed,
    Executor,
    ExecutorInfo,
    ExecutorMetrics,
    ExecutorStarted,
    PriceUpdated,
    StopRequested,
    SwapExecuted,
    on,
)
from lpexec.core.money import ZERO
from lpexec.swap.accounting import SwapAccounting, account_swap, native_price_for
from lpexec.swap.config import SwapExecutorConfig
from lpexec.swap.details import SwapDetails
from lpexec.swap.messages import (
    SWAP_VENUE,
    ExecuteSwap,
    QuoteSwap,
    SwapFilled,
    SwapQuoted,
    SwapQuoteRefreshed,
)
from lpexec.swap.quotes import ProviderQuote, QuoteFailure, best_quote, swap_limit
from lpexec.swap.states import SWAP_STATUS, SWAP_TRANSITIONS, SwapState, SwapTrigger

__all__ = ["SwapExecutor", "SwapExecutorState"]


@dataclass(slots=True)
class SwapExecutorState:
    """Everything a swap executor knows; amounts in human units, the fee in the native token."""

    swap_state: SwapState = SwapState.NOT_STARTED
    quote_command_id: str = ""
    execute_command_id: str = ""
    rounds: int = 0
    quotes: list[ProviderQuote] = field(default_factory=list)
    failures: list[QuoteFailure] = field(default_factory=list)
    balances: dict[str, Decimal] = field(default_factory=dict)
    native_price: Decimal | None = None
    chosen: ProviderQuote | None = None
    executed_quote: ProviderQuote | None = None
    refresh_reason: str = ""
    limit: Decimal | None = None
    provider: str = ""
    base_amount: Decimal = ZERO
    quote_amount: Decimal = ZERO
    tx_fee: Decimal = ZERO
    signature: str = ""
    evidence: str = ""
    fee_estimated: bool = False
    stop_requested: bool = False
    failure_reason: str = ""
    failure_code: str = ""


class SwapExecutor(Executor[SwapExecutorConfig, SwapExecutorState]):
    """One swap (see module docstring). Pure: events in, commands out."""

    config_class = SwapExecutorConfig
    state_class = SwapExecutorState
    family_table = SWAP_TRANSITIONS
    family_status = SWAP_STATUS
    family_field = "swap_state"

    # --- failing --------------------------------------------------------------------------------

    def _fail(self, reason: str, code: str, event: CommandFailed | SwapQuoted) -> list[Command]:
        self.state.failure_reason, self.state.failure_code = reason, code
        self._fire(SwapTrigger.FAIL, close_type=CloseType.FAILED, now=event.ts_event)
        return []

    # --- quoting --------------------------------------------------------------------------------

    @on(ExecutorStarted)
    def _started(self, _event: ExecutorStarted) -> list[Command]:
        self._fire(SwapTrigger.QUOTE)
        return [self._quote_command()]

    def _quote_command(self) -> QuoteSwap:
        config, state = self.config, self.state
        state.rounds += 1
        state.quote_command_id = self._next_command_id()
        return QuoteSwap(
            command_id=state.quote_command_id,
            executor_id=self.id,
            venue=SWAP_VENUE,
            providers=config.providers,
            trading_pair=config.trading_pair,
            side=config.side,
            amount=config.amount,
            slippage=config.slippage,
            pool_address=config.pool_address,
            native_token=config.native_token,
        )

    @on(SwapQuoted)
    def _quoted(self, event: SwapQuoted) -> list[Command]:
        state, config = self.state, self.config
        if event.command_id != state.quote_command_id or state.swap_state is not SwapState.QUOTING:
            return []
        state.quote_command_id = ""
        state.quotes, state.failures = list(event.quotes), list(event.failures)
        if event.balances:
            state.balances = dict(event.balances)
        if event.native_price is not None:
            state.native_price = event.native_price
        winner = best_quote(config.side, event.quotes)
        if winner is None:
            return self._no_quote(event)
        limit = swap_limit(winner, config.slippage)
        shortage = self._shortage(limit)
        if shortage:
            return self._fail(shortage, "insufficient_funds", event)
        state.chosen, state.limit, state.provider = winner, limit, winner.provider
        state.executed_quote, state.refresh_reason = winner, ""
        self._fire(SwapTrigger.EXECUTE)
        state.execute_command_id = self._next_command_id()
        return [
            ExecuteSwap(
                command_id=state.execute_command_id,
                executor_id=self.id,
                venue=SWAP_VENUE,
                provider=winner.provider,
                trading_pair=config.trading_pair,
                side=config.side,
                amount=config.amount,
                slippage=config.slippage,
                limit=limit,
                quote=winner,
                max_quote_age_seconds=config.max_quote_age_seconds,
                balances_before=dict(state.balances),
                pool_address=config.pool_address,
                native_token=config.native_token,
            )
        ]

    def _no_quote(self, event: SwapQuoted) -> list[Command]:
        failures = event.failures
        if any(f.retryable for f in failures) and self.state.rounds < self.config.max_attempts:
            self._fire(SwapTrigger.REQUOTE)
            return [self._quote_command()]
        reasons = "; ".join(f"{f.provider}: {f.reason}" for f in failures) or "no answer"
        codes = {f.code for f in failures}
        code = "no_route" if codes == {"no_route"} else (failures[0].code if failures else "")
        prefix = "no route found" if code == "no_route" else "no provider could quote"
        reason = (
            f"{prefix} for {self.config.side} {self.config.amount} {self.config.trading_pair} "
            f"after {self.state.rounds} round(s) ({reasons}); nothing was sent"
        )
        return self._fail(reason, code or "no_quote", event)

    def _shortage(self, limit: Decimal) -> str:
        """Say why the wallet cannot pay, or '' (unknown balances are not a shortage)."""
        config, balances = self.config, self.state.balances
        if not balances or not any(balances.values()):
            return ""  # Gateway reads zeros when its RPC is down: never infer an empty wallet
        token, needed = (
            (config.base_token, config.amount)
            if config.side == "SELL"
            else (config.quote_token, limit)
        )
        held = balances.get(token)
        if held is None or held >= needed:
            return ""
        return (
            f"insufficient funds: expected at least {needed} {token} in the wallet for "
            f"{config.side} {config.amount} {config.trading_pair}, received a balance of {held}; "
            "nothing was sent"
        )

    @on(PriceUpdated)
    def _price(self, event: PriceUpdated) -> list[Command]:
        config = self.config
        if event.trading_pair == f"{config.native_token}-{config.quote_token}":
            self.state.native_price = event.price
            self._touch()
        return []

    # --- executing ------------------------------------------------------------------------------

    @on(SwapQuoteRefreshed)
    def _refreshed(self, event: SwapQuoteRefreshed) -> list[Command]:
        state = self.state
        if event.command_id != state.execute_command_id:
            return []
        state.executed_quote, state.refresh_reason = event.quote, event.reason
        self._touch()
        return []

    @on(SwapFilled)
    def _filled(self, event: SwapFilled) -> list[Command]:
        return self._settled(event, evidence=event.evidence, fee_estimated=event.fee_estimated)

    @on(SwapExecuted)
    def _executed(self, event: SwapExecuted) -> list[Command]:
        return self._settled(event, evidence="response", fee_estimated=False)

    def _settled(self, event: SwapExecuted, *, evidence: str, fee_estimated: bool) -> list[Command]:
        state = self.state
        if event.command_id != state.execute_command_id:
            return []
        if state.swap_state not in (SwapState.EXECUTING, SwapState.STRANDED):
            return []
        state.failure_reason = state.failure_code = ""
        state.base_amount, state.quote_amount = event.base_amount, event.quote_amount
        state.tx_fee, state.signature = event.tx_fee, event.signature
        state.provider = event.provider or state.provider
        state.evidence, state.fee_estimated = evidence, fee_estimated
        self._fire(SwapTrigger.FILL, close_type=CloseType.COMPLETED, now=event.ts_event)
        return []

    # --- failures and stops ---------------------------------------------------------------------

    @on(CommandFailed)
    def _command_failed(self, event: CommandFailed) -> list[Command]:
        state = self.state
        if event.command_id == state.quote_command_id and state.swap_state is SwapState.QUOTING:
            state.quote_command_id = ""
            if event.retryable and state.rounds < self.config.max_attempts:
                self._fire(SwapTrigger.REQUOTE)
                return [self._quote_command()]
            reason = f"quoting failed: {event.reason}; nothing was sent"
            return self._fail(reason, event.code, event)
        if event.command_id == state.execute_command_id and state.swap_state in (
            SwapState.EXECUTING,
            SwapState.STRANDED,
        ):
            return self._execute_failed(event)
        return []

    def _execute_failed(self, event: CommandFailed) -> list[Command]:
        state, config = self.state, self.config
        state.tx_fee += event.tx_fee  # a transaction that failed on chain still cost its fee
        if event.code == "outcome_unknown":
            state.failure_reason = (
                f"swap through {state.provider} outcome unknown: {event.reason}; it may have "
                "landed: retry to reconcile it again"
            )
            state.failure_code = event.code
            self._fire(SwapTrigger.STRAND)
            return []
        if (
            event.retryable
            and state.swap_state is SwapState.EXECUTING
            and state.rounds < config.max_attempts
        ):
            # The send certainly did not go out: prices may have moved, compare again.
            state.execute_command_id = ""
            self._fire(SwapTrigger.REQUOTE)
            return [self._quote_command()]
        if event.code == "slippage_exceeded":
            limit_name = "minimum received" if config.side == "SELL" else "maximum paid"
            reason = (
                f"slippage exceeded through {state.provider}: the price moved beyond "
                f"slippage_pct={config.slippage} ({limit_name} {state.limit} "
                f"{config.quote_token}); not retried. {event.reason}"
            )
        elif event.code == "transaction_failed":
            reason = (
                f"swap through {state.provider} failed on chain: the network fee was paid and "
                f"nothing was swapped; not retried. {event.reason}"
            )
        elif event.code == "no_route":
            reason = f"no route found through {state.provider}; not retried. {event.reason}"
        else:
            reason = f"swap through {state.provider} failed: {event.reason}"
        return self._fail(reason, event.code, event)

    @on(StopRequested)
    def _stop(self, event: StopRequested) -> list[Command]:
        state = self.state
        if state.swap_state in (SwapState.NOT_STARTED, SwapState.QUOTING):
            self._fire(SwapTrigger.CANCEL, close_type=CloseType.EARLY_STOP, now=event.ts_event)
            state.quote_command_id = ""
            return []
        if state.swap_state is SwapState.EXECUTING and not state.stop_requested:
            # A sent swap cannot be called back; its outcome decides how this ends.
            state.stop_requested = True
            self._touch()
        return []

    # --- reporting ------------------------------------------------------------------------------

    def accounting(self) -> SwapAccounting:
        """The swap's figures from what moved (zeros before it settled)."""
        state, config = self.state, self.config
        effective = state.quote_amount / state.base_amount if state.base_amount > 0 else None
        quoted = state.executed_quote
        # Nothing moved (a swap that failed on chain still paid its fee): price the fee at the
        # chosen quote's price.
        chosen = state.chosen
        reference = effective
        if reference is None and chosen is not None and chosen.base_amount > 0:
            reference = chosen.quote_amount / chosen.base_amount
        return account_swap(
            side=config.side,
            base_amount=state.base_amount,
            quote_amount=state.quote_amount,
            tx_fee_native=state.tx_fee,
            native_price=native_price_for(
                base_token=config.base_token,
                quote_token=config.quote_token,
                native_token=config.native_token,
                effective_price=reference,
                native_price=state.native_price,
            ),
            quoted_base=quoted.base_amount if quoted is not None else None,
            quoted_quote=quoted.quote_amount if quoted is not None else None,
        )

    def metrics(self) -> ExecutorMetrics:
        figures = self.accounting()
        return ExecutorMetrics(
            fees_paid_quote=figures.fees_paid_quote,
            volume_quote=figures.volume_quote,
        )

    def info(self, now: dt.datetime, *, stranded_reason: str | None = None) -> ExecutorInfo:
        if stranded_reason is None and self.state.swap_state is SwapState.STRANDED:
            stranded_reason = self.state.failure_reason
        return super().info(now, stranded_reason=stranded_reason)

    def details(self) -> SwapDetails:
        return SwapDetails.build(self)
