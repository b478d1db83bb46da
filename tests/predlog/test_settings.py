"""The logger's settings: one source of defaults ([store]), one place that builds it."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from driftlab.config import StoreConfig
from driftlab.predlog.build import logger_from_settings
from driftlab.predlog.settings import LogSettings


def test_defaults_are_those_of_the_store_config() -> None:
    for f in fields(LogSettings):
        if f.name == "spool_dir":  # relative to the project file: no default of its own
            assert f.default is None
            continue
        assert f.default == StoreConfig.model_fields[f.name].default, f.name


def test_every_setting_comes_from_the_store_config(tmp_path: Path) -> None:
    cfg = StoreConfig(
        durability="interval", spool_dir=tmp_path, batch_size=7, flush_interval_s=0.5,
        spool_max_bytes=70_000, spool_segment_bytes=5000, fsync_interval_ms=3.0,
        queue_max_records=9,
    )  # fmt: skip
    settings = LogSettings.from_config(cfg)
    assert {f.name: getattr(settings, f.name) for f in fields(LogSettings)} == {
        f.name: getattr(cfg, f.name) for f in fields(LogSettings)
    }


def test_a_spooled_mode_needs_a_spool_dir() -> None:
    with pytest.raises(ValueError, match=r"durability 'interval' .* needs spool_dir"):
        LogSettings(durability="interval")


@pytest.mark.parametrize(("drain_process", "child"), [(True, True), (False, False)])
def test_the_drain_child_follows_store_drain_process(
    tmp_path: Path, drain_process: bool, child: bool
) -> None:
    cfg = StoreConfig(spool_dir=tmp_path, drain_process=drain_process)
    logger = logger_from_settings(cfg, store=None, child_store=lambda: None)  # type: ignore[arg-type]
    assert (logger.drainer.child is not None) is child
    assert logger.durability == "durable" and logger.settings.spool_dir == tmp_path
