#!/usr/bin/env bash
# Upload-core benchmark (issue 10): two filesd builds side by side in the same run, new vs old, with the
# ratio new/old for each figure. What is measured, per server (driver: bench/upload_core_client.py, every
# byte sent by curl from files prepared once, the same for both servers):
#   1. POST /v1/files, multipart: one file of BENCH_LARGE_MIB (MB/s), and BENCH_SMALL_COUNT files of
#      4 KiB sent by 4 curl clients on keep-alive connections (req/s; each file also starts one
#      analysis worker, so this is the per-request cost of the whole flow);
#   2. session appends, PUT /v1/uploads/{id} of 5 MiB (decoded) Base64 chunks, plain appends (no
#      offset): one session of BENCH_APPENDS chunks on one connection, and BENCH_SESSIONS sessions at
#      once of BENCH_CONC_APPENDS chunks each (MB/s of decoded bytes, all sessions together);
#   3. complete (with sha256, checked) of the one-session upload of 2. (BENCH_APPENDS x 5 MiB), and of
#      a session of BENCH_PARTS OpenAI parts of BENCH_PART_MIB, sent one by one (each part starts after
#      the previous one ended, the case where issue 10 chains the parts' hashes) and sent 2 at a time
#      (parallel parts, whose hash is computed at complete); seconds per complete: lower is better, so
#      its ratio new/old is < 1 when the new build is faster. The parts' upload rates are printed too;
#   4. signed PUT: POST /v1/files/upload-url, then PUT of the BENCH_LARGE_MIB file (MB/s; the PUT only).
# All files are random bytes named *.bin, so analysis is libmagic's sniff of the first bytes (type
# "binary"): a few ms per file in both builds, no processing timeout involved.
# Noise: every round starts each server in turn on a fresh data dir (127.0.0.1, a free port), takes
# every figure once and stops it; BENCH_ROUNDS rounds alternate which server goes first (A B, B A, ...),
# and the median counts. The
# spread (min-max) is printed so a ratio can be judged against the noise; a run of one build against
# itself (OLD = NEW) shows that noise level. If nginx is installed, the same curl sending the same bytes
# to nginx, which reads and drops them, is printed as the driver's ceiling.
# The whole run holds /tmp/filesd-cpu.lock (BENCH_LOCK) once, the build of the old server included.
#
# Usage: bench/upload_core_bench.sh [NEW_FILESD [OLD_FILESD]]
#   NEW_FILESD  default: filesd of git revision NEW if set (built as OLD below), else this tree's
#               build/filesd (build it first; its filesd-worker must sit beside it)
#   OLD_FILESD  default: filesd of git revision BASE (default: main), built here with the same flags
#               (RelWithDebInfo, ccache) from `git archive BASE` under BENCH_CACHE (default
#               <repo>/.cache/bench-base/<commit>/), reused while that commit's build exists.
#   Example, issue 10 against the commit before it: BASE=7b441da bench/upload_core_bench.sh
#   Noise check, one build against itself: NEW=main BASE=main bench/upload_core_bench.sh
# Environment: NEW, BASE, BENCH_ROUNDS (7), BENCH_LARGE_MIB (64), BENCH_SMALL_COUNT (60), BENCH_APPENDS (50),
#   BENCH_SESSIONS (4), BENCH_CONC_APPENDS (8), BENCH_PARTS (4), BENCH_PART_MIB (64), BENCH_CACHE,
#   BENCH_LOCK, BENCH_DIR / BENCH_KEEP=1 (work dir, see lib.sh).
# Prints figures; asserts nothing (exit 0 unless a step could not run at all).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"   # bench_lock, bench_workdir (sets $work), median, ratio, spread
bench_lock "$0" "$@"

log() { echo "upload-core-bench: $*" >&2; }
for tool in curl python3 git cmake ninja; do
  command -v "$tool" >/dev/null || { log "$tool is missing (scripts/deps.sh installs it)"; exit 1; }
done

