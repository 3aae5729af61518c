#!/usr/bin/env bash
# Mutation scores of the modules whose bugs are silent (wrong rows, a lost write), each against
# its own test subset. Opt-in, not in CI: it takes a while (2 mutants at a time; JOBS=1 on a busy machine).
#   bash scripts/mutation.sh            # 60 sampled mutants per module
#   SAMPLE=0 bash scripts/mutation.sh   # every mutant
#   bash scripts/mutation.sh pacing     # one module
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
SAMPLE=${SAMPLE:-60}
SEED=${SEED:-1}

# The planner's tests: what a query returns and which calls it makes (the fault matrix and
# cancellation tests are about HTTP, and would only slow each mutant down).
# test_planner_terminates first: it turns a planner that never ends into a failure, before any
# other test can hang on it.
SQL_TESTS="tests/unit/test_planner_terminates.py tests/unit/test_planner.py tests/unit/test_ranges.py tests/driver/test_reads.py"
SQL_TESTS+=" tests/driver/test_pinned_behaviours.py tests/driver/test_pushdown_table.py tests/driver/test_same_answer.py"
SQL_TESTS+=" tests/driver/test_residual_pinned.py tests/differential"
SQL_TESTS="tests/unit/test_scopes.py tests/unit/test_ranges_pinned.py $SQL_TESTS tests/driver/test_scopes_pinned.py"  # resolver hangs fail first
declare -A MODULES=(
  [pacing]="okta_dbapi/http/pacing.py tests/unit/test_pacing_pinned.py tests/unit/test_pacing.py tests/unit/test_pacing_properties.py tests/unit/test_rate_limits.py"
  [pushdown]="okta_dbapi/sql/pushdown.py $SQL_TESTS"
  [planner]="okta_dbapi/sql/planner.py $SQL_TESTS"
  [residual]="okta_dbapi/sql/residual.py $SQL_TESTS tests/writes/test_write_insert.py::test_returning_gives_the_totp_secret_and_qr_link"
  [scopes]="okta_dbapi/sql/scopes.py $SQL_TESTS"
  [terms]="okta_dbapi/sql/terms.py $SQL_TESTS"
  [ranges]="okta_dbapi/sql/ranges.py $SQL_TESTS"
  [ledger]="okta_dbapi/writes/ledger.py tests/writes"
)
ORDER=(pacing pushdown planner residual scopes terms ranges ledger)
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${ORDER[@]}")
for name in "${selected[@]}"; do
  read -r -a spec <<<"${MODULES[$name]}"
  module=${spec[0]}
  tests=()
  for t in "${spec[@]:1}"; do [ -e "${t%%::*}" ] && tests+=("$t"); done
  "$PY" scripts/mutation.py "$module" "${tests[@]}" --sample "$SAMPLE" --seed "$SEED" ${JOBS:+--jobs "$JOBS"}
done
