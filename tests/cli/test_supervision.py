"""What the multi-worker server logs about its workers at the default level."""

from __future__ import annotations

import logging
import logging.config

from driftlab.cli.supervision import RestartNotice, log_config


def _record(message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.error", level, __file__, 1, message, (), None)


def test_a_replaced_worker_is_a_warning_with_its_reason() -> None:
    record = _record("Child process [4242] died")
    assert RestartNotice(healthcheck_s=60).filter(record)
    assert record.levelno == logging.WARNING and record.levelname == "WARNING"
    assert record.getMessage().startswith("Child process [4242] died: a serving worker exited")
    assert "within 60 s (serve.worker_healthcheck_s)" in record.getMessage()


def test_other_info_lines_show_only_when_verbose() -> None:
    quiet, verbose = RestartNotice(), RestartNotice(verbose=True)
    assert not quiet.filter(_record("Started parent process [1]"))
    assert verbose.filter(_record("Started parent process [1]"))
    assert quiet.filter(_record("Child process [7] failed to start", logging.ERROR))


def test_the_logging_configuration_is_valid_and_routes_through_the_filter() -> None:
    config = log_config(verbose=False, healthcheck_s=90)
    assert "restarts" in config["handlers"]["default"]["filters"]
    handler = logging.config.DictConfigurator(config).configure_handler(  # type: ignore[attr-defined]
        {**config["handlers"]["default"], "filters": []}
    )
    handler.close()
    restarts = config["filters"]["restarts"]
    notice = restarts["()"](verbose=restarts["verbose"], healthcheck_s=restarts["healthcheck_s"])
    assert isinstance(notice, RestartNotice) and notice.healthcheck_s == 90
