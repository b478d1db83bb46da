"""Reports: rendering only. They read stored results and never compute statistics.

``load_report`` reads a run and its context from the store into :class:`ReportData`;
``render_report`` turns it into one self-contained HTML file, ``render_json`` into the JSON
export (versioned by ``schema_version``). The dashboard renders the same templates.

Optional sections (fairness, compliance, ...) are template files in ``templates/sections/``,
included after the run's own sections; see the README there.
"""

from driftlab.report.data import SCHEMA_VERSION, ReportData, load_report
from driftlab.report.html import render_json, render_report, write_report

__all__ = [
    "SCHEMA_VERSION",
    "ReportData",
    "load_report",
    "render_json",
    "render_report",
    "write_report",
]
