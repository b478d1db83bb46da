"""Joint drift that per-feature tests cannot see: correlations that break."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from driftlab.config import Feature, FeatureKind
from driftlab.monitor import drift_between
from driftlab.monitor.multivariate import domain_classifier, pca_reconstruction

FEATURES = [Feature(name="a"), Feature(name="b"), Feature(name="d"),
            Feature(name="c", kind=FeatureKind.CATEGORICAL)]  # fmt: skip
COV = [[1.0, 0.9], [0.9, 1.0]]


def _table(seed: int, n: int, correlated: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ab = rng.multivariate_normal([0, 0], COV if correlated else np.eye(2), n)
    return pd.DataFrame({"a": ab[:, 0], "b": ab[:, 1], "d": rng.lognormal(size=n),
                         "c": rng.choice(list("xyz"), n).astype(object)})  # fmt: skip


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return _table(0, 2000)


def test_broken_correlation_is_invisible_per_feature_but_caught_jointly(reference) -> None:
    window = _table(1, 1000, correlated=False)
    assert drift_between(reference, window, FEATURES).drifted == []
    dc = domain_classifier(reference, window, FEATURES)
    assert dc.drifted and dc.statistic > 0.7 and dc.p_value is not None and dc.p_value < 1e-6
    assert {t["feature"] for t in dc.details["top_features"][:2]} == {"a", "b"}
    assert "features separating them most: " in dc.message
    pca = pca_reconstruction(reference, window, FEATURES)
    assert pca.drifted and pca.statistic > pca.threshold


def test_same_distribution_is_not_flagged(reference) -> None:
    window = _table(2, 1000)
    dc = domain_classifier(reference, window, FEATURES)
    assert not dc.drifted and dc.statistic < 0.6
    assert not pca_reconstruction(reference, window, FEATURES).drifted


def test_auc_p_value_matches_mann_whitney_definition(reference) -> None:
    # AUC = U / (n0 n1): the reported statistic and p-value are tied by that identity.
    window = _table(3, 600, correlated=False)
    dc = domain_classifier(reference, window, FEATURES)
    assert 0.5 < dc.statistic <= 1.0 and dc.p_value is not None


def test_too_few_rows_is_a_defined_non_verdict(reference) -> None:
    tiny = _table(4, 5)
    assert not domain_classifier(reference, tiny, FEATURES).drifted
    assert not pca_reconstruction(reference.head(10), tiny, FEATURES).drifted
