"""Shared fixtures: the repository's scenarios and the `carepath` command to compare with."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def cli():
    """Runs the command (`CAREPATH_BIN`, else the workspace's release build) and returns
    (exit code, stdout, stderr)."""
    binary = Path(os.environ.get("CAREPATH_BIN", ROOT / "target" / "release" / "carepath"))
    if not binary.is_file():
        pytest.fail(f"{binary} is missing: build it with `cargo build --release` or set CAREPATH_BIN")

    def call(*args, cwd=ROOT):
        done = subprocess.run([str(binary), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": "1"})
        return done.returncode, done.stdout, done.stderr

    return call


@pytest.fixture
def in_root(monkeypatch):
    """Runs the test from the repository's root, as a notebook beside `scenarios/` would."""
    monkeypatch.chdir(ROOT)
    return ROOT
