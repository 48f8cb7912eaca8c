"""One import name: the product installs as ``lpexec`` (plus the ``gateway_client`` SDK) and
nothing else lands in a user's import namespace."""

from __future__ import annotations

import ast
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The folders at the repository's root that install as subpackages of ``lpexec``.
SUBPACKAGES = sorted(path.name for path in (ROOT / "lpexec").iterdir() if path.is_symlink())


def _tracked_python_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in listed]


def _top_level_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_root_folder_with_code_is_mapped_into_lpexec():
    folders = {
        path.name
        for path in ROOT.iterdir()
        if (path / "__init__.py").exists() and not path.is_symlink()
    }
    standalone = {"gateway_client", "fixtures", "lpexec"}
    assert folders - standalone == set(SUBPACKAGES)
    for name in SUBPACKAGES:
        assert (ROOT / "lpexec" / name).resolve() == ROOT / name


@pytest.mark.slow  # starts ``git ls-files``
def test_no_module_imports_a_subpackage_by_its_folder_name():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _tracked_python_files()
        for name in _top_level_imports(path)
        if name in SUBPACKAGES
    ]
    assert offenders == []


@pytest.mark.slow
def test_the_wheel_installs_lpexec_and_gateway_client_and_nothing_else(tmp_path):
    # Arrange: build the wheel and install it, without dependencies, into a fresh venv that
    # borrows the third-party packages of this one (a .pth line adds a path, not its .pth files,
    # so this checkout's editable install stays out of it).
    wheels, venv = tmp_path / "wheels", tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("lpexec-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
        + ["--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )

    def outcome(statement: str) -> str:
        run = subprocess.run(
            [str(python), "-c", statement], cwd=tmp_path, capture_output=True, text=True
        )
        return "ok" if run.returncode == 0 else run.stderr.strip().splitlines()[-1]

    # Act / Assert
    assert outcome("import lpexec, gateway_client; lpexec.Engine; lpexec.LPExecutorConfig") == "ok"
    assert outcome("from lpexec.core import Engine; from lpexec.lp import LPExecutorConfig") == "ok"
    assert outcome("import lpexec.paper.gateway; lpexec.paper.gateway.spec.load_spec()") == "ok"
    assert outcome("from lpexec.paper.prices import DEMO_PRICES; DEMO_PRICES.read_text()") == "ok"
    for name in [*SUBPACKAGES, "fixtures", "tests", "bench"]:
        assert outcome(f"import {name}") == f"ModuleNotFoundError: No module named '{name}'"
    help_run = subprocess.run(
        [str(venv / "bin" / "lpexec"), "--help"], cwd=tmp_path, capture_output=True, text=True
    )
    assert help_run.returncode == 0
    assert "demo" in help_run.stdout
