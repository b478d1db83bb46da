"""A run whose checks partly failed, or that saw extreme values, renders: the report says
which checks could not run and why, and counts the extreme values."""

from __future__ import annotations

from pathlib import Path

from driftlab.report import load_report, render_report
from driftlab.store.sql import SqlStore

MODEL = "ames-housing"


def _copy_of_latest(seeded, tmp_path: Path) -> tuple[SqlStore, dict]:
    store, run_ids = seeded
    result = dict(store.get_run(run_ids[-1]).result)
    fresh = SqlStore(f"sqlite:///{tmp_path / 's.db'}")
    return fresh, result


def test_a_run_with_check_errors_and_extreme_values_renders(seeded, tmp_path: Path) -> None:
    store, result = _copy_of_latest(seeded, tmp_path)
    # Data drift, performance and the multivariate checks could not run on this window.
    result.update(
        features=[], drifted_features=[], drift_share=0.0, performance=None, multivariate=[],
        concept=None, prediction_drift=None,
        check_errors=[
            {"check": "data_drift", "error": "FloatingPointError", "message": "overflow"},
            {"check": "multivariate", "error": "ValueError",
             "message": "Input X contains infinity or a value too large for dtype('float64')."},
        ],
        data_quality={"spans": 2.0, "min_share": 0.01, "extreme": [{
            "feature": "Lot_Area", "n": 6, "share": 0.03, "lower": -400000.0,
            "upper": None,  # stored as null: beyond float range
            "examples": [1e308, -1e308],
            "message": "6 of 200 values of Lot_Area (3.0%) lie far outside the training range.",
        }]},
    )  # fmt: skip
    store.save_run(MODEL, "1", result)
    html = render_report(load_report(store, MODEL))
    assert '<section id="data_quality">' in html
    assert "2 checks could not run on this window; the other checks completed." in html
    assert "<td>multivariate</td><td>ValueError</td>" in html
    assert "Input X contains infinity" in html
    assert "<td>Lot_Area</td>" in html and "1e+308, -1e+308" in html and "n/a" in html
    assert "Multivariate checks were off or not possible for this window." in html
    store.close()


def test_a_run_stored_before_data_quality_shows_no_such_section(seeded, tmp_path: Path) -> None:
    store, result = _copy_of_latest(seeded, tmp_path)
    result.pop("data_quality", None)
    result.pop("check_errors", None)
    result.pop("label_drift", None)
    store.save_run(MODEL, "1", result)
    assert 'id="data_quality"' not in render_report(load_report(store, MODEL))
    store.close()


def test_a_quiet_run_says_no_value_was_extreme(seeded) -> None:
    store, _ = seeded
    html = render_report(load_report(store, MODEL))
    assert '<section id="data_quality">' in html and "No extreme values" in html
    assert 'id="check-errors"' not in html


def test_quality_issues_and_label_drift_render(seeded, tmp_path: Path) -> None:
    store, result = _copy_of_latest(seeded, tmp_path)
    result.update(
        data_quality={"spans": 2.0, "min_share": 0.01, "extreme": [], "issues": [{
            "feature": "Gr_Liv_Area", "check": "unparsable", "n": 30, "share": 0.1,
            "flagged": True, "message": "30 of 300 values of Gr_Liv_Area (10.0%) arrived as text.",
            "examples": ["0 sq ft", "1 sq ft"], "p_value": None, "reference_share": 0.0,
            "details": {},
        }]},
        label_drift={
            "n": 120, "reference_n": 1000, "test": "chi2", "statistic": 30.0, "p_value": 1e-8,
            "shift": 0.2, "min_shift": 0.05, "drifted": True, "categories": ["high", "low"],
            "reference_shares": [0.5, 0.5], "window_shares": [0.7, 0.3],
            "message": "Label drift detected: over 120 labels the label distribution moved.",
        },
    )  # fmt: skip
    store.save_run(MODEL, "1", result)
    html = render_report(load_report(store, MODEL))
    assert '<table id="quality-issues">' in html
    assert "<td>Gr_Liv_Area</td><td>unparsable</td>" in html and "0 sq ft, 1 sq ft" in html
    assert "Label drift detected: over 120 labels" in html
    store.close()
