"""Built-in datasets and drift scenarios for the demo, the tests and teaching."""

from driftlab.scenarios.ames import AmesScenario, load_ames, prepare

__all__ = ["AmesScenario", "load_ames", "prepare"]
