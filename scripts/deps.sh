#!/usr/bin/env bash
# Installs the Debian packages filesd needs to build, test and benchmark. Idempotent: it runs
# `apt-get update` and `apt-get install` only when a package is missing, so a second call is instant.
# Usage: scripts/deps.sh            (everything: build, tests, benchmarks)
#        scripts/deps.sh build      (only what `make build` / `make run` need)
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config ninja-build
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev
  curl ca-certificates
  libmagic-dev libsimdjson-dev libvips-dev libpoppler-cpp-dev libpoppler-glib-dev
  libtesseract-dev tesseract-ocr-eng libzip-dev libexpat1-dev libfreexl-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev clang libclang-rt-14-dev
  python3 python3-requests python3-pytest
  python3-openpyxl python3-xlwt python3-reportlab python3-pil tesseract-ocr-eng fonts-dejavu-core
  chromium chromium-driver
)
# poppler-utils and tesseract-ocr: the reference tools of bench/ocr_bench.sh (pdftoppm, tesseract).
bench_pkgs=(nginx-light wrk libbenchmark-dev poppler-utils tesseract-ocr)

want=("${build_pkgs[@]}")
if [ "${1:-all}" != build ]; then
  want+=("${test_pkgs[@]}" "${bench_pkgs[@]}")
  # Node.js (with npm) may come from another packaging that already bundles npm; Debian's own
  # packages are used only when there is no node at all.
  command -v node >/dev/null && command -v npm >/dev/null || want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# nginx-light starts a system nginx on port 80 when installed; the benchmark runs its own instance.
if [ -d /run/systemd/system ] && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl stop nginx || true
fi
exit 0
