#!/usr/bin/env bash
# Opt-in Superset integration check for the okta dialect (not part of the default CI run:
# apache-superset is a large install).
#
#   scripts/superset_check.sh
#
# 1. creates (or reuses) a virtualenv with apache-superset 6.1.x and this project installed
#    (OKTA_SUPERSET_VENV, default ~/.cache/okta-superset-venv; SUPERSET_SPEC overrides the pin);
# 2. serves an emulator org with okta-emulator (loopback, free port);
# 3. initialises Superset with a throw-away SQLite metadata DB and an admin user, and starts it;
# 4. runs scripts/superset_check.py against Superset's REST API: registers the database by URI,
#    lists schemas/tables/columns, runs a SQL Lab query, and turns SQL Lab SQL into a virtual
#    dataset queried through /api/v1/chart/data (the "no such table" trap), with a time range,
#    and charted at every time grain Superset offers, each bucket's count checked against buckets
#    computed from the raw timestamps (Superset parses these queries with sqlglot's generic dialect).
# Everything it starts is stopped on exit; KEEP_WORKDIR=1 keeps the logs.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${OKTA_SUPERSET_VENV:-$HOME/.cache/okta-superset-venv}"
SUPERSET_SPEC="${SUPERSET_SPEC:-apache-superset>=6.1,<6.2}"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d -t okta-superset-XXXXXX)"
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  done
  if [[ "${KEEP_WORKDIR:-0}" == "1" ]]; then
    echo "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

log() { echo "==> $*"; }

free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [[ ! -x "$VENV/bin/superset" ]]; then
  log "creating $VENV with $SUPERSET_SPEC (a large install, several minutes)"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "$SUPERSET_SPEC"
fi
log "installing okta-dbapi from $REPO into $VENV"
# Superset 6.1.0's packaging gaps: its CLI imports rich and its engine-spec loader imports
# cachetools (superset/db_engine_specs/aws_iam.py) without declaring either, and it admits
# flask-caching 2.4+, whose ignore_delete_many_errors argument its metastore cache rejects
# (Superset's own requirements lock pins 2.3.x).
"$VENV/bin/pip" install -q "$REPO" rich cachetools 'flask-caching>=2.1,<2.4'
"$VENV/bin/python" -c 'import superset, sqlalchemy, sqlglot; print("superset", superset.__version__ if hasattr(superset, "__version__") else "?", "sqlalchemy", sqlalchemy.__version__, "sqlglot", sqlglot.__version__)' 2>/dev/null | tail -1
"$VENV/bin/pip" show apache-superset 2>/dev/null | grep -i '^version' || true

log "starting an emulator org"
"$VENV/bin/okta-emulator" --users 30 --seed 1 >"$WORK/emulator.out" 2>"$WORK/emulator.err" &
PIDS+=($!)
for _ in $(seq 1 100); do
  grep -q '^export OKTA_CLIENT_TOKEN=' "$WORK/emulator.out" 2>/dev/null && break
  sleep 0.1
done
ORG_URL="$(sed -n 's/^export OKTA_CLIENT_ORGURL=//p' "$WORK/emulator.out")"
TOKEN="$(sed -n 's/^export OKTA_CLIENT_TOKEN=//p' "$WORK/emulator.out")"
[[ -n "$ORG_URL" && -n "$TOKEN" ]] || { cat "$WORK/emulator.err"; echo "emulator did not start"; exit 1; }
HOSTPORT="${ORG_URL#http://}"
ENC_TOKEN="$("$VENV/bin/python" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$TOKEN")"
URI="okta://:${ENC_TOKEN}@${HOSTPORT}/?scheme=http&subdomain=superset-check"
echo "    org $ORG_URL"

log "initialising Superset in $WORK"
SECRET="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(42))')"
cat >"$WORK/superset_config.py" <<CONFIG
SECRET_KEY = "$SECRET"
SQLALCHEMY_DATABASE_URI = "sqlite:///$WORK/superset.db"
WTF_CSRF_ENABLED = False
TALISMAN_ENABLED = False
SQLLAB_TIMEOUT = 120
SUPERSET_WEBSERVER_TIMEOUT = 120
CONFIG
export SUPERSET_CONFIG_PATH="$WORK/superset_config.py"
export FLASK_APP=superset
export SUPERSET_LOAD_EXAMPLES=no
"$VENV/bin/superset" db upgrade >"$WORK/init.log" 2>&1 || { tail -40 "$WORK/init.log"; exit 1; }
"$VENV/bin/superset" fab create-admin --username admin --firstname Admin --lastname User \
  --email admin@example.com --password admin >>"$WORK/init.log" 2>&1 || { tail -40 "$WORK/init.log"; exit 1; }
"$VENV/bin/superset" init >>"$WORK/init.log" 2>&1 || { tail -40 "$WORK/init.log"; exit 1; }

PORT="$(free_port)"
log "starting Superset on 127.0.0.1:$PORT"
"$VENV/bin/superset" run -h 127.0.0.1 -p "$PORT" --with-threads >"$WORK/superset.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 180); do
  curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null || { tail -60 "$WORK/superset.log"; echo "Superset did not start"; exit 1; }

log "checking Superset against the okta database"
if ! "$VENV/bin/python" "$REPO/scripts/superset_check.py" "http://127.0.0.1:$PORT" "$URI"; then
  echo "---- last lines of the Superset log ----"
  grep -v ' 200 -$' "$WORK/superset.log" | tail -60
  exit 1
fi
