"""``BestQuoteSwapVenue``: quotes every provider at once and executes through the chosen one.

The venue behind the swap executor's commands (venue key :data:`~swap.messages.SWAP_VENUE`):

* ``quote_swaps`` asks every provider concurrently, reads the wallet's balances beside them and,
  when the pair does not hold the native token, its price in quote;
* ``execute_swap`` renews a Jupiter quote older than the command allows and always re-reads a
  pool provider's quote (Gateway bounds a pool swap from its own fresh quote, not ours); a
  renewed quote outside the limit is refused, never sent. It reads the balances just before
  sending, sends through the chosen provider at a slippage that keeps Gateway's bound at the
  limit, and follows the transaction to its end;
* ``reconcile`` settles an unknown outcome from the intent's evidence: with a signature (a
  pending answer) by polling it; without one (Gateway's 504 ``TRANSACTION_TIMEOUT``) by comparing
  the wallet's balances with those read before sending (:mod:`swap.balances`). "Did not land" is
  only answered once the transaction can no longer land (``settle_seconds`` after the first
  look), so the engine never sends a second swap while the first may still arrive.

The venue keeps nothing between calls: the chosen swap, the balances before, the signature and
the first look are all recorded in the evidence, so any process can reconcile.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from gateway_client import (
    ChainHistory,
    GatewayClient,
    GatewayError,
    NotFoundError,
    QuoteNotFoundError,
    SwapResult,
    TransactionFailedError,
)
from lpexec.core import (
    Clock,
    Command,
    CommandFailed,
    ConfigError,
    Evidence,
    OutcomeEvent,
    OutcomeUnknownError,
    Swap,
    SwapExecuted,
    VenueRejectedError,
    VenueUnavailableError,
)
from lpexec.core.serialization import decode_message, encode_message
from lpexec.swap.balances import SwapFingerprint, match_balances
from lpexec.swap.config import SWAP_PROVIDER_PATTERN
from lpexec.swap.messages import ExecuteSwap, QuoteSwap, SwapFilled, SwapQuoted, SwapQuoteRefreshed
from lpexec.swap.quotes import (
    ProviderQuote,
    QuoteFailure,
    best_quote,
    is_stale,
    matches_amount,
    meets_limit,
    slippage_for_limit,
    swap_limit,
)
from lpexec.venues.gateway.fills import SwapFill, fill_from_data, fill_from_poll
from lpexec.venues.gateway.providers import SwapProvider, SwapRequest, provider_for
from lpexec.venues.gateway.transactions import (
    NamedSignatures,
    WalletTransactions,
    failed_swap,
    note_send,
    records_since_send,
    venue_error,
)

__all__ = ["DEFAULT_PROVIDERS", "NATIVE_PRICE_AMOUNT", "BestQuoteSwapVenue", "quote_failure"]

logger = logging.getLogger(__name__)

DEFAULT_PROVIDERS = ("jupiter/router", "meteora/clmm", "raydium/clmm")
"""Providers compared for a core ``Swap`` command."""
NATIVE_PRICE_AMOUNT = Decimal("0.1")
"""Native amount quoted to price the network fee when the pair does not hold the native token."""
_BOUND_TOLERANCE = Decimal("0.000001")


class BestQuoteSwapVenue:
    """Swaps for one wallet through whichever provider quotes best.

    Args:
        client: an open ``GatewayClient``.
        wallet_address: the signer.
        clock: the engine's clock.
        network: e.g. ``mainnet-beta``.
        native_token: the token network fees are paid in.
        confirm_seconds: how long a pending answer is followed before the outcome is unknown.
        settle_seconds: how long "not on chain" stays "unknown" before it means "did not land"
            (the life of a transaction's blockhash; 0 on a paper chain where a dropped
            transaction never lands).
        max_network_fee: the most one swap's fee (and any token-account rent) can cost in the
            native token; balance changes beyond it do not match a swap.
        price_provider: the provider that prices the native token.
        providers: the providers compared for a core ``Swap`` command (the LP executor's
            swap-back, the rebalancer), which names none.
        max_quote_age_seconds: the quote age allowed for a core ``Swap`` command.
        history: the chain's signature history (Solana RPC): with it a swap that failed on
            chain with its answer lost is found among the wallet's transactions since the send
            (:func:`~venues.gateway.transactions.failed_swap`) and reported with its fee.
        named_signatures: the signatures the wallet's writes got or were given (shared with the
            wallet's other venues).
        claimed_positions: the positions of the wallet's LP executors.
    """

    def __init__(
        self,
        client: GatewayClient,
        *,
        wallet_address: str,
        clock: Clock,
        network: str = "mainnet-beta",
        native_token: str = "SOL",
        settle_seconds: float = 90.0,
        max_network_fee: Decimal = Decimal("0.01"),
        price_provider: str = "jupiter/router",
        providers: Sequence[str] = DEFAULT_PROVIDERS,
        max_quote_age_seconds: float = 10.0,
        history: ChainHistory | None = None,
        named_signatures: NamedSignatures | None = None,
        claimed_positions: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self._client = client
        self._wallet = wallet_address
        self._clock = clock
        self._network = network
        self._native = native_token
        self._tx = WalletTransactions(
            client, wallet_address, network, clock, dt.timedelta(seconds=settle_seconds)
        )
        self._max_fee = max_network_fee
        self._price_provider = price_provider
        self._providers: dict[str, SwapProvider] = {}
        self._default_providers = tuple(providers)
        self._max_quote_age = max_quote_age_seconds
        self._history = history
        self._named = named_signatures or NamedSignatures()
        self._claimed = claimed_positions or (lambda: ())

    def provider(self, name: str) -> SwapProvider:
        """Return the adapter of provider ``name``.

        Raises:
            ConfigError: ``name`` is not a ``name/type`` Gateway connector.
        """
        adapter = self._providers.get(name)
        if adapter is None:
            if not re.fullmatch(SWAP_PROVIDER_PATTERN, name):
                raise ConfigError(
                    f"provider: expected name/type (e.g. jupiter/router), received {name!r}"
                )
            adapter = self._providers[name] = provider_for(
                self._client, name, network=self._network
            )
        return adapter

    # --- quoting --------------------------------------------------------------------------------

    async def quote_swaps(self, command: QuoteSwap) -> SwapQuoted:
        """Quote every provider of ``command`` concurrently; failures are listed, not raised."""
        base, quote = command.trading_pair.split("-", 1)
        request = SwapRequest(
            base_token=base,
            quote_token=quote,
            side=command.side,
            amount=command.amount,
            pool_address=command.pool_address,
        )
        now = self._clock.now()
        answers = await asyncio.gather(
            *(self._quote_one(name, request, command.slippage, now) for name in command.providers)
        )
        balances, native_price = await asyncio.gather(
            self._balances([base, quote, command.native_token]),
            self._native_price(command.native_token, base, quote, now),
        )
        return SwapQuoted(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            quotes=tuple(answer for answer in answers if isinstance(answer, ProviderQuote)),
            failures=tuple(answer for answer in answers if isinstance(answer, QuoteFailure)),
            balances=balances,
            native_price=native_price,
        )

    async def _quote_one(
        self, name: str, request: SwapRequest, slippage: Decimal, now: dt.datetime
    ) -> ProviderQuote | QuoteFailure:
        try:
            quote = await self.provider(name).quote(request, slippage=slippage, now=now)
        except ConfigError as e:
            return QuoteFailure(provider=name, reason=str(e), code="unknown_provider")
        except GatewayError as e:
            return quote_failure(name, e)
        if not matches_amount(quote, request.amount):
            return QuoteFailure(
                provider=name,
                reason=f"expected a quote for {request.amount} base, received one for "
                f"{quote.base_amount}",
                code="amount_mismatch",
            )
        return quote

    async def _balances(self, tokens: Sequence[str]) -> dict[str, Decimal]:
        wanted = list(dict.fromkeys(tokens))
        try:
            answer = await self._client.solana.balances(
                self._wallet, tokens=wanted, network=self._network
            )
        except GatewayError as e:
            logger.warning("could not read the balances of %s: %s", wanted, e)
            return {}
        found = answer.balances
        if all(token in found for token in wanted):
            return {token: found[token] for token in wanted}
        if len(found) == len(wanted):
            # Gateway keys balances by symbol: requested mints come back in the order asked.
            return dict(zip(wanted, found.values(), strict=True))
        return {token: found[token] for token in wanted if token in found}

    async def _native_price(
        self, native: str, base: str, quote: str, now: dt.datetime
    ) -> Decimal | None:
        if native in (base, quote):
            return None
        request = SwapRequest(
            base_token=native, quote_token=quote, side="SELL", amount=NATIVE_PRICE_AMOUNT
        )
        try:
            priced = await self.provider(self._price_provider).quote(
                request, slippage=Decimal("0.01"), now=now
            )
        except (GatewayError, ConfigError) as e:
            logger.info("could not price %s in %s: %s", native, quote, e)
            return None
        return priced.price

    # --- executing ------------------------------------------------------------------------------

    async def execute_swap(self, command: ExecuteSwap, evidence: Evidence) -> list[OutcomeEvent]:
        """Send the chosen swap and report what moved.

        Raises:
            VenueRejectedError: a renewed quote is outside the limit (``slippage_exceeded``), no
                route (``no_route``), a refused simulation, or a transaction that failed on chain.
            VenueUnavailableError: nothing was sent (Gateway unreachable, rate limited).
            OutcomeUnknownError: sent, outcome unknown: the engine reconciles.
        """
        try:
            provider = self.provider(command.provider)
        except ConfigError as e:
            raise VenueRejectedError(str(e), code="unknown_provider") from e
        request = _request(command)
        events: list[OutcomeEvent] = []
        quote = command.quote
        now = self._clock.now()
        if not provider.executes_quote_id:
            # Gateway re-quotes a pool swap itself and bounds it from *that* quote: read the pool
            # again first, so the bound sent is ours whatever the market did since the choice.
            quote = await self._renew(provider, request, command)
            events.append(self._refreshed(command, quote, "recheck"))
        elif is_stale(quote, now=now, max_age_seconds=command.max_quote_age_seconds):
            quote = await self._renew(provider, request, command)
            events.append(self._refreshed(command, quote, "age"))
        before = await self._balances(_tokens(command))
        if not any(before.values()):
            before = dict(command.balances_before)  # unreadable now: the quote-time read
        evidence.record(balances_before=before)
        await note_send(self._history, self._wallet, evidence, int(now.timestamp()))
        try:
            result = await self._send(provider, quote, request, command, evidence)
        except QuoteNotFoundError:
            # Gateway forgot the quote (e.g. it restarted); nothing was sent.
            quote = await self._renew(provider, request, command)
            events.append(self._refreshed(command, quote, "expired"))
            try:
                result = await self._send(provider, quote, request, command, evidence)
            except QuoteNotFoundError as e:
                raise venue_error(e, write=True) from e
        events.append(await self._settled(command, result, evidence))
        return events

    async def _send(
        self,
        provider: SwapProvider,
        quote: ProviderQuote,
        request: SwapRequest,
        command: ExecuteSwap,
        evidence: Evidence,
    ) -> SwapResult:
        """Send the swap; Gateway's errors translated (a forgotten quote is raised as is)."""
        slippage = slippage_for_limit(quote, command.limit)
        try:
            result = await provider.execute(
                quote, request, slippage=slippage, wallet_address=self._wallet
            )
        except QuoteNotFoundError:
            raise
        except TransactionFailedError as e:
            self._named.add(e.signature)
            raise await self._tx.failed(e, evidence) from e
        except GatewayError as e:
            raise venue_error(e, write=True) from e
        self._named.add(result.signature)
        return result

    async def _renew(
        self, provider: SwapProvider, request: SwapRequest, command: ExecuteSwap
    ) -> ProviderQuote:
        quote = await self._quote_or_raise(provider, request, command.slippage)
        self._check_limit(quote, command)
        if provider.executes_quote_id and not _bound_within(quote, command.limit):
            # The renewed quote's own bound is looser than ours: ask again with less slippage.
            tighter = slippage_for_limit(quote, command.limit)
            quote = await self._quote_or_raise(provider, request, tighter)
            self._check_limit(quote, command)
        return quote

    async def _quote_or_raise(
        self, provider: SwapProvider, request: SwapRequest, slippage: Decimal
    ) -> ProviderQuote:
        try:
            return await provider.quote(request, slippage=slippage, now=self._clock.now())
        except GatewayError as e:
            failure = quote_failure(provider.name, e)
            if failure.retryable:
                raise VenueUnavailableError(failure.reason, code=failure.code) from e
            raise VenueRejectedError(failure.reason, code=failure.code) from e

    @staticmethod
    def _check_limit(quote: ProviderQuote, command: ExecuteSwap) -> None:
        if meets_limit(quote, command.limit):
            return
        bound = "at least" if command.side == "SELL" else "at most"
        raise VenueRejectedError(
            f"Slippage tolerance exceeded before sending: {quote.provider} now quotes "
            f"{quote.quote_amount} for {command.side} {command.amount} {command.trading_pair}, "
            f"expected {bound} {command.limit} (slippage {command.slippage} from the chosen "
            f"quote of {command.quote.quote_amount}); nothing was sent",
            code="slippage_exceeded",
        )

    def _refreshed(
        self, command: ExecuteSwap, quote: ProviderQuote, reason: str
    ) -> SwapQuoteRefreshed:
        return SwapQuoteRefreshed(
            ts_event=self._clock.now(), command_id=command.command_id, quote=quote, reason=reason
        )

    async def _settled(
        self, command: ExecuteSwap, result: SwapResult, evidence: Evidence
    ) -> SwapFilled:
        base, quote = command.trading_pair.split("-", 1)
        facts = await self._tx.settle(result, evidence)
        if result.data is not None:
            fill = fill_from_data(
                result.data,
                base_token=base,
                quote_token=quote,
                native_token=command.native_token,
                facts=facts,
                signature=result.signature,
            )
        else:
            fill = await self._poll_fill(command, result.signature)
        return self._filled(command, fill, source="response")

    async def _poll_fill(self, command: ExecuteSwap, signature: str) -> SwapFill:
        base, quote = command.trading_pair.split("-", 1)
        return await fill_from_poll(
            self._client,
            signature=signature,
            base_token=base,
            quote_token=quote,
            native_token=command.native_token,
            wallet_address=self._wallet,
            network=self._network,
        )

    def _filled(
        self,
        command: ExecuteSwap,
        fill: SwapFill,
        *,
        source: str,
        fee_estimated: bool = False,
    ) -> SwapFilled:
        return SwapFilled(
            ts_event=self._clock.now(),
            command_id=command.command_id,
            trading_pair=command.trading_pair,
            side=command.side,
            base_amount=fill.base_amount,
            quote_amount=fill.quote_amount,
            tx_fee=fill.tx_fee,
            signature=fill.signature,
            provider=command.provider,
            evidence=source,
            fee_estimated=fee_estimated,
        )

    # --- the core Swap command (LP swap-back, rebalancer) -------------------------------------

    async def swap(self, command: Swap, evidence: Evidence) -> SwapExecuted:
        """Carry out a core ``Swap`` through the best of the venue's providers.

        The same comparison, limit and settlement as the swap executor's commands; the answer
        is a plain ``SwapExecuted`` naming the provider that won.

        Raises:
            VenueRejectedError: no provider has a route (``no_route``), or see :meth:`execute_swap`.
            VenueUnavailableError: no provider could quote for now; nothing was sent.
            OutcomeUnknownError: sent, outcome unknown (reconcile with the same command).
        """
        quoted = await self.quote_swaps(
            QuoteSwap(
                command_id=f"{command.command_id}:quote",
                executor_id=command.executor_id,
                venue=command.venue,
                providers=self._default_providers,
                trading_pair=command.trading_pair,
                side=command.side,
                amount=command.amount,
                slippage=command.slippage,
                pool_address=command.pool_address,
                native_token=self._native,
            )
        )
        best = best_quote(command.side, quoted.quotes)
        if best is None:
            reasons = "; ".join(f"{f.provider}: {f.reason}" for f in quoted.failures)
            if any(failure.retryable for failure in quoted.failures):
                raise VenueUnavailableError(
                    f"no provider could quote: {reasons}", code="unavailable"
                )
            raise VenueRejectedError(f"no route found: {reasons}", code="no_route")
        execute = ExecuteSwap(
            command_id=command.command_id,
            executor_id=command.executor_id,
            venue=command.venue,
            provider=best.provider,
            trading_pair=command.trading_pair,
            side=command.side,
            amount=command.amount,
            slippage=command.slippage,
            limit=swap_limit(best, command.slippage),
            quote=best,
            max_quote_age_seconds=self._max_quote_age,
            balances_before=quoted.balances,
            pool_address=command.pool_address,
            native_token=self._native,
        )
        evidence.record(execute=encode_message(execute))
        events = await self.execute_swap(execute, evidence)
        return _plain(events[-1])

    # --- reconciling ----------------------------------------------------------------------------

    async def reconcile(self, command: Command, evidence: Evidence) -> OutcomeEvent | None:
        """Return the swap's outcome if it landed, None once it certainly did not.

        Raises:
            OutcomeUnknownError: it may still land, or the evidence does not decide.
        """
        if isinstance(command, Swap):
            if "execute" not in evidence:
                return None  # stopped before choosing a provider: nothing was sent
            chosen = decode_message(evidence["execute"])
            if not isinstance(chosen, ExecuteSwap):
                raise OutcomeUnknownError(f"swap {command.command_id}: unreadable evidence")
            outcome = await self.reconcile(chosen, evidence)
            return _plain(outcome) if isinstance(outcome, SwapFilled) else outcome
        if not isinstance(command, ExecuteSwap):
            raise OutcomeUnknownError(f"{type(command).__name__} is not a swap this venue sent")
        if "signature" in evidence:
            return await self._reconcile_signature(command, evidence)
        return await self._reconcile_balances(command, evidence)

    async def _reconcile_signature(
        self, command: ExecuteSwap, evidence: Evidence
    ) -> OutcomeEvent | None:
        decided = await self._tx.decide(command, evidence)
        if decided is None or isinstance(decided, CommandFailed):
            return decided
        fill = await self._poll_fill(command, evidence["signature"])
        return self._filled(command, fill, source="poll")

    async def _reconcile_balances(
        self, command: ExecuteSwap, evidence: Evidence
    ) -> OutcomeEvent | None:
        recorded = evidence.get("balances_before")
        before = (
            {token: Decimal(str(amount)) for token, amount in recorded.items()}
            if recorded
            else dict(command.balances_before)
        )
        if not before:
            raise OutcomeUnknownError(
                f"swap {command.command_id} has no signature and no balances to compare with; "
                "inspect the wallet"
            )
        after = await self._balances(_tokens(command))
        base, quote = command.trading_pair.split("-", 1)
        match = match_balances(
            side=command.side,
            base_token=base,
            quote_token=quote,
            native_token=command.native_token,
            amount=command.amount,
            limit=command.limit,
            before=before,
            after=after,
            max_fee=self._max_fee,
        )
        if match.verdict is SwapFingerprint.LANDED:
            fill = SwapFill(
                base_amount=match.base_amount,
                quote_amount=match.quote_amount,
                tx_fee=match.tx_fee,
                signature="",
            )
            return self._filled(command, fill, source="balances", fee_estimated=not match.fee_known)
        if match.verdict is SwapFingerprint.UNTOUCHED:
            if not self._tx.settle_window_passed(evidence):
                raise OutcomeUnknownError(
                    f"swap {command.command_id}: {match.explanation}; it may still land"
                )
            return await self._failed_or_not_landed(command, evidence)
        raise OutcomeUnknownError(
            f"swap {command.command_id} has no signature and the wallet does not tell: "
            f"{match.explanation}; inspect the wallet"
        )

    async def _failed_or_not_landed(
        self, command: ExecuteSwap, evidence: Evidence
    ) -> OutcomeEvent | None:
        """Nothing of the swap moved the wallet past its settle window: it either never landed
        (None: send it again) or landed and failed, its fee charged (found among the wallet's
        transactions since the send, then decided from its signature)."""
        if self._history is None:
            return None
        records = await records_since_send(self._history, self._wallet, evidence)
        signature = await failed_swap(
            self._client,
            self._history,
            records,
            wallet=self._wallet,
            trading_pair=command.trading_pair,
            native_token=command.native_token,
            network=self._network,
            named=self._named,
            claimed=set(self._claimed()),
        )
        if signature is None:
            return None
        self._named.add(signature)
        evidence.record(signature=signature)
        decided = await self._tx.decide(command, evidence)
        if isinstance(decided, CommandFailed):
            return decided
        raise OutcomeUnknownError(f"swap {command.command_id}: {signature} reads as not failed")


