"""The ``driftlab`` command line: ``main`` assembles one module per stage (train, serve,
predict, monitor, retrain, report, db, demo) that share ``options``; ``render`` draws results.

Nothing is exported: the entry point is ``driftlab.cli.main:main``.
"""

__all__: list[str] = []