rounds=${BENCH_ROUNDS:-7}
large_mib=${BENCH_LARGE_MIB:-64}
small_count=${BENCH_SMALL_COUNT:-60}
n_appends=${BENCH_APPENDS:-50}
n_sessions=${BENCH_SESSIONS:-4}
conc_appends=${BENCH_CONC_APPENDS:-8}
n_parts=${BENCH_PARTS:-4}
part_mib=${BENCH_PART_MIB:-64}
client=(python3 "$here/upload_core_client.py")

# build_base REV: builds filesd + filesd-worker of REV once (cached by commit); prints the filesd path.
build_base() {
  local sha dir
  sha=$(git -C "$top" rev-parse --verify "$1^{commit}")
  dir=${BENCH_CACHE:-$top/.cache/bench-base}/$sha
  if [ ! -f "$dir/built" ]; then
    log "building $1 ($sha) in $dir"
    rm -rf "$dir" && mkdir -p "$dir/src"
    git -C "$top" archive "$sha" | tar -x -C "$dir/src"
    # Same flags as the project's build dirs; the shared compiler cache makes a rebuild cheap.
    [ -f /etc/profile.d/ccache-filesd.sh ] && . /etc/profile.d/ccache-filesd.sh
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    { cmake -S "$dir/src" -B "$dir/src/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFILESD_TESTS=OFF \
        "${launcher[@]}" &&
        cmake --build "$dir/src/build" -j2 --target filesd filesd-worker; } >"$dir/build.log" 2>&1 ||
      { log "the build of $1 failed: see $dir/build.log"; tail -20 "$dir/build.log" >&2; exit 1; }
    touch "$dir/built"
  fi
  echo "$dir/src/build/filesd"
}

describe() { echo "$1 = $(git -C "$top" log -1 --format='%h %s' "$1^{commit}" | cut -c1-70)"; }
if [ -n "${1:-}" ]; then new_bin=$(realpath -m "$1"); new_name="$1"
elif [ -n "${NEW:-}" ]; then
  new_bin=$(build_base "$NEW"); new_name=$(describe "$NEW")
else new_bin=$top/build/filesd; new_name="this tree's build/, tree at $(describe HEAD)"; fi
if [ -n "${2:-}" ]; then old_bin=$(realpath "$2"); old_name="$2"; else
  old_bin=$(build_base "${BASE:-main}"); old_name=$(describe "${BASE:-main}")
fi
for b in "$new_bin" "$old_bin"; do
  if [ ! -x "$b" ] || [ ! -x "$(dirname "$b")/filesd-worker" ]; then
    log "no filesd + filesd-worker at $b"; exit 1
  fi
done

bench_workdir filesd-upload-core
# shellcheck source=bench/servers.sh
. "$here/servers.sh"   # start_filesd, stop_filesd, start_nginx, stop_servers
# Plain servers: the retention and janitor flags of the data-path bench do not apply to these flows.
FILESD_BENCH_FLAGS=(--max-file-bytes 4GiB)
trap 'stop_servers; bench_cleanup' EXIT