def quote_failure(provider: str, error: GatewayError) -> QuoteFailure:
    """Classify a quote error: no route (final) or an outage (ask again later)."""
    if isinstance(error, NotFoundError):
        # Jupiter answers 404 "No route found" (also when its own API is down); pool connectors
        # 404 when no pool holds the pair.
        return QuoteFailure(provider=provider, reason=str(error), code="no_route")
    translated = venue_error(error, write=False)
    return QuoteFailure(
        provider=provider,
        reason=str(error),
        code=translated.code,
        retryable=isinstance(translated, VenueUnavailableError),
    )


def _plain(event: OutcomeEvent) -> SwapExecuted:
    if not isinstance(event, SwapExecuted):
        raise TypeError(f"Expected a SwapExecuted, received {type(event).__name__}")
    return SwapExecuted(
        ts_event=event.ts_event,
        command_id=event.command_id,
        trading_pair=event.trading_pair,
        side=event.side,
        base_amount=event.base_amount,
        quote_amount=event.quote_amount,
        tx_fee=event.tx_fee,
        signature=event.signature,
        provider=event.provider,
    )


def _request(command: ExecuteSwap) -> SwapRequest:
    base, quote = command.trading_pair.split("-", 1)
    return SwapRequest(
        base_token=base,
        quote_token=quote,
        side=command.side,
        amount=command.amount,
        pool_address=command.pool_address,
    )


def _tokens(command: ExecuteSwap) -> list[str]:
    base, quote = command.trading_pair.split("-", 1)
    return [base, quote, command.native_token]


def _bound_within(quote: ProviderQuote, limit: Decimal) -> bool:
    """True when the provider's own bound is at least as strict as ``limit`` (to rounding)."""
    slack = abs(limit) * _BOUND_TOLERANCE
    if quote.side == "SELL":
        return quote.min_amount_out >= limit - slack
    return quote.max_amount_in <= limit + slack
