#!/usr/bin/env bash
# Load benchmark of filesd, always beside a reference measured in the same run on the same machine:
#   (a) a 1 GiB upload: POST /v1/files (curl -F, streaming multipart) vs the same file PUT to nginx
#       (dav_methods PUT); MB/s of each and the ratio (median of BENCH_UPLOAD_RUNS alternating runs);
#   (b) filesd's peak RSS (VmHWM) during (a);
#   (c) GET /v1/files/{id} with wrk vs nginx serving the same bytes as a static file; req/s and ratio;
#   (d) the same file through upload sessions: Base64 appends of 5 MiB chunks over one keep-alive
#       connection, and OpenAI parts of 64 MiB sent 4 at a time (bench/sessions_client.py), each
#       beside the single-stream POST /v1/files of (a), with the ratio (target appends >= 0.5);
#   plus, for scale, a raw disk write of the same file with dd (conv=fsync).
# Then the processing benchmarks: bench/process_bench.sh (CSV, JSON, PDF text) and bench/ocr_bench.sh
# (a 20-page scanned PDF against the default processing timeout and Debian's tesseract CLI).
# Prints figures and targets; asserts nothing (exit 0 unless a step could not run at all).
#
# Usage: bench/run.sh BUILD_DIR
# Environment: BENCH_SIZE_MIB (default 1024), BENCH_UPLOAD_RUNS (default 3), BENCH_WRK_DURATION
# (default 10s), BENCH_DIR (where the work dir goes; default $TMPDIR or /tmp), BENCH_KEEP=1 keeps the
# work dir (logs, data).
set -euo pipefail

build_dir=${1:?usage: bench/run.sh BUILD_DIR}
bin=$(cd "$build_dir" && pwd)/filesd
here=$(cd "$(dirname "$0")" && pwd)
size_mib=${BENCH_SIZE_MIB:-1024}
size=$((size_mib * 1024 * 1024))
wrk_duration=${BENCH_WRK_DURATION:-10s}
wrk_threads=2
wrk_conns=64

for tool in curl nginx wrk python3 dd; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "bench: no filesd binary at $bin" >&2; exit 1; }

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/filesd-bench.XXXXXX")
filesd_pid=""
nginx_pid=""
cleanup() {
  # Stop only the two processes this script started, by pid.
  if [ -n "$filesd_pid" ] && kill -0 "$filesd_pid" 2>/dev/null; then
    kill -TERM "$filesd_pid" 2>/dev/null || true
    wait "$filesd_pid" 2>/dev/null || true
  fi
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "bench: work dir kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() {  # URL: waits up to 20 s for any HTTP answer
  for _ in $(seq 1 200); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)
    [ "$code" != "000" ] && return 0
    sleep 0.1
  done
  return 1
}

