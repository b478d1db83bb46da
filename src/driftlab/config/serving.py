"""``[serve]``: the HTTP API, its workers and its security."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from driftlab.config._base import Strict

__all__ = ["ServeConfig"]


class ServeConfig(Strict):
    """``[serve]``: the HTTP API. Tokens are never written here: ``token_envs`` names the
    environment variables that hold them (each may hold several, comma-separated).

    Thread limits are explicit everywhere driftlab runs a model: `serve.threads` per
    prediction, `model.threads` while training and evaluating, one thread for monitoring's
    domain classifier. On a 2-core machine, OpenMP threads of scikit-learn's gradient boosting
    spinning against another busy process slowed fits up to 30-fold, and gave no speed-up on
    idle cores for thousands of rows.
    """

    host: str = Field("127.0.0.1", description="bind address (`--host` overrides)")
    port: Annotated[int, Field(ge=0, le=65535)] = Field(
        8000, description="port (`--port` overrides)"
    )
    reload_interval_s: Annotated[float, Field(ge=0)] = Field(
        5.0, description="how often to check for a new champion; `0` turns polling off"
    )
    max_body_bytes: Annotated[int, Field(ge=1024)] = Field(
        1_048_576, description="request body limit"
    )
    max_batch_records: Annotated[int, Field(ge=1)] = Field(
        1000, description="records per `/v1/predict` request"
    )
    # Threads per server process for the model's math. Single-row predictions gain nothing
    # from more, and OpenMP threads oversubscribing the cores collapse throughput.
    threads: Annotated[int, Field(ge=1)] = Field(
        1,
        description="OpenMP/BLAS threads per prediction, and ONNX Runtime's intra-op threads, "
        "per worker; more oversubscribes the cores under load",
    )
    # Worker processes (uvicorn). Each loads the champion, polls for a new one and shares the
    # store; Prometheus metrics are summed across them.
    workers: Annotated[int, Field(ge=1, le=64)] = Field(
        1,
        description="worker processes (`--workers` overrides); see "
        "[Workers](production.md#workers)",
    )
    worker_healthcheck_s: Annotated[int, Field(ge=5, le=3600)] = Field(
        60,
        description="with several workers: how long the supervisor waits for a worker to "
        "answer its health check before it kills and replaces it (a worker loading its model "
        "on a busy machine can take tens of seconds); each replacement is logged as a warning",
    )
    onnx: bool = Field(
        True,
        description="run the model with ONNX Runtime when it converts and matches "
        "scikit-learn; see [Fast inference (ONNX)](production.md#fast-inference-onnx)",
    )
    auth: Literal["auto", "on", "off"] = Field(
        "auto",
        description='bearer-token auth: `"auto"` is on when a token is set, `"on"` refuses to '
        'start without one, `"off"` ignores tokens',
    )
    token_envs: list[str] = Field(
        default_factory=lambda: ["DRIFTLAB_API_TOKEN"],
        description="names of the environment variables that hold the accepted tokens (each "
        "may hold several, comma-separated). Never the tokens themselves",
    )
    auth_predict: bool = Field(
        False, description="also require a token on `/v1/predict` and `GET /v1/model`"
    )
    # /metrics carries per-feature drift and fairness gauges: the figures the dashboard keeps
    # behind the token, so it is closed by default too.
    auth_metrics: bool = Field(
        True,
        description="require the token on `/metrics` when auth is on: it shows the per-feature "
        "and fairness figures the dashboard hides. Give Prometheus the token "
        "(`authorization: {credentials: ...}` in its scrape config), or set `false` to leave "
        "`/metrics` open",
    )
    # The dashboard shows monitoring results, fairness included: behind the token when auth is
    # on. A browser logs in with it as the password.
    auth_dashboard: bool = Field(
        True,
        description="require the token on `/dashboard` (and `driftlab dashboard`) when auth is "
        "on; a browser logs in with the token as the password",
    )
    rate_limit_per_s: Annotated[float, Field(ge=0)] = Field(
        0.0,
        description="requests per second per client (its token, else its IP), per worker; `0` "
        "turns the limit off",
    )
    rate_limit_burst: Annotated[int, Field(ge=0)] = Field(
        0,
        description="bucket size: requests allowed at once (`0`: the rate, rounded up, at least 1)",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="origins allowed to call the API from a browser (CORS); empty turns CORS off",
    )

    @field_validator("token_envs")
    @classmethod
    def _token_env_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not name.isidentifier():
                raise ValueError(
                    "token_envs lists environment variable names (e.g. 'DRIFTLAB_API_TOKEN'), "
                    "not tokens; an entry is not a variable name. Put the token in the "
                    "environment, never in the project file"
                )
        return names
