"""The dashboard: read-only pages over the store, at ``/dashboard``.

``build_router(store)`` gives the pages as a FastAPI router; ``create_app`` (the server)
mounts it, and ``create_dashboard_app(store)`` serves it alone (``driftlab dashboard``), with
no model loaded. A run's page renders the report's own templates, so the two cannot
disagree; plotly.js is served from the installed plotly package, so it works offline.
"""

from driftlab.dashboard.app import create_dashboard_app
from driftlab.dashboard.router import PREFIX, build_router

__all__ = ["PREFIX", "build_router", "create_dashboard_app"]
