"""Checks before an open: price side, DLMM width, funds; and through the paper Gateway."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lp_builders import make_config

from app.runtime import open_lp_runtime
from core import ConfigError
from lp.preflight import PoolSnapshot, WalletSnapshot, bins_between, check_open, preflight

POOL = PoolSnapshot(price=Decimal(150), bin_step=10)
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
    from paper.gateway.demo import demo_pool_address

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
