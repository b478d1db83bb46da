"""Batch prediction jobs against real stores: same answers as the model, logged, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftlab.batch import predict_file
from driftlab.config import Project
from driftlab.errors import DataError
from driftlab.model import ModelBundle
from driftlab.registry import MemoryRegistry
from driftlab.scenarios import AmesScenario
from driftlab.store.sql import SqlStore


@pytest.fixture
def rows(ames: AmesScenario) -> pd.DataFrame:
    frame = ames.normal.drop(columns=[ames.target]).head(250).reset_index(drop=True)
    return frame.assign(row_id=[f"r{i}" for i in range(len(frame))])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_scores_like_the_model_in_input_order(
    suffix: str,
    rows: pd.DataFrame,
    project: Project,
    bundle: ModelBundle,
    registry: MemoryRegistry,
    store: SqlStore,
    tmp_path: Path,
) -> None:
    src = tmp_path / f"in{suffix}"
    rows.to_csv(src, index=False) if suffix == ".csv" else rows.to_parquet(src, index=False)
    out = tmp_path / f"out{suffix}"
    seen: list[int] = []
    outcome = predict_file(
        project, registry, src, out, store=store, id_column="row_id", chunk_rows=100,
        progress=seen.append,
    )  # fmt: skip
    assert (outcome.rows, outcome.logged, seen) == (250, 250, [100, 100, 50])
    got = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    expected = bundle.predict(rows)
    assert got["request_id"].tolist() == rows["row_id"].tolist()
    assert got["prediction"].astype(str).tolist() == expected.predictions
    np.testing.assert_allclose(got["probability"], expected.probability, atol=1e-12)
    for c in bundle.info.classes:
        np.testing.assert_allclose(
            got[f"proba_{c}"], [p[c] for p in expected.probabilities], atol=1e-6
        )
    logged = store.read_window(project.model_name)
    assert sorted(logged["request_id"]) == sorted(rows["row_id"])
    # A re-run (a retried job) logs nothing twice.
    again = predict_file(project, registry, src, out, store=store, id_column="row_id")
    assert again.logged == 0
    assert len(store.read_window(project.model_name)) == 250


def test_bad_rows_are_named_and_leave_no_output(
    rows: pd.DataFrame, project: Project, registry: MemoryRegistry, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    bad = rows.copy()
    bad["Gr_Liv_Area"] = bad["Gr_Liv_Area"].astype(object)
    bad.loc[120, "Gr_Liv_Area"] = "big"
    src = tmp_path / "bad.csv"
    bad.to_csv(src, index=False)
    with pytest.raises(DataError, match=r"rows 102–201: .*'Gr_Liv_Area'.*'big'"):
        predict_file(project, registry, src, out, chunk_rows=100)
    assert not out.exists() and not list(tmp_path.glob("*partial"))
    assert not list(tmp_path.glob(".*partial"))

    dup = rows.assign(row_id="same")
    dup.to_csv(src, index=False)
    with pytest.raises(DataError, match=r"row 3: id 'same' in 'row_id' appears twice"):
        predict_file(project, registry, src, out, id_column="row_id")

    rows.drop(columns=["Gr_Liv_Area"]).to_csv(src, index=False)
    with pytest.raises(DataError, match="'Gr_Liv_Area' is missing"):
        predict_file(project, registry, src, out)
    with pytest.raises(DataError, match="id column 'nope' is not in"):
        predict_file(project, registry, src, out, id_column="nope")
    with pytest.raises(DataError, match="would overwrite the input"):
        predict_file(project, registry, src, src)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_output_is_not_written_through_a_planted_symlink(
    suffix: str, rows: pd.DataFrame, project: Project, registry: MemoryRegistry, tmp_path: Path
) -> None:
    # Another user of the folder plants the old fixed temporary name, pointing at a file of
    # the victim's: the job must neither follow it nor lose its own output.
    src = tmp_path / "in.csv"
    rows.to_csv(src, index=False)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / f"out{suffix}"
    (tmp_path / f"out{suffix}.partial").symlink_to(victim)
    outcome = predict_file(project, registry, src, out, id_column="row_id", chunk_rows=100)
    assert victim.read_text() == "precious"
    assert not out.is_symlink() and outcome.rows == 250
    got = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert got["request_id"].tolist() == rows["row_id"].tolist()
    assert not list(tmp_path.glob(".*partial"))  # the temporary file was renamed, not left


def test_protected_attributes_are_logged_apart_like_the_api(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from driftlab.config import load_project
    from driftlab.monitor.reference import prepare_reference
    from driftlab.registry import CHAMPION
    from driftlab.scenarios import credit
    from driftlab.train import train_model

    s = credit.prepare(tmp_path / "credit")
    project = load_project(s.project_file)
    registry = MemoryRegistry()
    registry.set_alias(
        "credit",
        CHAMPION,
        registry.register(train_model(project, s.train, prepare=prepare_reference)),
    )
    src = tmp_path / "rows.csv"
    s.normal.drop(columns=[credit.TARGET]).head(30).to_csv(src, index=False)
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    predict_file(project, registry, src, tmp_path / "out.csv", store=store)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT features, attributes FROM predictions")).all()
    assert len(rows) == 30
    for features, attributes in rows:
        assert not {"sex", "age"} & set(json.loads(features))
        assert set(json.loads(attributes)) == {"sex", "age"}


def test_large_chunks_are_logged_once_and_a_bad_row_keeps_earlier_chunks(
    ames: AmesScenario,
    project: Project,
    bundle: ModelBundle,
    registry: MemoryRegistry,
    store: SqlStore,
    tmp_path: Path,
) -> None:
    from driftlab.store.sql.ingest import BULK_ROWS

    # Chunks of BULK_ROWS and more: COPY on PostgreSQL, the bulk insert on SQLite.
    base = ames.normal.drop(columns=[ames.target]).reset_index(drop=True)
    frame = pd.concat([base] * (2 * BULK_ROWS // len(base) + 1), ignore_index=True)
    frame = frame.head(2 * BULK_ROWS).assign(row_id=[f"q{i}" for i in range(2 * BULK_ROWS)])
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    frame.to_parquet(src, index=False)
    done = predict_file(project, registry, src, out, store=store, id_column="row_id",
                        chunk_rows=BULK_ROWS)  # fmt: skip
    assert (done.rows, done.logged) == (2 * BULK_ROWS, 2 * BULK_ROWS)
    logged = store.read_window(project.model_name).set_index("request_id")
    assert len(logged) == 2 * BULK_ROWS
    row = frame.iloc[1234]
    for f in project.features:  # the file's values, as logged
        want, got = row[f.name], logged.loc["q1234", f.name]
        assert got == want or (pd.isna(want) and pd.isna(got))
    expected = bundle.predict(frame.iloc[[1234]])
    assert logged.loc["q1234", "prediction"] == expected.predictions[0]
    assert logged.loc["q1234", "probability"] == pytest.approx(expected.probability[0])
    # A retried job adds nothing (PostgreSQL: COPY meets stored ids, the staging path skips).
    assert predict_file(project, registry, src, out, store=store, id_column="row_id",
                        chunk_rows=BULK_ROWS).logged == 0  # fmt: skip

    # A bad value in the second chunk: the first chunk stays logged (acknowledged as it was
    # committed), nothing of the second is, and the error names the row and the column.
    bad = frame.assign(row_id=[f"z{i}" for i in range(len(frame))])
    bad["Gr_Liv_Area"] = bad["Gr_Liv_Area"].astype(object)
    bad.loc[BULK_ROWS + 7, "Gr_Liv_Area"] = "huge"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataError, match=rf"first at row {BULK_ROWS + 9}: 'Gr_Liv_Area' = 'huge'"):
        predict_file(project, registry, tmp_path / "bad.csv", out, store=store, id_column="row_id",
                     chunk_rows=BULK_ROWS)  # fmt: skip
    ids = set(store.read_window(project.model_name)["request_id"])
    assert len(ids) == 3 * BULK_ROWS and "z0" in ids and f"z{BULK_ROWS}" not in ids
