"""driftlab: keep deployed ML models accurate, fair and fast.

The package is layered along the flow of docs/architecture.md (which draws the layer order
that tests/test_layers.py checks): ``config`` and ``schema`` describe the project; ``stats``,
``profile`` and ``metrics`` are pure computation; ``train``, ``monitor``, ``alerts``,
``retrain`` turn them into stages; ``registry`` and ``store`` are ports with adapters;
``serve`` and ``cli`` are the composition roots. Importing this package has no side effects
and pulls in neither FastAPI nor MLflow.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
