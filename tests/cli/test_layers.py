"""The CLI sits on top: the demo and the composition helpers it shares with it import no CLI
module, so the dependency runs one way (cli -> demo -> compose -> adapters)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["driftlab.demo", "driftlab.compose"])
def test_module_imports_no_cli_module(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.startswith('driftlab.cli')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
