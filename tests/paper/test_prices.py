"""Price paths: CSV parsing and writing, seeded GBM, the fixture series, pool replay."""

from __future__ import annotations

import io
import itertools
import math
import statistics
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures.prices import SOL_USDC_1M
from lpexec.lp.math.dlmm import BinRounding
from lpexec.paper.pools import DlmmPool
from lpexec.paper.prices import (
    PricePoint,
    generate_gbm,
    parse_price_csv,
    read_price_csv,
    replay,
    replay_all,
    write_price_csv,
)

START = datetime(2025, 1, 1, tzinfo=UTC)


class TestCsv:
    def test_iso_and_epoch_timestamps_and_optional_volume(self) -> None:
        text = (
            "# a comment\n"
            "timestamp,price,volume\n"
            "2025-01-01T00:00:00Z,150.5,1000\n"
            "1735689660,151,\n"
            "2025-01-01T00:02:00,152.25,12.5\n"
        )
        points = parse_price_csv(text)
        assert [p.epoch_seconds for p in points] == [1735689600, 1735689660, 1735689720]
        assert [p.price for p in points] == [Decimal("150.5"), Decimal(151), Decimal("152.25")]
        assert [p.volume for p in points] == [Decimal(1000), None, Decimal("12.5")]
        assert all(p.timestamp.tzinfo is not None for p in points)

    def test_price_only_columns(self) -> None:
        points = parse_price_csv("price,timestamp\n10,2025-01-01T00:00:00+02:00\n")
        assert points[0].timestamp == datetime(2024, 12, 31, 22, tzinfo=UTC)
        assert points[0].volume is None

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("time,price\n", "header with timestamp and price on line 1"),
            ("timestamp,price\nnot-a-time,1\n", "line 2, received timestamp='not-a-time'"),
            ("timestamp,price\n1,0\n", "price > 0 on line 2"),
            ("timestamp,price\n1,abc\n", "number for price on line 2"),
            ("timestamp,price,volume\n1,2,-5\n", "volume >= 0 on line 2"),
            ("timestamp,price\n10,1\n5,1\n", "ascending order on line 3"),
            ("timestamp,price\n10\n", "2 columns on line 2"),
            ("", "received no rows"),
        ],
    )
    def test_errors_name_the_line_and_value(self, text: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse_price_csv(text)

    def test_write_then_read_round_trip(self, tmp_path: Path) -> None:
        points = generate_gbm(
            start_price=Decimal(100),
            steps=20,
            seed=3,
            start=START,
            mean_volume=Decimal(500),
        )
        path = tmp_path / "path.csv"
        write_price_csv(points, path, comment="synthetic\nsecond line")
        assert path.read_text().startswith("# synthetic\n# second line\ntimestamp,price,volume\n")
        assert read_price_csv(path) == points
        stream = io.StringIO()
        write_price_csv(points, stream)
        assert read_price_csv(io.StringIO(stream.getvalue())) == points


class TestGbm:
    def test_same_seed_same_path_other_seed_other_path(self) -> None:
        first = generate_gbm(start_price=Decimal(150), steps=50, seed=1, start=START)
        again = generate_gbm(start_price=Decimal(150), steps=50, seed=1, start=START)
        other = generate_gbm(start_price=Decimal(150), steps=50, seed=2, start=START)
        assert first == again
        assert first != other
        assert len(first) == 51 and first[0].price == Decimal("150.0000")
        assert first[1].timestamp - first[0].timestamp == (START.replace(minute=1) - START)

    def test_realised_volatility_matches_the_parameter(self) -> None:
        points = generate_gbm(
            start_price=Decimal(150),
            steps=20_000,
            seed=11,
            start=START,
            annual_volatility=Decimal("0.8"),
            price_places=8,
        )
        returns = [math.log(points[i + 1].price / points[i].price) for i in range(len(points) - 1)]
        realised = statistics.pstdev(returns) * math.sqrt(365 * 24 * 60)
        assert 0.76 < realised < 0.84

    def test_volume_averages_the_mean(self) -> None:
        points = generate_gbm(
            start_price=Decimal(150),
            steps=20_000,
            seed=5,
            start=START,
            mean_volume=Decimal(1000),
        )
        average = sum(p.volume for p in points if p.volume is not None) / len(points)
        assert Decimal(950) < average < Decimal(1050)

    def test_bad_arguments(self) -> None:
        with pytest.raises(ValueError, match="steps=-1"):
            generate_gbm(start_price=Decimal(1), steps=-1, seed=0, start=START)


def test_fixture_series_is_the_documented_one() -> None:
    points = read_price_csv(SOL_USDC_1M)
    assert len(points) == 3_000
    assert points[0].timestamp == START and points[0].price == Decimal("150.0000")
    gaps = {(b.timestamp - a.timestamp).total_seconds() for a, b in itertools.pairwise(points)}
    assert gaps == {60.0}
    assert SOL_USDC_1M.read_text().startswith("# Synthetic series, NOT market data")
    regenerated = generate_gbm(
        start_price=Decimal(150),
        steps=2_999,
        seed=20250101,
        start=START,
        annual_volatility=Decimal("0.8"),
        mean_volume=Decimal(25_000),
    )
    assert regenerated == points


def test_replay_moves_the_pool_bar_by_bar() -> None:
    pool = DlmmPool.at_price(
        "replay",
        price=Decimal(150),
        base_mint="SOL",
        quote_mint="USDC",
        base_decimals=9,
        quote_decimals=6,
        bin_step=10,
        max_position_width=1_400,
    )
    active = pool.active_bin_id
    pool.add_liquidity("market", active - 200, active + 200, 10_000 * 10**9, 1_500_000 * 10**6)
    points = read_price_csv(SOL_USDC_1M)[:200]
    for point, move in replay(pool, points):
        assert move.new_active_bin == pool.bin_id_for_price(point.price, BinRounding.NEAREST)
        assert pool.timestamp == point.epoch_seconds
        if point.volume:
            assert move.base_fee + move.quote_fee > 0
    summary = replay_all(pool, [PricePoint(START, Decimal(150), None)] * 3)
    assert summary.bars == 3 and summary.swaps >= 1
