"""The real-time API (FastAPI). Importing it needs FastAPI; the monitoring core does not."""

from driftlab.serve.app import create_app

__all__ = ["create_app"]
