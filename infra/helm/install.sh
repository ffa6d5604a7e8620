#!/usr/bin/env bash
# Builds the `helm` binary (Helm v4.3.2) from the Go module proxy into DIR and prints its path.
# No release tarball is reachable from CI (package registries only), so the pinned module version
# is built with the local Go toolchain; the Go checksum database verifies every module it fetches.
# An already built binary of the right version is reused. The chart test finds the default DIR.
#
#   infra/helm/install.sh [DIR]      # default: .helm in the repository
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=v4.3.2
dir=${1:-$here/../../.helm}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
go=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$go" ] || { echo "install.sh: no Go toolchain (go on PATH or /usr/local/go/bin/go) to build Helm" >&2; exit 1; }
if ! "$dir/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$version"; then
  # -mod=mod: `go install pkg@version` resolves from the module's own go.mod, never a local one.
  GOBIN="$dir" GOFLAGS=-mod=mod CGO_ENABLED=0 "$go" install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$version" \
    "helm.sh/helm/v4/cmd/helm@$version" >&2
fi
echo "$dir/helm"