load_start=$(cut -d' ' -f1 /proc/loadavg)
log "work dir $work; preparing inputs"
"${client[@]}" prepare "$work" "$large_mib" 4 4 "$part_mib" "$n_parts"
cat "$work"/*.bin "$work"/*.json >/dev/null   # page cache: both servers read their inputs from memory
nginx_url=""
if command -v nginx >/dev/null; then start_nginx; else log "no nginx: the driver ceiling is not measured"; fi

# Figures: name -> values per server (space-separated lists), filled round by round.
declare -A vals
add() { vals[$1]="${vals[$1]:-} $2"; }

# measure NAME BIN: one value of every figure from a server of BIN started for this round on an empty
# data dir (every round starts alike, and the disk use stays bounded), stopped afterwards.
# A failing figure stops the whole run (the driver says why): no figure is silently missing.
measure() {
  local s=$1 out a c
  start_filesd "$s" "$2"
  local url=$filesd_url key=$filesd_key
  out=$("${client[@]}" post_large "$url" "$key" "$work"); add "post_large.$s" "$out"
  out=$("${client[@]}" post_small "$url" "$key" "$work" "$small_count" 4); add "post_small.$s" "$out"
  out=$("${client[@]}" appends "$url" "$key" "$work" "$n_appends" 1); read -r a c <<<"$out"
  add "append_seq.$s" "$a"; add "complete_appends.$s" "$c"
  out=$("${client[@]}" appends "$url" "$key" "$work" "$conc_appends" "$n_sessions"); read -r a _ <<<"$out"
  add "append_conc.$s" "$a"
  out=$("${client[@]}" parts "$url" "$key" "$work" 1); read -r a c <<<"$out"
  add "parts_seq.$s" "$a"; add "complete_parts_seq.$s" "$c"
  out=$("${client[@]}" parts "$url" "$key" "$work" 2); read -r a c <<<"$out"
  add "parts_par.$s" "$a"; add "complete_parts_par.$s" "$c"
  out=$("${client[@]}" signed_put "$url" "$key" "$work"); add "signed_put.$s" "$out"
  stop_filesd "$s"
  sync   # write-back of this server's bytes is not charged to the next one
}

for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order=(new old); else order=(old new); fi
  for s in "${order[@]}"; do
    t0=$SECONDS
    if [ "$s" = new ]; then measure new "$new_bin"; else measure old "$old_bin"; fi
    log "round $r/$rounds: $s measured in $((SECONDS - t0)) s"
  done
  if [ -n "$nginx_url" ]; then
    out=$("${client[@]}" nginx_put "$nginx_url" "$work"); add nginx_put.ref "$out"
    out=$("${client[@]}" nginx_appends "$nginx_url" "$work" "$n_appends"); add nginx_appends.ref "$out"
  fi
done

row() {  # LABEL FIGURE UNIT
  local n o
  # shellcheck disable=SC2086
  n=$(median ${vals[$2.new]}) o=$(median ${vals[$2.old]})
  # shellcheck disable=SC2086
  printf '%-50s %10s %10s %7s   %-15s %-15s\n' "$1, $3" "$n" "$o" "$(ratio "$n" "$o")" \
    "$(spread ${vals[$2.new]})" "$(spread ${vals[$2.old]})"
}

load_end=$(cut -d' ' -f1 /proc/loadavg)
echo
echo "upload-core benchmark: $(nproc) cores, load average $load_start at start, $load_end at end;" \
  "median of $rounds alternating rounds"
echo "  new: $new_bin  [$new_name]"
echo "  old: $old_bin  [$old_name]"
printf '%-50s %10s %10s %7s   %-15s %-15s\n' "figure" "new" "old" "new/old" "new min-max" "old min-max"
printf '%-50s %10s %10s %7s   %-15s %-15s\n' "--------------------------------------------------" "----------" \
  "----------" "-------" "---------------" "---------------"
row "1. POST /v1/files ${large_mib} MiB" post_large "MB/s"
row "1. POST /v1/files 4 KiB x$small_count, 4 clients" post_small "req/s"
row "2. appends 5 MiB x$n_appends, one session" append_seq "MB/s"
row "2. appends 5 MiB x$conc_appends, $n_sessions sessions at once" append_conc "MB/s"
row "3. complete, $((n_appends * 5)) MiB of appends" complete_appends "s"
row "3. complete, $n_parts parts of $part_mib MiB, sent 1 by 1" complete_parts_seq "s"
row "3. complete, $n_parts parts of $part_mib MiB, sent 2 at once" complete_parts_par "s"
row "   (the parts' upload, 1 by 1)" parts_seq "MB/s"
row "   (the parts' upload, 2 at once)" parts_par "MB/s"
row "4. signed PUT ${large_mib} MiB" signed_put "MB/s"
if [ -n "$nginx_url" ]; then
  # shellcheck disable=SC2086
  echo "driver ceiling (same curl, same bytes, to nginx which reads and drops them): ${large_mib} MiB PUT" \
    "$(median ${vals[nginx_put.ref]}) MB/s; 5 MiB append bodies x$n_appends on one connection" \
    "$(median ${vals[nginx_appends.ref]}) MB/s (decoded bytes)"
fi
echo "MB/s and req/s: higher is better (ratio > 1: new faster); complete in seconds: lower is better" \
  "(ratio < 1: new faster). Read a ratio against the min-max spread of the rounds."
