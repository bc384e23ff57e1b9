# Civic Space Academy: a small image that migrates the database and serves with gunicorn + uvicorn workers.
# Build: docker build -t civic-space-academy .     Run: see README.md ("Docker").

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements/constraints.txt requirements/constraints.txt
COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY app app
# Byte-compiled now: the app runs as a user who cannot write __pycache__, and compiling it at every
# start cost a few tenths of a second.
RUN pip install -c requirements/constraints.txt -e . \
 && pybabel compile -d app/locale \
 && python -m compileall -q app
COPY migrations migrations
COPY templates templates
COPY courses courses
COPY docker docker

FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ACADEMY_DATA_DIR=/data \
    ACADEMY_WORKERS=2
# pg_dump and pg_restore for `academy backup` and `restore` on PostgreSQL (docs/operations.md).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15=15.* \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin academy \
 && mkdir -m 0700 /data && chown academy:academy /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["serve"]
