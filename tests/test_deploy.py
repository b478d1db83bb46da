"""The deploy examples name only metrics that driftlab really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from driftlab.serve.telemetry import Telemetry

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _exported() -> set[str]:
    names = set()
    for metric in Telemetry().registry.collect():
        for sample in metric.samples:
            names.add(sample.name)
        names.add(metric.name)
        # Families without samples yet (labelled, unused) still export these names.
        if metric.type == "counter":
            names.add(metric.name + "_total")
        if metric.type == "histogram":
            names.update(metric.name + s for s in ("_bucket", "_sum", "_count"))
    return names


def test_rules_and_dashboard_use_exported_metrics() -> None:
    exported = _exported()
    rules = yaml.safe_load((DEPLOY / "prometheus" / "driftlab-rules.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    dash = json.loads((DEPLOY / "grafana" / "driftlab-dashboard.json").read_text())
    exprs += [t["expr"] for p in dash["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\bdriftlab_[a-z0-9_]+", e)}
    assert used and used <= exported, sorted(used - exported)
