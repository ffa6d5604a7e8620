#!/usr/bin/env bash
# Installs schemathesis 4.32.5 and its dependencies, pinned by hash, into a Python venv and prints
# the path of its CLI. The API fuzz test finds the default venv by itself.
#
#   infra/schemathesis/install.sh [VENV_DIR]      # default: .venv-schemathesis in the repository
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-$here/../../.venv-schemathesis}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check --require-hashes --no-deps -r "$here/requirements.txt" >&2
echo "$venv/bin/schemathesis"
