"""``driftlab --help`` and ``driftlab version`` start without the heavy dependencies.

Typer builds every command's signature at start, so one module-level import of the store,
the registry or the monitoring core in any command module costs every invocation seconds.
Checked by what is imported, not by a timing, so a loaded machine cannot fail it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("mlflow", "fastapi", "sqlalchemy", "pandas", "sklearn", "plotly", "pyspark", "uvicorn")

# Runs the real entry point, then reports which heavy packages it left in sys.modules.
_PROBE = """
import json, runpy, sys
args, watched = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
sys.argv, code = ["driftlab", *args], 0
try:
    runpy.run_module("driftlab", run_name="__main__")
except SystemExit as e:
    code = e.code or 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & watched)
print("PROBE " + json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--help"], ["version"], ["monitor", "--help"]])
def test_light_commands_import_no_heavy_dependency(argv: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    probe = json.loads(out.stderr.rsplit("PROBE ", 1)[1])
    assert probe == {"code": 0, "heavy": []}, out.stderr
    assert out.stdout.strip()
