"""``import driftlab.monitor`` loads no scipy and no scikit-learn: they are imported by the
statistic, check or model that needs them, so a process that imports the monitoring core
starts in well under a second (bench/startup.py measures the time; this checks the modules, so
a loaded machine cannot fail it)."""

from __future__ import annotations

import json
import subprocess
import sys

# scipy.stats alone took about 0.7 s of the 1.9 s the import took before this was checked.
LAZY = ("scipy", "sklearn", "river", "sqlalchemy", "mlflow", "fastapi", "pyspark", "plotly")

_PROBE = """
import json, sys
watched = set(json.loads(sys.argv[1]))
import driftlab.monitor
at_import = sorted({m.split(".")[0] for m in sys.modules} & watched)
# The lazy imports still happen when a statistic runs: a drift comparison loads scipy.
from driftlab.stats import ks
p = ks([1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]).p_value
print(json.dumps({"at_import": at_import, "scipy_after_ks": "scipy" in sys.modules,
                  "p": round(p, 6)}))
"""


def test_monitoring_core_imports_without_scipy_or_scikit_learn() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(LAZY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    # p of the exact two-sided KS test for these samples, as scipy.stats.ks_2samp gives it.
    assert probe == {"at_import": [], "scipy_after_ks": True, "p": 0.007937}, out.stderr
