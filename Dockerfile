# driftlab's server image: `driftlab serve` on 0.0.0.0:8000, PostgreSQL driver included.
# The project (driftlab.toml, data, MLflow store) is mounted at /project; see compose.yaml.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# Wheels are built in a throwaway stage so the final image carries no compiler or cache.
RUN pip wheel --no-cache-dir --wheel-dir /wheels '.[postgres]'

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 driftlab
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels 'driftlab[postgres]' \
    && rm -rf /wheels
USER driftlab
WORKDIR /project
ENV DRIFTLAB_CONFIG=/project/driftlab.toml \
    PYTHONUNBUFFERED=1 \
    MLFLOW_LOGGING_LEVEL=WARNING
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3)"
ENTRYPOINT ["driftlab"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