kib_field() {  # PID FIELD: a /proc/PID/status value in KiB
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

mbps() {  # BYTES SECONDS
  python3 -c "import sys; b, s = float(sys.argv[1]), float(sys.argv[2]); print(f'{b / s / 1e6:.1f}' if s > 0 else 'n/a')" "$1" "$2"
}

. "$here/lib.sh"   # now, elapsed, median, ratio, meets

load_start=$(cut -d' ' -f1 /proc/loadavg)

# --- the test file, written once and read once so both uploads start from the page cache --------------
log "work dir $work; writing a ${size_mib} MiB test file"
head -c "$size" /dev/urandom >"$work/big.bin"
cat "$work/big.bin" >/dev/null
sync

# --- filesd --------------------------------------------------------------------------------------------
filesd_port=$(free_port)
mkdir -p "$work/filesd-data"
key=$(env -u FILESD_LISTEN -u FILESD_DATA_DIR "$bin" keys create --project bench --data-dir "$work/filesd-data" --create-data-dir --quiet)
env -u FILESD_LISTEN -u FILESD_DATA_DIR "$bin" serve --listen "127.0.0.1:$filesd_port" \
  --data-dir "$work/filesd-data" --max-file-bytes $((size * 2)) \
  >"$work/filesd.stdout" 2>"$work/filesd.stderr" &
filesd_pid=$!
wait_http "http://127.0.0.1:$filesd_port/healthz" || { log "filesd did not start"; cat "$work/filesd.stderr" >&2; exit 1; }
filesd_url="http://127.0.0.1:$filesd_port"

# --- nginx ---------------------------------------------------------------------------------------------
nginx_port=$(free_port)
mkdir -p "$work/nginx/root/upload" "$work/nginx/body"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$nginx_port|g" -e "s|@USER_LINE@|$user_line|" \
  "$here/nginx.conf.in" >"$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
nginx_pid=$!
wait_http "http://127.0.0.1:$nginx_port/" || { log "nginx did not start"; cat "$work/nginx/error.log" >&2; exit 1; }
nginx_url="http://127.0.0.1:$nginx_port"

# --- (a) + (b): 1 GiB upload, BENCH_UPLOAD_RUNS times each, alternating; the median counts -----------
upload_runs=${BENCH_UPLOAD_RUNS:-3}
want_sha=$(sha256sum "$work/big.bin" | cut -d' ' -f1)
rss_before=$(kib_field "$filesd_pid" VmRSS)
ng_times=()
fd_times=()
for run in $(seq 1 "$upload_runs"); do
  log "upload $run/$upload_runs to nginx (PUT)"
  sync
  read -r ng_code ng_time < <(curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -T "$work/big.bin" \
    "$nginx_url/upload/big.bin")
  [ "$ng_code" = 201 ] || [ "$ng_code" = 204 ] || log "nginx PUT answered $ng_code"
  ng_stored=$(stat -c %s "$work/nginx/root/upload/big.bin" 2>/dev/null || echo 0)
  [ "$ng_stored" = "$size" ] || log "nginx stored $ng_stored bytes, expected $size"
  rm -f "$work/nginx/root/upload/big.bin"
  ng_times+=("$ng_time")
  sync

  log "upload $run/$upload_runs to filesd (POST /v1/files, multipart)"
  read -r fd_code fd_time < <(curl -sS -o "$work/upload.json" -w '%{http_code} %{time_total}\n' \
    -H "Authorization: Bearer $key" -F "file=@$work/big.bin" -F purpose=user_data "$filesd_url/v1/files")
  [ "$fd_code" = 200 ] || log "filesd POST answered $fd_code: $(head -c 300 "$work/upload.json")"
  fd_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("id"))' "$work/upload.json" 2>/dev/null || echo "?")
  fd_sha=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("sha256"))' "$work/upload.json" 2>/dev/null || echo "?")
  [ "$fd_sha" = "$want_sha" ] || log "filesd sha256 $fd_sha differs from the file's $want_sha"
  fd_times+=("$fd_time")
  # Free the disk space again (the content is purged after the retention period, not here).
  curl -sS -o /dev/null -X DELETE -H "Authorization: Bearer $key" "$filesd_url/v1/files/$fd_id" || true
  sync
done
hwm=$(kib_field "$filesd_pid" VmHWM)
ng_time=$(median "${ng_times[@]}")
fd_time=$(median "${fd_times[@]}")

log "raw disk write (dd conv=fsync)"
dd_start=$(date +%s.%N)
dd if="$work/big.bin" of="$work/raw.bin" bs=1M conv=fsync status=none
dd_end=$(date +%s.%N)
dd_time=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$dd_start" "$dd_end")
rm -f "$work/raw.bin"

