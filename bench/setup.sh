#!/usr/bin/env bash
# Create one virtual environment per peer tool under bench/.venvs/<tool>, idempotently.
#
# Each peer gets its own venv because their needs conflict with each other and with driftlab's
# venv (pandas 3, numpy 2.4): evidently and nannyml need pandas 2, whylogs needs numpy 1.x.
# bench/drift.py imports a peer only in its own branch, so a venv needs only that peer.
# driftlab and the scipy floor run in the project venv (.venv, made by `make install`). A peer
# that fails to install or import is reported and not stamped; the runner skips unstamped venvs.
#
# Usage: bash bench/setup.sh [tool ...]     (default: evidently nannyml whylogs)
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venvs="$here/.venvs"
python="${PYTHON:-python3}"

# Pinned to the newest releases that install and import on Python 3.11 when this benchmark was
# written. evidently 0.7.23 and nannyml 0.13.1 do not cap pandas but break on pandas 3
# (removed private imports), so they get pandas 2.3; nannyml imports statsmodels without
# declaring it. whylogs 1.6.4 uses np.unicode_ (gone in numpy 2), so it gets numpy 1.26 and a
# pandas built for it; whylogs[viz] brings the drift-score helpers (scipy).
declare -A spec=(
  [evidently]="evidently==0.7.23 pandas==2.3.3 numpy==2.3.5"
  [nannyml]="nannyml==0.13.1 statsmodels==0.14.6 pandas==2.3.3 numpy==2.3.5"
  [whylogs]="whylogs[viz]==1.6.4 pandas==2.2.3 numpy==1.26.4"
)
# The import that proves the install works (a venv is only marked ready after it passes).
declare -A probe=(
  [evidently]="from evidently import Report; from evidently.presets import DataDriftPreset"
  [nannyml]="import nannyml; nannyml.UnivariateDriftCalculator"
  [whylogs]="import pandas, whylogs; whylogs.log(pandas.DataFrame({'a': [1.0], 'b': ['x']}))
from whylogs.viz.drift.column_drift_algorithms import calculate_drift_scores"
)

tools=("$@")
[ ${#tools[@]} -eq 0 ] && tools=(evidently nannyml whylogs)

status=0
for tool in "${tools[@]}"; do
  if [ -z "${spec[$tool]+x}" ]; then
    echo "setup: unknown tool '$tool' (known: ${!spec[*]})" >&2
    status=1
    continue
  fi
  dir="$venvs/$tool"
  # The stamp names the exact spec, so changing a pin reinstalls and re-running is a no-op.
  stamp="$dir/.installed-$(printf '%s' "${spec[$tool]}" | cksum | cut -d' ' -f1)"
  if [ -f "$stamp" ]; then
    echo "setup: $tool ready ($dir)"
    continue
  fi
  echo "setup: installing ${spec[$tool]} into $dir"
  test -x "$dir/bin/python" || "$python" -m venv "$dir" || { status=1; continue; }
  if "$dir/bin/python" -m pip install --quiet --upgrade pip \
    && "$dir/bin/python" -m pip install --quiet ${spec[$tool]} \
    && "$dir/bin/python" -c "${probe[$tool]}"; then
    rm -f "$dir"/.installed-* && touch "$stamp"
    echo "setup: $tool ready ($("$dir/bin/python" -m pip show "${tool}" | grep '^Version'))"
  else
    echo "setup: $tool FAILED to install or import; the runner will skip it" >&2
    status=1
  fi
done
exit $status
