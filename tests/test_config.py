"""The project file: validation errors name the key, the value and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftlab.config import FeatureKind, Task, load_project
from driftlab.errors import ConfigError

GOOD = """
name = "p"
[data]
path = "d.csv"
target = "y"
[[features]]
name = "a"
[[features]]
name = "b"
kind = "categorical"
role = "protected"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "driftlab.toml"
    path.write_text(text)
    return path


def test_defaults_and_path_resolution(tmp_path: Path) -> None:
    p = load_project(_write(tmp_path, GOOD))
    assert p.data.task is Task.BINARY and p.data.path == tmp_path / "d.csv"
    assert p.store.url == f"sqlite:///{tmp_path / 'driftlab.db'}"
    assert p.mlflow.tracking_uri == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert [f.name for f in p.input_features] == ["a"]  # protected is logged, not an input
    assert p.feature("b").kind is FeatureKind.CATEGORICAL
    assert p.primary_metric == "roc_auc"


def test_env_overrides_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIFTLAB_STORE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("DRIFTLAB_MLFLOW_TRACKING_URI", "sqlite:////abs/m.db")
    p = load_project(_write(tmp_path, GOOD))
    assert p.store.url == "postgresql+psycopg://u@h/db"
    assert p.mlflow.tracking_uri == "sqlite:////abs/m.db"


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (
            lambda t: t.replace('kind = "categorical"', 'kind = "text"'),
            r"features\.1\.kind: Input should be 'numeric', 'categorical' or 'timestamp' "
            r"\(got 'text'\)",
        ),
        (lambda t: t + "\n[monitor]\nalpah = 0.1\n", r"monitor\.alpah: unknown key"),
        (lambda t: t + "\n[monitor]\nalpha = 2\n", r"monitor\.alpha: .*less than 1 \(got 2\)"),
        (lambda t: t.replace('target = "y"', ""), r"data\.target: required key is missing"),
        (lambda t: t.replace('name = "b"', 'name = "a"'), r"feature 'a' is declared twice"),
        (lambda t: t.replace('name = "b"', 'name = "y"'), r"the target 'y' is also listed"),
        (lambda t: t + '\n[[alerts.channels]]\ntype = "webhook"\n', r"a webhook channel needs url"),
    ],
)
def test_invalid_project_names_key_value_fix(tmp_path: Path, edit, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        load_project(_write(tmp_path, edit(GOOD)))


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist; pass --config"):
        load_project(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_project(_write(tmp_path, "name = "))


def test_retrain_metric_must_fit_task(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"retrain.metric = 'r2' is not computed for task 'binary'"
    ):
        load_project(_write(tmp_path, GOOD + '\n[retrain]\nmetric = "r2"\n'))
    multi = load_project(
        _write(tmp_path, GOOD.replace('target = "y"', 'target = "y"\ntask = "multiclass"'))
    )
    assert multi.primary_metric == "f1"


def test_metric_names_are_exactly_the_metrics_computed() -> None:
    # One list of names serves validation (config) and computation (metrics); check it against
    # what the functions return on data where every metric is defined.
    import numpy as np

    from driftlab import metric_names
    from driftlab.metrics import classification_metrics, regression_metrics

    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    cls = classification_metrics(["a", "b", "b", "a"], ["a", "b", "a", "a"], proba, ["a", "b"])
    reg = regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    assert set(cls) == set(metric_names.CLASSIFICATION_METRICS)
    assert set(reg) == set(metric_names.REGRESSION_METRICS)
    both = set(cls) | set(reg)
    assert both >= metric_names.LOWER_IS_BETTER
    assert {"log_loss", "mse", "rmse", "mae", "mape"} == metric_names.LOWER_IS_BETTER


@pytest.mark.parametrize("task, metric", [("binary", "mse"), ("regression", "f1")])
def test_a_metric_the_task_does_not_compute_is_refused(
    tmp_path: Path, task: str, metric: str
) -> None:
    text = GOOD.replace('target = "y"', f'target = "y"\ntask = "{task}"')
    with pytest.raises(ConfigError, match=f"monitor.metric = '{metric}' is not computed"):
        load_project(_write(tmp_path, text + f'\n[monitor]\nmetric = "{metric}"\n'))


@pytest.mark.parametrize(
    ("spec", "pattern"),
    [
        ({"name": "c", "kind": "categorical", "min_value": 0}, "apply to numeric features"),
        ({"name": "a", "min_value": 5, "max_value": 1}, "min_value 5.0 above max_value 1.0"),
        ({"name": "a", "unique": True}, "unique applies to role 'id' features"),
    ],
)
def test_declared_bounds_and_unique_ids_are_checked(spec: dict, pattern: str) -> None:
    from pydantic import ValidationError

    from driftlab.config import Feature

    with pytest.raises(ValidationError, match=pattern):
        Feature.model_validate(spec)


def test_one_event_time_per_project() -> None:
    from driftlab.config import project_from_dict

    spec = {
        "name": "p",
        "data": {"path": "d.csv", "target": "y"},
        "features": [
            {"name": "x"},
            {"name": "t1", "role": "timestamp"},
            {"name": "t2", "role": "timestamp"},
        ],
    }
    with pytest.raises(ConfigError, match="'t1', 't2' all have role 'timestamp'"):
        project_from_dict(spec, Path("."))
