#!/bin/sh
# Container entrypoint: `serve` (the default) migrates the database, then runs gunicorn with uvicorn
# workers; any other arguments are handed to the `academy` command (e.g. `demo`, `users create ...`).
set -eu

if [ "$#" -eq 0 ] || [ "$1" = "serve" ]; then
    academy migrate
    exec gunicorn --config "${ACADEMY_GUNICORN_CONFIG:-/app/docker/gunicorn.conf.py}" "app.main:serve_app()"
fi
exec academy "$@"
