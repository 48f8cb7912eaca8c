"""The package facade and the standalone-SDK boundary."""

from __future__ import annotations

import ast
import inspect
import types
from pathlib import Path

import gateway_client

PACKAGE_DIR = Path(gateway_client.__file__).parent
OUR_PACKAGES = {"lpexec", "core", "lp", "swap", "cex", "paper", "app", "fixtures", "bench", "tests"}


def _isort_key(name: str) -> tuple[int, str]:
    # ruff RUF022 order: SCREAMING_CASE constants, then CamelCase, then the rest.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted() -> None:
    exported = gateway_client.__all__
    assert exported == sorted(exported, key=_isort_key)
    assert len(exported) == len(set(exported))


def test_all_matches_the_public_names() -> None:
    public = {
        name
        for name, value in vars(gateway_client).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert set(gateway_client.__all__) == public


def test_public_classes_and_functions_are_documented() -> None:
    undocumented = [
        name
        for name in gateway_client.__all__
        if (inspect.isclass(obj := getattr(gateway_client, name)) or inspect.isfunction(obj))
        and not (obj.__doc__ or "").strip()
    ]
    assert undocumented == []


def test_package_is_typed() -> None:
    assert (PACKAGE_DIR / "py.typed").is_file()


def test_gateway_client_imports_nothing_of_ours() -> None:
    offenders = []
    for path in PACKAGE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            offenders += [f"{path.name}: {root}" for root in roots if root in OUR_PACKAGES]
    assert offenders == []


def test_modules_stay_small() -> None:
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE_DIR.rglob("*.py")
    }
    assert max(sizes.values()) <= 600, sizes
