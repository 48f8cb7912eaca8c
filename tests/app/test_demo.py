"""The demo: a real LP lifecycle on the paper Gateway whose accounting equals the ledger."""

from __future__ import annotations

import json
from decimal import Decimal

from fixtures.cli import invoke
from lpexec.app.cli.demo import LEDGER_CHECKS
from lpexec.app.lp_demo import run_lp_demo
from lpexec.core import CloseType, ExecutorStatus


async def test_the_demo_closes_on_the_timer_and_matches_the_ledger():
    result = await run_lp_demo(seed=7)
    info, details = result.info, result.info.details
    assert (info.status, info.close_type) == (ExecutorStatus.TERMINATED, CloseType.EARLY_STOP)
    out_of_range = [bar for bar in result.bars if bar.state == "OUT_OF_RANGE"]
    assert out_of_range and out_of_range[-1].out_of_range_seconds < 300
    assert result.bars[-1].state == "COMPLETE"
    for _, ours, theirs in LEDGER_CHECKS:
        assert getattr(details, ours) == result.ledger[theirs], ours
    assert details.fees_earned_quote > 0 and details.tx_fee_native > 0
    assert details.position_rent_native == Decimal("0.05740608")


def test_make_demo_command_prints_json():
    result = invoke("demo", "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["report"]["close_type"] == "EARLY_STOP"
    assert payload["report"]["details"]["state"] == "COMPLETE"
    assert set(payload["ledger"]) == {theirs for _, _, theirs in LEDGER_CHECKS}
