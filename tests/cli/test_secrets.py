"""A password in the MLflow tracking URI never reaches what ``train`` and ``predict`` print:
stdout, stderr, --json output or -v logs (the store URL is masked the same way)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from driftlab.redact import safe_url
from driftlab.registry.mlflow_registry import MlflowRegistry
from driftlab.scenarios import prepare

SECRET = "s3cretTok"

# Both fail fast: a refused port with MLflow's HTTP retries off; a missing driver.
URIS = {
    "https": f"https://user:{SECRET}@127.0.0.1:1/",
    "postgresql": f"postgresql+psycopg2://u:{SECRET}@127.0.0.1:1/db",
}
COMMANDS = {
    "train": ["train"],
    "predict": ["predict", "train.csv", "--out", "scored.csv", "--no-log"],
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("secrets")
    prepare(d)
    return d


# Each run loads MLflow and scikit-learn: the human and the --json output with -v logs for
# both URIs, not every combination.
CASES = [
    pytest.param(uri, command, flags, id=f"{c}-{u}-{'+'.join(flags)}")
    for u, uri in URIS.items()
    for c, command in COMMANDS.items()
    for flags in (["-v", "--json"], ["-v"])
    if u == "https" or flags == ["-v", "--json"]
]


@pytest.mark.parametrize(("uri", "command", "flags"), CASES)
def test_tracking_uri_password_is_never_printed(
    workdir: Path, uri: str, command: list[str], flags: list[str]
) -> None:
    env = {**os.environ, "DRIFTLAB_MLFLOW_TRACKING_URI": uri,
           "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "COLUMNS": "300"}  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "driftlab", *command, *flags],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 3, out.stderr
    printed = out.stdout + out.stderr
    # Checked with line breaks removed too: a wrapped line must not hide a leak.
    assert SECRET not in printed and SECRET not in "".join(printed.split())


def test_mlflow_does_not_print_the_run_url(monkeypatch: pytest.MonkeyPatch) -> None:
    # After a run against a tracking server MLflow writes "View run at <tracking URI>" to
    # stdout: the URI with its password, and a line that breaks --json output.
    monkeypatch.delenv("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", raising=False)
    reg = MlflowRegistry(URIS["https"], "x", Path("unused"))
    assert reg.client is not None
    assert os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] == "true"


def test_store_url_and_tracking_uri_share_one_mask() -> None:
    from driftlab.store.sql import tables

    assert tables.safe_url is safe_url
    assert safe_url(URIS["postgresql"]) == "postgresql+psycopg2://u:***@127.0.0.1:1/db"
