#!/usr/bin/env bash
# Installs the Node packages the end-to-end tests and benchmarks use (the official `openai` SDK,
# playwright-core to drive Chromium) from the committed lock file, once.
set -euo pipefail
cd "$(dirname "$0")/../tests/e2e/node"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
