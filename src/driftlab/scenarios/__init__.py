"""Built-in datasets and drift scenarios for the demo, the tests and teaching."""

from collections.abc import Callable
from pathlib import Path

from driftlab.scenarios import ames, ames_crash, credit, phishing
from driftlab.scenarios.ames import AmesScenario, load_ames, prepare
from driftlab.scenarios.base import Scenario

__all__ = ["SCENARIOS", "AmesScenario", "Scenario", "get_scenario", "load_ames", "prepare"]

# name -> function writing the scenario's project into a folder. Messages derive from this.
SCENARIOS: dict[str, Callable[[Path], Scenario]] = {
    "ames": ames.prepare,
    "phishing": phishing.prepare,
    "ames-crash": ames_crash.prepare,
    "credit": credit.prepare,
}


def get_scenario(name: str) -> Callable[[Path], Scenario]:
    try:
        return SCENARIOS[name]
    except KeyError:
        from driftlab.errors import ConfigError

        raise ConfigError(
            f"unknown scenario {name!r}. Available: {', '.join(sorted(SCENARIOS))}"
        ) from None
