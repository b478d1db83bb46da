"""Data-quality findings: each detected when injected, with counts equal to direct pandas
computations and tests equal to scipy's; none raised on clean windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from driftlab.config import Feature, MonitorConfig
from driftlab.monitor.quality import QualityTally, judge_quality, label_drift, label_reference
from driftlab.monitor.result import DataQuality, QualityIssue
from driftlab.profile import build_profile
from driftlab.schema import coerce_frame

CFG = MonitorConfig()
FEATURES = [
    Feature(name="age"),
    Feature(name="income"),
    Feature(name="city", kind="categorical"),
    Feature(name="application", role="id", unique=True),
]
MONITORED = [f for f in FEATURES if f.is_monitored]
CITIES = ["paris", "lyon", "nice", "lille"]


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 1, n)
    income[rng.random(n) < 0.02] = np.nan  # 2% missing in training and in clean windows
    return pd.DataFrame({
        "request_id": [f"r{seed}-{i}" for i in range(n)],
        "application": [f"a{seed}-{i}" for i in range(n)],
        "age": rng.integers(18, 91, n).astype(float),
        "income": income,
        "city": rng.choice(CITIES, n, p=[0.4, 0.3, 0.2, 0.1]),
        "label": rng.choice(["no", "yes"], n, p=[0.7, 0.3]),
    })  # fmt: skip


TRAIN = _table(20_000, 0)
REFERENCE = build_profile(TRAIN, MONITORED)
LABELS = label_reference(TRAIN["label"], classification=True)


def _judge(raw: pd.DataFrame, chunks: int = 1) -> tuple[DataQuality, QualityTally]:
    tally = QualityTally.start(REFERENCE, FEATURES, margin=CFG.range_margin)
    for part in np.array_split(np.arange(len(raw)), chunks):
        tally = tally.add(raw.iloc[part])
    window = build_profile(coerce_frame(raw, MONITORED, strict=False), MONITORED,
                           reference=REFERENCE)  # fmt: skip
    return judge_quality(tally, REFERENCE, window, MONITORED, CFG), tally


def _flagged(dq: DataQuality) -> dict[str, QualityIssue]:
    return {i.subject: i for i in dq.issues if i.flagged}


def test_clean_windows_raise_nothing() -> None:
    for seed in range(1, 41):
        dq, tally = _judge(_table(2000, seed))
        assert _flagged(dq) == {}, seed
        assert not [e for e in dq.extreme if e.share >= dq.min_share]
        found = label_drift(tally, LABELS, CFG)
        assert found is not None and not found.drifted, seed


@pytest.mark.parametrize("chunks", [1, 7])
def test_three_percent_impossible_ages_are_out_of_range_and_below_the_declared_minimum(
    chunks: int,
) -> None:
    raw = _table(4000, 99)
    bad = raw.sample(frac=0.03, random_state=1).index
    raw.loc[bad, "age"] = -np.arange(1, len(bad) + 1, dtype=float)
    dq, _ = _judge(raw, chunks)
    flagged = _flagged(dq)
    out = flagged["age:out_of_range"]
    lower = out.details["lower"]
    assert out.n == int((raw["age"] < lower).sum()) == len(bad)
    assert out.share == pytest.approx(len(bad) / 4000)
    # The test: binomial against 2/(n_ref + 1), the chance a new value passes either end.
    expected = 2 / (REFERENCE.features["age"].n + 1)
    assert out.p_value == pytest.approx(stats.binomtest(out.n, 4000, expected,
                                                        alternative="greater").pvalue)  # fmt: skip
    assert out.examples == [-120.0, -119.0, -118.0]  # most out of range first
    assert "120 of 4,000 values of age (3.0%) lie outside the training range 18 to 90" in (
        out.message
    )
    assert set(flagged) == {"age:out_of_range"}


def test_impossible_values_are_one_declared_bounds_finding() -> None:
    raw = _table(4000, 99)
    bad = raw.sample(frac=0.03, random_state=1).index
    raw.loc[bad, "age"] = -np.arange(1, len(bad) + 1, dtype=float)
    features = [Feature(name="age", min_value=0), *FEATURES[1:]]
    tally = QualityTally.start(REFERENCE, features, margin=CFG.range_margin).add(raw)
    window = build_profile(coerce_frame(raw, MONITORED, strict=False), MONITORED,
                           reference=REFERENCE)  # fmt: skip
    dq = judge_quality(tally, REFERENCE, window, features, CFG)
    flagged = _flagged(dq)
    declared = flagged["age:declared_bounds"]
    assert declared.n == int((raw["age"] < 0).sum()) and declared.details["below"] == declared.n
    # The same rows are out of range too, but one cause is one finding.
    assert set(flagged) == {"age:declared_bounds"}
    age = {i.subject for i in dq.issues if i.feature == "age"}
    assert age == {"age:declared_bounds", "age:out_of_range"}


def test_a_few_stray_values_are_counted_not_flagged() -> None:
    raw = _table(4000, 98)
    raw.loc[raw.index[:5], "age"] = -1.0
    issues = {i.subject: i for i in _judge(raw)[0].issues}
    assert issues["age:out_of_range"].n == 5 and not issues["age:out_of_range"].flagged


@pytest.mark.parametrize("chunks", [1, 5])
def test_a_new_category_at_five_percent(chunks: int) -> None:
    raw = _table(4000, 97)
    raw.loc[raw.sample(frac=0.05, random_state=2).index, "city"] = "marseille"
    dq, _ = _judge(raw, chunks)
    new = _flagged(dq)["city:new_category"]
    assert new.n == int((~raw["city"].isin(CITIES)).sum()) == 200
    assert new.examples == ["marseille"] and new.details["counts"] == {"marseille": 200}
    n_ref = REFERENCE.features["city"].n
    assert new.reference_share == pytest.approx(1 / (n_ref + 1))  # no singletons in training
    assert new.p_value == pytest.approx(
        stats.binomtest(200, 4000, 1 / (n_ref + 1), alternative="greater").pvalue
    )
    assert set(_flagged(dq)) == {"city:new_category"}


def test_a_numeric_column_turned_to_text_is_counted_not_read_as_missing() -> None:
    raw = _table(4000, 96)
    raw["income"] = raw["income"].astype(object)
    turned = raw.sample(frac=0.1, random_state=3).index
    raw.loc[turned, "income"] = [f"{v:,.2f} EUR" for v in range(len(turned))]
    dq, _ = _judge(raw, chunks=3)
    flagged = _flagged(dq)
    text = flagged["income:unparsable"]
    direct = pd.to_numeric(raw["income"], errors="coerce").isna() & raw["income"].notna()
    assert text.n == int(direct.sum()) == len(turned)
    assert text.examples[0].endswith(" EUR") and len(text.examples) == 3
    # The text is not also reported as a jump in missing values.
    assert set(flagged) == {"income:unparsable"}


def test_a_ten_point_missing_jump() -> None:
    raw = _table(4000, 95)
    present = raw.index[raw["income"].notna()]
    raw.loc[present[:400], "income"] = np.nan
    jump = _flagged(_judge(raw)[0])["income:missing_jump"]
    ref_missing = int(TRAIN["income"].isna().sum())
    win_missing = int(raw["income"].isna().sum())
    assert jump.n == win_missing and jump.share == pytest.approx(win_missing / 4000)
    assert jump.reference_share == pytest.approx(ref_missing / len(TRAIN))
    # The one-sided pooled two-proportion z-test; its square is scipy's 2×2 chi-square.
    table = [[ref_missing, len(TRAIN) - ref_missing], [win_missing, 4000 - win_missing]]
    chi2 = stats.chi2_contingency(table, correction=False)
    assert jump.details["z"] ** 2 == pytest.approx(chi2.statistic)
    assert jump.p_value == pytest.approx(chi2.pvalue / 2)


def test_duplicate_request_ids_and_unique_ids_across_chunks() -> None:
    raw = _table(4000, 94)
    raw.loc[raw.index[3000:3100], "request_id"] = raw["request_id"].iloc[:100].to_numpy()
    raw.loc[raw.index[3900:3960], "application"] = raw["application"].iloc[10:70].to_numpy()
    flagged = _flagged(_judge(raw, chunks=4)[0])
    assert flagged["request_id:duplicate"].n == int(raw["request_id"].duplicated().sum()) == 100
    assert flagged["application:duplicate"].n == int(raw["application"].duplicated().sum())
    assert flagged["request_id:duplicate"].examples[0] in set(raw["request_id"].iloc[:100])


def test_tallies_merge_to_the_whole() -> None:
    raw = _table(3000, 93)
    raw.loc[raw.index[:90], "age"] = -5.0
    raw.loc[raw.index[2000:2050], "request_id"] = raw["request_id"].iloc[:50].to_numpy()
    start = QualityTally.start(REFERENCE, FEATURES, margin=CFG.range_margin)
    whole = start.add(raw)
    merged = start.add(raw.iloc[:1500]).merge(start.add(raw.iloc[1500:]))
    assert merged.n_rows == whole.n_rows and merged.present == whole.present
    assert merged.out_of_range["age"].n == whole.out_of_range["age"].n == 90
    assert merged.duplicates["request_id"].repeated == whole.duplicates["request_id"].repeated
    assert merged.labels == whole.labels


def test_label_shift_is_label_drift_checked_against_scipy() -> None:
    raw = _table(2000, 92)
    rng = np.random.default_rng(5)
    raw["label"] = rng.choice(["no", "yes"], 2000, p=[0.5, 0.5])
    tally = QualityTally.start(REFERENCE, FEATURES, margin=CFG.range_margin).add(raw)
    found = label_drift(tally, LABELS, CFG)
    assert found is not None and found.drifted
    ref = TRAIN["label"].value_counts().reindex(["no", "yes"]).to_numpy()
    win = raw["label"].value_counts().reindex(["no", "yes"]).to_numpy()
    expected = stats.chi2_contingency(np.array([ref, win]), correction=False)
    assert found.p_value == pytest.approx(expected.pvalue)
    assert found.shift == pytest.approx(abs(win[0] / 2000 - ref[0] / ref.sum()))
    assert found.n == 2000 and found.categories == ["no", "yes"]
    assert "Label drift detected" in found.message


def test_regression_label_drift_counts_into_the_training_bins() -> None:
    rng = np.random.default_rng(6)
    y = pd.Series(rng.normal(100, 10, 5000))
    ref = label_reference(y, classification=False, bins=10)
    start = QualityTally.start(REFERENCE, FEATURES, margin=0.05, label_edges=ref["edges"])
    same = start.add(pd.DataFrame({"label": rng.normal(100, 10, 1000)}))
    moved = start.add(pd.DataFrame({"label": rng.normal(108, 10, 1000)}))
    quiet, loud = label_drift(same, ref, CFG), label_drift(moved, ref, CFG)
    assert quiet is not None and not quiet.drifted
    assert loud is not None and loud.drifted and loud.shift >= 0.05


def test_too_few_labels_or_no_reference_give_no_verdict() -> None:
    tally = QualityTally.start(REFERENCE, FEATURES, margin=0.05).add(_table(20, 91))
    assert label_drift(tally, LABELS, CFG) is None  # 20 < min_labels
    assert label_drift(tally, None, CFG) is None
