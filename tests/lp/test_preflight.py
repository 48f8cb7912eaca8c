"""Checks before an open: the pair, limit prices, price side, DLMM width, funds; and through the
paper Gateway."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.lp_builders import make_config
from lpexec.app.runtime import open_lp_runtime
from lpexec.core import ConfigError
from lpexec.lp.preflight import (
    PoolSnapshot,
    PoolToken,
    WalletSnapshot,
    bins_between,
    check_open,
    pair_problem,
)
from lpexec.venues.gateway.preflight import preflight

SOL_MINT = "So11111111111111111111111111111111111111112"
USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
POOL = PoolSnapshot(price=Decimal(150), bin_step=10)
SOL_USDC = PoolSnapshot(
    price=Decimal(150),
    bin_step=10,
    base=PoolToken(SOL_MINT, "SOL"),
    quote=PoolToken(USDC_MINT, "USDC"),
)
RICH = WalletSnapshot(native=Decimal(100), base=Decimal(100), quote=Decimal(100_000))


def test_a_sane_request_passes():
    check_open(
        make_config(lower_price=Decimal(147), upper_price=Decimal(153)), pool=POOL, wallet=RICH
    )


def test_a_range_above_the_price_takes_base_only():
    config = make_config(lower_price=Decimal(151), upper_price=Decimal(155))
    with pytest.raises(ConfigError) as raised:
        check_open(config, pool=POOL, wallet=RICH)
    assert str(raised.value) == (
        "quote_amount: the range starts above the pool price (151 > 150) so it takes base only; "
        "expected quote_amount=0, received 150"
    )
    check_open(config.model_copy(update={"quote_amount": Decimal(0)}), pool=POOL, wallet=RICH)


def test_a_range_below_the_price_takes_quote_only():
    config = make_config(lower_price=Decimal(140), upper_price=Decimal(149))
    with pytest.raises(ConfigError, match="base_amount: the range ends below the pool price"):
        check_open(config, pool=POOL, wallet=RICH)


@pytest.mark.parametrize(("lower", "upper", "bins"), [("100", "100.1", 2), ("100", "107.1", 70)])
def test_bins_between_counts_both_ends(lower, upper, bins):
    assert bins_between(Decimal(lower), Decimal(upper), 10) == bins


def test_a_range_too_wide_for_one_position_names_the_width():
    config = make_config(lower_price=Decimal(140), upper_price=Decimal(160))
    with pytest.raises(ConfigError) as raised:
        check_open(config, pool=POOL, wallet=RICH)
    assert str(raised.value) == (
        "lower_price/upper_price: 140..160 spans 135 bins at bin step 10; "
        "expected at most 69 bins per position"
    )


def test_not_enough_sol_for_deposit_rent_and_fees():
    config = make_config(lower_price=Decimal(147), upper_price=Decimal(153))
    poor = WalletSnapshot(native=Decimal("1.05"), base=Decimal(0), quote=Decimal(1000))
    with pytest.raises(ConfigError) as raised:
        check_open(config, pool=POOL, wallet=poor)
    assert str(raised.value) == (
        "SOL: wallet holds 1.05, expected at least 1.06740608 "
        "(deposit + 0.05740608 position rent + 0.01 for fees)"
    )


async def test_preflight_reads_the_pool_and_wallet_through_the_paper_gateway(tmp_path):
    from lpexec.paper.gateway.demo import demo_pool_address

    rt = await open_lp_runtime(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    pool = demo_pool_address("meteora", "SOL", "USDC", 10)
    good = make_config(
        pool_address=pool,
        lower_price=Decimal(176),
        upper_price=Decimal(184),
        quote_amount=Decimal(180),
    )
    snapshot = await preflight(good, rt.client, wallet_address=rt.wallet, network="mainnet-beta")
    assert snapshot.bin_step == 10 and Decimal(179) < snapshot.price < Decimal(181)
    greedy = good.model_copy(update={"quote_amount": Decimal(50_000)})
    with pytest.raises(ConfigError, match="quote_amount: wallet holds 20000 USDC"):
        await preflight(greedy, rt.client, wallet_address=rt.wallet, network="mainnet-beta")
    await rt.aclose()


@pytest.mark.parametrize(
    "pair", ["SOL-USDC", "sol-usdc", f"{SOL_MINT}-{USDC_MINT}", "SOL-" + USDC_MINT]
)
def test_the_pool_s_own_pair_passes_by_symbol_or_mint(pair):
    assert pair_problem(pair, SOL_USDC) is None


def test_an_inverted_pair_is_refused_with_a_hint():
    assert pair_problem("USDC-SOL", SOL_USDC) == (
        "trading_pair: expected the pool's pair SOL-USDC (its base-quote), received USDC-SOL "
        "(inverted: did you mean SOL-USDC?)"
    )


def test_a_pair_of_other_tokens_is_refused():
    assert pair_problem("BONK-USDC", SOL_USDC) == (
        "trading_pair: expected the pool's pair SOL-USDC (its base-quote), received BONK-USDC"
    )


def test_a_token_gateway_does_not_list_is_named_by_its_mint():
    pool = PoolSnapshot(
        price=Decimal(1), bin_step=10, base=PoolToken("MiNt111"), quote=PoolToken(USDC_MINT, "USDC")
    )
    assert pair_problem("MiNt111-USDC", pool) is None
    assert pair_problem("WIF-USDC", pool) == (
        "trading_pair: expected the pool's pair MiNt111-USDC (its base-quote), received "
        "WIF-USDC (Gateway's token list has no symbol for MiNt111: use the mint)"
    )


def test_an_inverted_pair_skips_the_checks_against_the_pool_price():
    # Arrange: a range in USDC per SOL would look "below" a price of SOL per USDC, and vice versa
    config = make_config(
        trading_pair="USDC-SOL", lower_price=Decimal(147), upper_price=Decimal(153)
    )
    # Act
    with pytest.raises(ConfigError) as raised:
        check_open(config, pool=SOL_USDC, wallet=None)
    # Assert: only the pair is named
    assert str(raised.value).startswith("trading_pair: expected the pool's pair SOL-USDC")
    assert "base_amount" not in str(raised.value) and "quote_amount" not in str(raised.value)


@pytest.mark.parametrize(
    ("field", "side", "limit"),
    [
        ("upper_limit_price", "above", "150"),
        ("upper_limit_price", "above", "140"),
        ("lower_limit_price", "below", "150"),
        ("lower_limit_price", "below", "160"),
    ],
)
def test_a_limit_already_reached_is_refused(field, side, limit):
    config = make_config(
        lower_price=Decimal(147), upper_price=Decimal(153), **{field: Decimal(limit)}
    )
    with pytest.raises(ConfigError) as raised:
        check_open(config, pool=SOL_USDC, wallet=RICH)
    assert str(raised.value) == (
        f"{field}: expected a price {side} the pool price 150, received {limit} "
        "(already reached: the position would close as soon as it opened)"
    )


def test_limits_beyond_the_price_pass():
    config = make_config(
        lower_price=Decimal(147),
        upper_price=Decimal(153),
        upper_limit_price=Decimal("150.01"),
        lower_limit_price=Decimal("149.99"),
    )
    check_open(config, pool=SOL_USDC, wallet=RICH)


async def test_preflight_refuses_an_inverted_pair_and_a_crossed_limit_on_the_paper_gateway(
    tmp_path,
):
    from lpexec.paper.gateway.demo import demo_pool_address

    # Arrange
    rt = await open_lp_runtime(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    pool = demo_pool_address("meteora", "SOL", "USDC", 10)
    good = make_config(pool_address=pool, lower_price=Decimal(176), upper_price=Decimal(184))
    snapshot = await preflight(good, rt.client, wallet_address=rt.wallet, network="mainnet-beta")
    assert (snapshot.base.symbol, snapshot.quote.symbol) == ("SOL", "USDC")
    inverted = good.model_copy(update={"trading_pair": "USDC-SOL"})
    crossed = good.model_copy(update={"upper_limit_price": Decimal(170)})
    # Act / Assert
    hint = r"received USDC-SOL \(inverted: did you mean SOL-USDC\?\)"
    with pytest.raises(ConfigError, match=hint):
        await preflight(inverted, rt.client, wallet_address=rt.wallet, network="mainnet-beta")
    with pytest.raises(ConfigError) as raised:
        await preflight(crossed, rt.client, wallet_address=rt.wallet, network="mainnet-beta")
    assert str(raised.value).startswith(
        f"upper_limit_price: expected a price above the pool price {snapshot.price}, received 170"
    )
    await rt.aclose()


async def test_an_unknown_pool_names_the_pool_address(tmp_path):
    rt = await open_lp_runtime(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    config = make_config(pool_address="NoSuchPooL1111111111111111111111111111111111")
    with pytest.raises(ConfigError) as raised:
        await preflight(config, rt.client, wallet_address=rt.wallet, network="mainnet-beta")
    assert str(raised.value).startswith(
        "pool_address: could not read pool NoSuchPooL1111111111111111111111111111111111"
    )
    await rt.aclose()