# --- (c) GET /v1/files/{id} vs a static file ----------------------------------------------------------
small_id=$(curl -sS -H "Authorization: Bearer $key" -F "file=@$here/nginx.conf.in;filename=small.conf" \
  -F purpose=user_data "$filesd_url/v1/files" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
# nginx serves the very bytes filesd answers.
curl -sS -H "Authorization: Bearer $key" "$filesd_url/v1/files/$small_id" >"$work/nginx/root/file.json"
body_bytes=$(stat -c %s "$work/nginx/root/file.json")

run_wrk() {  # URL -> "req/s non2xx"
  out=$(wrk -t"$wrk_threads" -c"$wrk_conns" -d"$wrk_duration" -H "Authorization: Bearer $key" "$1")
  echo "$out" >>"$work/wrk.log"
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
  echo "${rps:-0} ${non2xx:-0}"
}
log "wrk GET nginx static file ($body_bytes bytes)"
read -r ng_rps ng_bad < <(run_wrk "$nginx_url/file.json")
log "wrk GET filesd /v1/files/{id}"
read -r fd_rps fd_bad < <(run_wrk "$filesd_url/v1/files/$small_id")
[ "$fd_bad" = 0 ] || log "filesd answered $fd_bad non-2xx responses during wrk"
[ "$ng_bad" = 0 ] || log "nginx answered $ng_bad non-2xx responses during wrk"

# --- (d) upload sessions: 5 MiB Base64 appends on one connection, and OpenAI parts (64 MiB, 4 at once) --
log "upload sessions: appends (5 MiB chunks) and parts (64 MiB, 4 in parallel)"
read -r app_mbps parts_mbps < <(python3 "$here/sessions_client.py" "$filesd_url" "$key" "$work/big.bin" "$work" \
  2>>"$work/sessions.log" || echo "n/a n/a")

# --- report --------------------------------------------------------------------------------------------
fd_mbps=$(mbps "$size" "$fd_time")
ng_mbps=$(mbps "$size" "$ng_time")
dd_mbps=$(mbps "$size" "$dd_time")
up_ratio=$(ratio "$fd_mbps" "$ng_mbps")
get_ratio=$(ratio "$fd_rps" "$ng_rps")
hwm_mib=$(python3 -c "import sys; print(f'{int(sys.argv[1]) / 1024:.1f}')" "$hwm")
rss_before_mib=$(python3 -c "import sys; print(f'{int(sys.argv[1]) / 1024:.1f}')" "$rss_before")

load_end=$(cut -d' ' -f1 /proc/loadavg)
echo
busy=$(python3 -c "import sys, os; print('yes' if max(map(float, sys.argv[1:])) > os.cpu_count() * 0.75 else '')" \
  "$load_start" "$load_end")
[ -n "$busy" ] && echo "WARNING: the machine was busy (1-min load average $load_start at start, $load_end at end," \
  "$(nproc) cores): the figures below are unreliable; rerun on an idle machine."
echo "filesd benchmark: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM;"\
  "client, filesd and nginx on the same machine; ${size_mib} MiB file; wrk -t$wrk_threads -c$wrk_conns -d$wrk_duration"
printf '%-34s %14s %18s %8s %10s %6s\n' "measure" "filesd" "reference" "ratio" "target" "meets"
printf '%-34s %14s %18s %8s %10s %6s\n' "----------------------------------" "--------------" "------------------" "--------" "----------" "------"
printf '%-34s %14s %18s %8s %10s %6s\n' "(a) upload ${size_mib} MiB, MB/s" "$fd_mbps" "$ng_mbps (nginx)" "$up_ratio" ">= 1.0" \
  "$(meets "$up_ratio" '>=' 1.0)"
printf '%-34s %14s %18s %8s %10s %6s\n' "(b) filesd peak RSS (VmHWM), MiB" "$hwm_mib" "-" "-" "< 64" "$(meets "$hwm_mib" '<' 64)"
printf '%-34s %14s %18s %8s %10s %6s\n' "(c) GET /v1/files/{id}, req/s" "$fd_rps" "$ng_rps (nginx)" "$get_ratio" ">= 0.5" \
  "$(meets "$get_ratio" '>=' 0.5)"
printf '%-34s %14s %18s\n' "    raw disk write dd fsync, MB/s" "-" "$dd_mbps (dd)"
printf '%-34s %14s %18s %8s %10s %6s\n' "(d) session appends 5 MiB, MB/s" "$app_mbps" "$fd_mbps (POST)" \
  "$(ratio "$app_mbps" "$fd_mbps")" ">= 0.5" "$(meets "$(ratio "$app_mbps" "$fd_mbps")" '>=' 0.5)"
printf '%-34s %14s %18s %8s %10s %6s\n' "(d) OpenAI parts 64 MiB x4, MB/s" "$parts_mbps" "$fd_mbps (POST)" \
  "$(ratio "$parts_mbps" "$fd_mbps")" "-" "-"
echo
echo "upload seconds, median of $upload_runs: filesd ${fd_time} (runs: ${fd_times[*]}; last HTTP $fd_code)," \
  "nginx ${ng_time} (runs: ${ng_times[*]}; last HTTP $ng_code); filesd RSS before the uploads ${rss_before_mib} MiB"
echo "GET: filesd $fd_bad non-2xx, nginx $ng_bad non-2xx; static file = filesd's JSON answer ($body_bytes bytes)"
echo "notes: filesd hashes (SHA-256), parses multipart and fsyncs before answering; nginx PUT does none of these."
"$here/process_bench.sh" "$build_dir" || log "the processing benchmark could not run"
"$here/ocr_bench.sh" "$build_dir" || log "the OCR benchmark could not run"
