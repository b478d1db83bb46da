"""Apache Spark engines: ``driftlab monitor --engine spark`` and ``driftlab predict --engine
spark``.

- :mod:`.session`: the session driftlab creates (settings, executors' Python, install hint)
  and reading a Parquet path or a table;
- :mod:`.monitor`: a window's mergeable parts built on the executors, merged there, decided on
  the driver by the monitoring core (:func:`driftlab.monitor.merged.monitor_part`);
- :mod:`.predict`: batch scoring with a pandas UDF on the executors (ONNX Runtime when the
  model's ONNX export passes its parity check, else scikit-learn).

pyspark is imported only when a function here is called; importing the package needs none.
"""

__all__: list[str] = []
