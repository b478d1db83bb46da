"""A window summarized in parts and merged decides like the whole window in one piece."""

from __future__ import annotations

from functools import reduce
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from driftlab.config import Project
from driftlab.model import ModelBundle
from driftlab.monitor import monitor_window
from driftlab.monitor.merged import counted_metrics, monitor_part
from driftlab.monitor.partial import PartContext, WindowPart, label_counts, window_part
from driftlab.monitor.settings import MonitorSettings
from driftlab.monitor.source import complete_window
from driftlab.scenarios.ames import AmesScenario
from tests.monitor.same_result import differences, field_differences
from tests.monitor.test_run import _logged


def _parts(frame: pd.DataFrame, cuts: list[int], ctx: PartContext) -> WindowPart:
    bounds = [0, *cuts, len(frame)]
    parts = [
        window_part(frame.iloc[a:b].reset_index(drop=True), a, ctx) for a, b in pairwise(bounds)
    ]
    # Merged in a shuffled order, as a tree reduce may combine them.
    return reduce(WindowPart.merge, [parts[i] for i in (2, 0, 3, 1)])


@pytest.fixture(scope="module")
def window(bundle: ModelBundle, ames: AmesScenario) -> pd.DataFrame:
    frame = pd.concat([ames.normal, ames.drifted], ignore_index=True)
    logged = _logged(bundle, ames, frame, flip_after=len(ames.normal) // 2)
    # A few labels missing and a few extreme values, so every count has something to count.
    logged.loc[logged.index % 7 == 0, "label"] = None
    return complete_window(logged)


def test_parts_merged_equal_the_whole_window(
    project: Project, bundle: ModelBundle, window: pd.DataFrame
) -> None:
    settings = MonitorSettings.of(project)
    ctx = PartContext.of(bundle, settings, sample_rows=len(window))
    merged = _parts(window, [100, 450, 451], ctx)
    assert merged.n_rows == len(window)
    pd.testing.assert_frame_equal(merged.sample_frame(), window)
    whole = monitor_window(window, bundle, settings)
    assert differences(monitor_part(merged, bundle, settings), whole) == []


def test_exact_counts_with_a_small_sample(
    project: Project, bundle: ModelBundle, window: pd.DataFrame
) -> None:
    settings = MonitorSettings.of(project)
    # Fewer whole rows than the profiles sample (PartContext.of would keep more).
    ctx = PartContext(bundle.info, bundle.reference, bundle.outputs, 2000, sample_rows=150)
    merged = _parts(window, [200, 333, 600], ctx)
    assert len(merged.sample) == ctx.sample_rows < len(window)
    whole = monitor_window(window, bundle, settings)
    part = monitor_part(merged, bundle, settings)
    # What the counts give is the whole window's, although the driver held few rows.
    assert part.n_rows == whole.n_rows and part.window_start == whole.window_start
    exact = ["n_rows", "window_start", "window_end", "features", "drift_share",
             "drifted_features", "prediction_drift", "multivariate"]  # fmt: skip
    assert field_differences(part, whole, exact) == []
    # Extreme values are counted per part; the other data-quality problems are still the
    # sample's (a part carries no QualityTally yet), so only the extreme ones are exact here.
    assert part.data_quality is not None and whole.data_quality is not None
    assert part.data_quality.extreme == whole.data_quality.extreme
    # Latency percentiles come from the sample; the throughput counts every row.
    assert part.service is not None and whole.service is not None
    assert part.service.n == whole.service.n == len(window)
    assert part.service.throughput_per_s == pytest.approx(whole.service.throughput_per_s)
    assert part.performance is not None and whole.performance is not None
    assert part.performance.n_labeled == whole.performance.n_labeled
    assert part.performance.breakdown == whole.performance.breakdown
    for name, value in whole.performance.metrics.items():
        if name != "roc_auc":  # from the sample
            assert part.performance.metrics[name] == pytest.approx(value, rel=1e-12), name


def test_counted_metrics_match_scikit_learn_regression(bundle: ModelBundle) -> None:
    from dataclasses import replace

    from sklearn import metrics as skm

    from driftlab.config import Task

    info = replace(bundle.info, task=Task.REGRESSION, classes=[], positive_class=None)
    rng = np.random.default_rng(3)
    t, p = rng.normal(10, 3, 500), rng.normal(10, 3, 500)
    frame = pd.DataFrame({"label": t, "prediction": p})
    parts = [label_counts(frame.iloc[i : i + 123], info) for i in range(0, 500, 123)]
    counts = reduce(lambda a, b: a.merge(b), parts)
    got = counted_metrics(counts, info)
    assert got["mse"] == pytest.approx(skm.mean_squared_error(t, p), rel=1e-12)
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(t, p), rel=1e-12)
    assert got["mape"] == pytest.approx(skm.mean_absolute_percentage_error(t, p), rel=1e-12)
    assert got["r2"] == pytest.approx(skm.r2_score(t, p), rel=1e-12)
