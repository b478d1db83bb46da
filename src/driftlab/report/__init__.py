"""Reports: rendering only. They read stored results and never compute statistics."""

from driftlab.report.html import render_report, write_report

__all__ = ["render_report", "write_report"]
