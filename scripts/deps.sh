#!/usr/bin/env bash
# Installs the Debian packages filesd needs, for one purpose at a time. Idempotent: when nothing is
# missing it runs no apt at all and returns at once.
#   scripts/deps.sh build   what `make build` / `make run` need: the compiler and the server's libraries
#   scripts/deps.sh test    build + what `make test` needs (GoogleTest, clang for fuzzing, Python and
#                           Node clients, Chromium for the browser test)
#   scripts/deps.sh all     test + the benchmarks' references (nginx, wrk, Google Benchmark, ...)
# apt's own output goes to .cache/deps/apt.log; this script prints one line per step and a progress
# line every few seconds, and the log's tail if apt fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
purpose="${1:-all}"

build_pkgs=(
  build-essential cmake pkg-config ninja-build
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libspdlog-dev libfmt-dev libcli11-dev
  curl ca-certificates jq   # jq: the README's first commands read JSON with it
  libmagic-dev libsimdjson-dev libvips-dev libpoppler-cpp-dev libpoppler-glib-dev
  libtesseract-dev tesseract-ocr-eng libzip-dev libexpat1-dev libfreexl-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev clang libclang-rt-14-dev
  python3 python3-requests python3-pytest
  python3-openpyxl python3-xlwt python3-reportlab python3-pil fonts-dejavu-core
  chromium chromium-driver
)
# poppler-utils and tesseract-ocr: the reference tools of bench/ocr_bench.sh (pdftoppm, tesseract).
bench_pkgs=(nginx-light wrk libbenchmark-dev poppler-utils tesseract-ocr)

case "$purpose" in
  build) want=("${build_pkgs[@]}"); why="to build the server" ;;
  test)  want=("${build_pkgs[@]}" "${test_pkgs[@]}"); why="to build and test" ;;
  all)   want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}"); why="to build, test and benchmark" ;;
  *) echo "usage: scripts/deps.sh [build|test|all]" >&2; exit 2 ;;
esac
# The tests' pinned Node (tools/node) is fetched with npm; any npm will do, so Debian's is
# installed only when the machine has none.
if [ "$purpose" != build ] && ! command -v npm >/dev/null; then want+=(nodejs npm); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
log_dir="$root/.cache/deps"
mkdir -p "$log_dir"
log="$log_dir/apt.log"
: >"$log"
export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true
start=$SECONDS
echo "deps: ${#missing[@]} Debian packages missing $why: ${missing[*]}"
echo "deps: apt's output goes to ${log#"$root"/}"

fail() {
  echo "deps: $1 failed; the end of ${log#"$root"/}:" >&2
  tail -n 25 "$log" | sed 's/^/    /' >&2
  exit 1
}

printf 'deps: apt-get update ... '
$SUDO apt-get update >>"$log" 2>&1 || { echo; fail "apt-get update"; }
echo "done"

apt_opts=(-y --no-install-recommends -o Dpkg::Use-Pty=0 -o APT::Color=0)
total=$($SUDO apt-get install -s "${apt_opts[@]}" "${missing[@]}" 2>>"$log" | grep -c '^Inst ' || true)
echo "deps: apt-get install: $total packages with their dependencies (download, unpack, set up)"
install_from=$(($(wc -l <"$log") + 1))   # count only the install's lines, not the update's
$SUDO apt-get install "${apt_opts[@]}" "${missing[@]}" >>"$log" 2>&1 &
apt_pid=$!
count() { tail -n "+$install_from" "$log" | grep -c "$1" || true; }
while kill -0 "$apt_pid" 2>/dev/null; do
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$apt_pid" 2>/dev/null && sleep 1; done
  kill -0 "$apt_pid" 2>/dev/null || break
  echo "deps:   $((SECONDS - start)) s: downloaded $(count '^Get:')/$total," \
       "unpacked $(count '^Unpacking ')/$total, set up $(count '^Setting up ')/$total"
done
wait "$apt_pid" || fail "apt-get install"

# nginx-light starts a system nginx on port 80 when installed; the benchmark runs its own instance.
if [ -d /run/systemd/system ] && systemctl is-active --quiet nginx 2>/dev/null; then
  $SUDO systemctl stop nginx >>"$log" 2>&1 || true
fi
echo "deps: installed in $((SECONDS - start)) s"
