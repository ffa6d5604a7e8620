#!/usr/bin/env bash
# Fetches the published OCSF 1.7.0 schema (JSON) from PyPI's pydantic-ocsf 3.0.0, pinned by hash,
# and prints its path. The OCSF export test validates every exported event against it; the classes
# and objects the export uses (Account Change, Entity Management, Remediation Activity, user,
# programmatic_credential, managed_entity, metadata) are unchanged between OCSF 1.7.0 and 1.8.0,
# the version the export declares. No Python package is installed: the wheel is only unzipped.
#
#   infra/ocsf/install.sh [DIR]      # default: .ocsf in the repository (the test finds it there)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/../../.ocsf}
mkdir -p "$dir"
python3 -m pip download -q --disable-pip-version-check --no-deps --require-hashes \
  -r "$here/requirements.txt" -d "$dir/wheel" >&2
python3 - "$dir" <<'PY'
import glob, sys, zipfile
out = sys.argv[1]
wheel = glob.glob(f"{out}/wheel/pydantic_ocsf-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(f"{out}/v1_7_0.json", "wb") as f:
    f.write(z.read("ocsf/schemas/v1_7_0.json"))
PY
echo "$dir/v1_7_0.json"
