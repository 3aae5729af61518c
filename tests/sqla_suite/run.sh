#!/usr/bin/env bash
# SQLAlchemy's dialect compliance suite (the subset that fits okta), in its own pytest run.
#
#   tests/sqla_suite/run.sh                 # starts an emulator org for the session
#   PYTHON=/work/venv14/bin/python tests/sqla_suite/run.sh   # another interpreter / venv
#   tests/sqla_suite/run.sh --dburi 'okta://:TOKEN@127.0.0.1:8765/?scheme=http'
#
# The suite's pytest plugin is loaded by tests/sqla_suite/conftest.py only when OKTA_SQLA_SUITE=1,
# and reads [sqla_testing] / [db] from setup.cfg in the repository root (pytest's rootdir, which
# pyproject.toml fixes), so the run starts there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PYTHON="${PYTHON:-python}"
export OKTA_SQLA_SUITE=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec "$PYTHON" -m pytest tests/sqla_suite -p no:cacheprovider "$@"
