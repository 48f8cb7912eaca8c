"""The swap config is strict and says what it expected."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fixtures.swap_builders import make_config
from lpexec.core import ConfigError, parse_config
from lpexec.swap import SwapExecutorConfig


def test_defaults_and_the_provider_list():
    config = make_config(swap_providers=("meteora/clmm", "jupiter/router", "raydium/clmm"))

    assert config.type == "swap"
    assert config.swap_provider == "jupiter/router"
    assert config.providers == ("jupiter/router", "meteora/clmm", "raydium/clmm")
    assert config.slippage == Decimal("0.01")
    assert config.keep_position is True
    assert (config.base_token, config.quote_token) == ("SOL", "USDC")
    assert config.exposure().base_amount == Decimal(2)


def test_connector_name_is_accepted_for_swap_provider_and_survives_a_round_trip():
    config = parse_config(
        SwapExecutorConfig,
        {
            "connector_name": "meteora/clmm",
            "trading_pair": "SOL-USDC",
            "side": "buy",
            "amount": "1",
        },
    )

    again = SwapExecutorConfig.model_validate(config.model_dump(mode="json"))

    assert config.swap_provider == again.swap_provider == "meteora/clmm"
    assert config.side == "BUY"
    assert again == config


def test_providers_may_come_as_one_comma_separated_string():
    assert make_config(swap_providers="meteora/clmm, raydium/clmm").swap_providers == (
        "meteora/clmm",
        "raydium/clmm",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"keep_position": False}, "keep_position: a swap always keeps its tokens"),
        ({"amount": "0"}, "amount: Input should be greater than 0, received '0'"),
        ({"side": "HOLD"}, "side: Input should be 'BUY' or 'SELL', received 'HOLD'"),
        ({"trading_pair": "SOL-SOL"}, "expected two different tokens, received 'SOL-SOL'"),
        ({"trading_pair": "SOLUSDC"}, "trading_pair: String should match pattern"),
        ({"slippage_pct": "0.6"}, "slippage_pct: Input should be less than or equal to 0.5"),
        ({"swap_provider": "jupiter"}, "swap_provider: String should match pattern"),
        ({"swap_providers": ("raydium",)}, "received swap_providers=['raydium']"),
        ({"size": 1}, "size: unknown field for swap (received 1)"),
    ],
)
def test_bad_configs_name_the_field_and_the_value(overrides, message):
    values = {"trading_pair": "SOL-USDC", "side": "SELL", "amount": "1", **overrides}

    with pytest.raises(ConfigError) as caught:
        parse_config(SwapExecutorConfig, values)

    assert message in str(caught.value)


def test_price_keys_add_the_native_pair_only_when_the_pair_lacks_it():
    assert make_config().price_keys() == {"SOL-USDC"}
    assert make_config(trading_pair="JUP-USDC").price_keys() == {"JUP-USDC", "SOL-USDC"}
