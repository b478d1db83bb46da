"""The report's Incidents section: each incident with its causes and findings, and runs stored
before incidents existed shown alert by alert."""

from __future__ import annotations

from dataclasses import replace

from driftlab.alerts import with_alerts
from driftlab.monitor.findings import conclude
from driftlab.report import load_report, render_report
from driftlab.store import MemoryStore
from tests.alerts.test_every_finding import _feature, _result


def _section(html: str) -> str:
    start = html.index('<section id="run-incidents">')
    return html[start : html.index("</section>", start)]


def test_each_incident_is_shown_with_its_causes_and_findings() -> None:
    store = MemoryStore()
    result = with_alerts(conclude(_result()))
    store.save_run("churn", "1", result.to_dict())
    section = _section(render_report(load_report(store, "churn")))
    assert section.count('class="alert incident ') == len(result.incidents) == 3
    for i in result.incidents:
        assert f'data-incident="{i.fingerprint}"' in section
        assert f"incident {result.incidents.index(i) + 1} of 3: {i.title}" in section
    assert "<td>tenure</td>" in section  # the data incident's cause
    for a in result.alerts:
        assert a.message in section


def test_a_run_stored_before_incidents_lists_its_alerts() -> None:
    store = MemoryStore()
    old = with_alerts(conclude(_result())).to_dict()
    del old["incidents"]
    store.save_run("churn", "1", old)
    section = _section(render_report(load_report(store, "churn")))
    assert "stored before incidents existed" in section and "incident 1 of" not in section
    assert all(a["message"] in section for a in old["alerts"])


def test_a_clean_run_has_no_incident() -> None:
    store = MemoryStore()
    clean = replace(_result(joint_only=True), multivariate=[], estimated=None,
                    features=[_feature("tenure", False, 0.01)])  # fmt: skip
    store.save_run("churn", "1", with_alerts(conclude(clean)).to_dict())
    assert "No incidents: nothing was found." in _section(
        render_report(load_report(store, "churn"))
    )
