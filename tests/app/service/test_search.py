"""Search through the service: every executor, running or finished, several values per filter
past one page, a stable order, an opaque cursor refused when unknown, altered or from another
search, the total count, and scope."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from lpexec.app.service import Caller, ScopeError, SearchFilters
from lpexec.core import ConfigError

OPERATOR = Caller()


async def fill(world):
    """3 LP executors here (2 finished) and 24 orders of the CEX runtime; return every id by
    (controller, connector, type, finished)."""
    made = {}
    for controller in ("bot-a", "bot-b", "bot-c"):
        report = await world.create_lp(controller_id=controller)
        made[report.executor_id] = (controller, "solana-mainnet-beta", "lp_executor", False)
    for executor_id in list(made)[:2]:
        await world.service.stop(executor_id, caller=OPERATOR)
        await world.runtime.settle()
        controller, *rest = made[executor_id]
        made[executor_id] = (controller, *rest[:2], True)
    combos = itertools.product(
        ("bot-a", "bot-b", "bot-c"), ("binance", "okx"), ("ACTIVE", "TERMINATED"), range(2)
    )
    t0 = world.runtime.clock.now()
    for n, (controller, connector, status, _) in enumerate(combos):
        order = world.save_order(
            controller_id=controller,
            connector_name=connector,
            status=status,
            created_at=t0 + dt.timedelta(seconds=n // 3),  # ties of 3 share a creation time
        )
        made[order.id] = (controller, connector, "order_executor", status == "TERMINATED")
    return made


async def all_pages(service, filters, caller, limit):
    pages, cursor = [], None
    while True:
        page = await service.search(filters, caller=caller, cursor=cursor, limit=limit)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages


async def test_several_values_per_filter_match_running_and_finished_executors_past_a_page(world):
    made = await fill(world)
    filters = SearchFilters(
        controller_ids=["bot-a", "bot-c"], connector_names=["binance", "solana-mainnet-beta"]
    )
    pages = await all_pages(world.service, filters, OPERATOR, limit=3)
    found = [item for page in pages for item in page.items]
    expected = {
        executor_id
        for executor_id, (controller, connector, _, _) in made.items()
        if controller in ("bot-a", "bot-c") and connector in ("binance", "solana-mainnet-beta")
    }
    assert len(expected) == 10
    assert [item.executor_id for item in found] == sorted(
        expected, key=lambda i: (world.store.get_executor(i).created_at, i), reverse=True
    )
    assert {page.total_count for page in pages} == {10}
    assert [len(page.items) for page in pages] == [3, 3, 3, 1]
    assert [page.has_more for page in pages] == [True, True, True, False]
    assert {item.is_active for item in found} == {True, False}  # running and finished


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        (SearchFilters(executor_types=["lp"]), lambda c, n, t, f: t == "lp_executor"),
        (
            SearchFilters(executor_types=["order_executor"], statuses=["TERMINATED"]),
            lambda c, n, t, f: t == "order_executor" and f,
        ),
        (
            SearchFilters(statuses=["RUNNING", "NOT_STARTED"], controller_ids=["bot-b"]),
            lambda c, n, t, f: not f and c == "bot-b",
        ),
        (SearchFilters(trading_pairs=["SOL-USDC"]), lambda c, n, t, f: True),
        (SearchFilters(trading_pairs=["ETH-USDC"]), lambda c, n, t, f: False),
    ],
)
async def test_each_filter_runs_in_the_query(world, filters, keep):
    made = await fill(world)
    pages = await all_pages(world.service, filters, OPERATOR, limit=1000)
    found = {item.executor_id for page in pages for item in page.items}
    assert found == {executor_id for executor_id, facts in made.items() if keep(*facts)}
    assert pages[0].total_count == len(found)


async def test_a_scoped_caller_sees_only_its_controller(world):
    made = await fill(world)
    pages = await all_pages(world.service, SearchFilters(), Caller("bot-b"), limit=4)
    found = {item.executor_id for page in pages for item in page.items}
    assert found == {i for i, (controller, *_) in made.items() if controller == "bot-b"}
    with pytest.raises(ScopeError):
        await world.service.search(
            SearchFilters(controller_ids=["bot-b", "bot-a"]),
            caller=Caller("bot-b"),
            cursor=None,
            limit=4,
        )


async def test_an_unknown_altered_or_foreign_cursor_is_refused_never_page_one_again(world):
    await fill(world)
    filters = SearchFilters(controller_ids=["bot-a"])
    first = await world.service.search(filters, caller=OPERATOR, cursor=None, limit=2)
    assert first.next_cursor is not None
    body, tag = first.next_cursor.split(".")
    altered = f"{body[:-2]}{'AA' if body[-2:] != 'AA' else 'BB'}.{tag}"
    for cursor in ("nope", "", altered, f"{body}.{tag[::-1]}"):
        with pytest.raises(ConfigError) as raised:
            await world.service.search(filters, caller=OPERATOR, cursor=cursor, limit=2)
        assert "cursor: unknown cursor" in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        await world.service.search(
            SearchFilters(controller_ids=["bot-b"]),
            caller=OPERATOR,
            cursor=first.next_cursor,
            limit=2,
        )
    assert "another search" in str(raised.value) or "other filters" in str(raised.value)


async def test_a_cursor_survives_a_new_service_on_the_same_store(world):
    await fill(world)
    first = await world.service.search(SearchFilters(), caller=OPERATOR, cursor=None, limit=5)
    again = world.with_risk(None)
    second = await again.search(SearchFilters(), caller=OPERATOR, cursor=first.next_cursor, limit=5)
    assert not {i.executor_id for i in first.items} & {i.executor_id for i in second.items}


@pytest.mark.parametrize(
    ("limit", "filters", "message"),
    [
        (0, SearchFilters(), "limit: expected an integer from 1 to 1000, received 0"),
        (1001, SearchFilters(), "received 1001"),
        (10, SearchFilters(statuses=["DONE"]), "status: expected one of"),
        (
            10,
            SearchFilters(executor_types=["teleport_executor"]),
            "executor_types: expected one of",
        ),
    ],
)
async def test_bad_limits_statuses_and_types_are_refused(world, limit, filters, message):
    with pytest.raises(ConfigError) as raised:
        await world.service.search(filters, caller=OPERATOR, cursor=None, limit=limit)
    assert message in str(raised.value)


async def test_stranded_filters_the_executors_stranded_with_a_reason(world):
    # Arrange: two orders of the CEX runtime, one of them stranded
    made = await fill(world)
    stranded_id, other_id = [i for i, (_, _, t, f) in made.items() if t == "order_executor"][:2]
    with world.store.transaction() as unit:
        unit.mark_stranded(stranded_id, "open outcome unknown", now=world.runtime.clock.now())
    # Act
    only = await world.service.search(
        SearchFilters(stranded=True), caller=OPERATOR, cursor=None, limit=100
    )
    others = await all_pages(world.service, SearchFilters(stranded=False), OPERATOR, limit=7)
    # Assert: the stranded one alone, with its reason; the rest without it; the two cursors
    # of different searches are not interchangeable
    assert [(i.executor_id, i.stranded_reason) for i in only.items] == [
        (stranded_id, "open outcome unknown")
    ]
    rest = {item.executor_id for page in others for item in page.items}
    assert rest == set(made) - {stranded_id} and other_id in rest
    with pytest.raises(ConfigError):
        await world.service.search(
            SearchFilters(stranded=True), caller=OPERATOR, cursor=others[0].next_cursor, limit=7
        )
