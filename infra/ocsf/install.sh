#!/usr/bin/env bash
# Fetches the compiled OCSF 1.8.0 schema (JSON) from PyPI's ocsf-json-schema 1.2.0, pinned by hash,
# and prints its path. The OCSF export test validates every exported event against it. Nothing is
# installed: the wheel is only unzipped.
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
wheel = glob.glob(f"{out}/wheel/ocsf_json_schema-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(f"{out}/ocsf-1.8.0.json", "wb") as f:
    f.write(z.read("ocsf_json_schema/ocsf/1.8.0.json"))
PY
echo "$dir/ocsf-1.8.0.json"
