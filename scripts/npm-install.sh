#!/usr/bin/env bash
# Installs the Node packages of the end-to-end tests (the official `openai` SDK, playwright-core to
# drive Chromium) and, with the argument `bench`, of the benchmarks (DuckDB), from their committed
# lock files, once, with the pinned
# Node and npm of tools/node (scripts/node-toolchain.sh). --engine-strict: a package that does not
# support that Node fails the install loudly instead of failing later in a test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
node="$("$root/scripts/node-toolchain.sh")"
npm_cli="$root/tools/node/node_modules/npm/bin/npm-cli.js"
# The machine's npm settings (registry, proxy, CA file) hold for the pinned npm too: it reads the
# same global config file as the machine's npm (Debian's is /etc/npmrc); ~/.npmrc both read anyway.
npm_args=(ci --engine-strict --no-audit --no-fund --loglevel=warn)
globalconfig="$(npm config get globalconfig 2>/dev/null || true)"
[ -n "$globalconfig" ] && [ -f "$globalconfig" ] && npm_args+=(--globalconfig "$globalconfig")
dirs=("$root/tests/e2e/node")
[ "${1:-}" = bench ] && dirs+=("$root/bench/node")
for dir in "${dirs[@]}"; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "npm-install: installing the packages of ${dir#"$root"/} (Node $("$node" --version))"
    # The pinned node first on PATH, so that install scripts run on it too.
    (cd "$dir" && PATH="$(dirname "$node"):$PATH" "$node" "$npm_cli" "${npm_args[@]}")
    touch "$dir/node_modules"
  fi
done
