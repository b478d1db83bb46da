"""Model registry: a port, an MLflow adapter and an in-memory fake."""

from driftlab.registry.base import CHALLENGER, CHAMPION, ModelVersion, Registry
from driftlab.registry.memory import MemoryRegistry

__all__ = ["CHALLENGER", "CHAMPION", "MemoryRegistry", "ModelVersion", "Registry"]
