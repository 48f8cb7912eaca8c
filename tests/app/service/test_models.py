"""The service's models: clean numbers (no ``0E-57``, no 28-digit noise) inside and in JSON; the
package's public names; the service keeps the contract's method names and parameters."""

from __future__ import annotations

import inspect
import json
import re
from decimal import Decimal

import pytest

import lpexec.app.service as service_package
from lpexec.app.service import (
    Caller,
    ExecutorService,
    ExecutorServicePort,
    ExecutorSummary,
    clean_amount,
    clean_json,
)
from lpexec.core import ConfigError, MemoryStore

OPERATOR = Caller()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("0E-57", "0"),
        ("-0E-12", "0"),
        ("1.50000", "1.5"),
        ("1E+2", "100"),
        ("0.1234567890123456789012345678", "0.123456789012345679"),
        ("180.000000000000000000000000001", "180"),
        ("-0.011568172406593436200", "-0.011568172406593436"),
        ("NaN", "0"),
        ("Infinity", "0"),
    ],
)
def test_amounts_are_clean(raw, clean):
    assert str(clean_amount(Decimal(raw))) == clean


def test_a_model_shows_json_numbers_without_exponent_or_noise():
    summary = ExecutorSummary(
        total_active=1,
        total_pnl_quote=Decimal("0E-57"),
        total_volume_quote=Decimal("102.23351001981271977000000001"),
        by_type={},
        by_connector={},
        by_status={},
    )
    text = summary.model_dump_json()
    data = json.loads(text)
    assert "E" not in text and data["total_pnl_quote"] == 0
    assert data["total_volume_quote"] == float(Decimal("102.23351001981271977"))
    assert summary.total_volume_quote == Decimal("102.23351001981271977")
    assert clean_json({"a": [Decimal("2.50"), Decimal("1E-30")]}) == {"a": [2.5, 0]}


async def test_a_reports_json_has_only_clean_numbers(world):
    report = await world.create_lp()
    await world.service.stop(report.executor_id, caller=OPERATOR)
    await world.runtime.settle()
    detail = await world.service.get(report.executor_id, caller=OPERATOR)
    text = detail.model_dump_json()
    numbers = re.findall(r'(?<![\w"])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w"])', text)
    assert numbers
    assert not [n for n in numbers if "e" in n.lower() and abs(float(n)) >= 1e-4]
    assert all(len(n.lstrip("-").replace(".", "").lstrip("0")) <= 17 for n in numbers)


def test_the_package_exports_exactly_its_public_names():
    public = {
        name
        for name, value in vars(service_package).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert set(service_package.__all__) == public
    assert service_package.__all__ == sorted(
        service_package.__all__, key=lambda n: (not n.isupper(), n)
    )


@pytest.mark.parametrize(
    "name",
    [
        name
        for name, value in vars(ExecutorServicePort).items()
        if callable(value) and not name.startswith("_")
    ],
)
def test_the_service_keeps_each_contract_methods_parameters(name):
    expected = inspect.signature(getattr(ExecutorServicePort, name))
    actual = inspect.signature(getattr(ExecutorService, name))
    assert [(p.name, p.kind, p.default) for p in actual.parameters.values()] == [
        (p.name, p.kind, p.default) for p in expected.parameters.values()
    ]
    assert inspect.iscoroutinefunction(getattr(ExecutorService, name)) == (
        inspect.iscoroutinefunction(getattr(ExecutorServicePort, name))
    )


def test_the_service_needs_a_searchable_store():
    with pytest.raises(ConfigError) as raised:
        ExecutorService({}, MemoryStore())
    assert "store: expected a searchable store (the SQL store)" in str(raised.value)
