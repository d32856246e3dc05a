#!/usr/bin/env bash
# The data-path benchmark of filesd (`make bench`, issue 15): every figure beside a reference measured in
# the same run on the same machine, with the same client for both sides, printed as one table with the
# ratio, the target and whether it is met. Rows:
#   1a/1b  a BENCH_SIZE_MIB (1024) MiB upload, POST /v1/files (curl -F) vs nginx PUT (curl -T), MB/s; 1a
#          with both servers writing into fresh pages, 1b into just-freed (warm) ones (bench/pages.sh
#          says how each condition is made, the same for both sides, before each upload);
#   2-N    N concurrent uploads of BENCH_MID_MIB (256) MiB (N in BENCH_CONCURRENCY, "1 4 16"), aggregate
#          MB/s, vs nginx at the same concurrency (fresh pages); the target applies to the largest N;
#   3      GET /v1/files/{id}/content of the large file vs nginx serving a copy statically (sendfile),
#          both from the page cache (hot), MB/s;
#   4      GET /v1/files/{id}, req/s with wrk -t2 -c64, vs nginx serving the same JSON body statically;
#   5a/5b  GET /v1/files?limit=100 (the project holds >= 100 files), req/s and p99 (wrk --latency), with
#          absolute targets; nginx serving the same body statically for scale;
#   6a/6b  Base64 appends of 5 MiB on one connection (create .. complete) and OpenAI parts (4 parts of
#          BENCH_MID_MIB/4, 4 at a time, create .. complete) of a BENCH_MID_MIB file, each vs filesd's own
#          multipart POST of the same bytes (fresh pages);
#   7      BENCH_IDLE_CONNS (200) idle keep-alive connections (each answered one GET first): the RSS they
#          add to a fresh filesd, beside what they add to nginx (master + workers);
#   8a/8b  peak RSS (VmHWM) of a fresh filesd after one upload of the large file (target < 64 MiB,
#          nginx's worker HWM after the same PUT for scale), and its ratio to a fresh filesd's after a
#          BENCH_MID_MIB upload (flat in the file size: <= 1.10).
# Each throughput figure is the median of BENCH_RUNS (3) runs that alternate which server goes first;
# every run is listed under the table. Both servers delete each upload right after it (nginx: rm; filesd:
# DELETE, with the content purged at once: servers.sh), and `sync` runs after it, untimed, so write-back
# is charged to neither. filesd's answer comes after its fsync (durable); nginx's PUT does not fsync.
# The machine's load (load average and a 2 s CPU sample) is printed at start and end, with a warning when
# the machine was busy; for a missed target the report says how to profile it (BENCH_PROFILE=1 re-runs
# the filesd side under perf and prints filesd's top symbols).
# The run holds /tmp/filesd-cpu.lock (BENCH_LOCK; see lib.sh bench_lock).
#
# Usage: bench/data_path.sh BUILD_DIR   (BUILD_DIR/filesd and filesd-worker must be built)
# Environment: BENCH_SIZE_MIB (1024), BENCH_MID_MIB (256), BENCH_RUNS (3), BENCH_CONCURRENCY ("1 4 16"),
#   BENCH_WRK_RUNS (3), BENCH_WRK_DURATION (4s), BENCH_IDLE_CONNS (200), BENCH_SETTLE_SECONDS (6),
#   BENCH_FILESD_FLAGS (more `filesd serve` flags, e.g. "--io-threads 1"), BENCH_PROFILE (0), BENCH_LOCK,
#   BENCH_DIR / BENCH_KEEP=1 (work dir, see lib.sh).
# Prints figures; asserts nothing (exit 0 unless a step could not run at all).
set -euo pipefail
shopt -s inherit_errexit   # a failing step inside $(...) fails the run too: no figure is silently missing

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_lock "$0" "$@"

build_dir=${1:?usage: bench/data_path.sh BUILD_DIR}
bin=$(cd "$build_dir" && pwd)/filesd
big_mib=${BENCH_SIZE_MIB:-1024}
mid_mib=${BENCH_MID_MIB:-256}
runs=${BENCH_RUNS:-3}
read -r -a levels <<<"${BENCH_CONCURRENCY:-1 4 16}"
wrk_runs=${BENCH_WRK_RUNS:-3}
wrk_duration=${BENCH_WRK_DURATION:-4s}
idle_conns=${BENCH_IDLE_CONNS:-200}
# More `filesd serve` flags for every filesd of the run, e.g. to measure a setting both ways.
read -r -a filesd_flags <<<"${BENCH_FILESD_FLAGS:-}"
part_mib=$((mid_mib / 4))

log() { echo "data-path-bench [$(date -u +%T)]: $*" >&2; }
for tool in curl nginx wrk python3; do
  command -v "$tool" >/dev/null || { log "$tool is missing (scripts/deps.sh all installs it)"; exit 1; }
done
if [ ! -x "$bin" ] || [ ! -x "$(dirname "$bin")/filesd-worker" ]; then log "no filesd + filesd-worker in $build_dir"; exit 1; fi

busy_start=$(cpu_busy_pct 2)
bench_workdir filesd-data-path
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# shellcheck source=bench/servers.sh
. "$here/servers.sh"
# shellcheck source=bench/pages.sh
. "$here/pages.sh"
# shellcheck source=bench/report.sh
. "$here/report.sh"
trap 'stop_servers; bench_cleanup' EXIT

client=(python3 "$here/data_path_client.py" "$work")
declare -A vals profile_cmd profile_hint
add() { vals[$1]="${vals[$1]:-} $2"; }
# add_run KEY COMMAND...: runs COMMAND, a measure printing one figure, and adds the figure to vals[KEY].
add_run() {
  local v
  v=$("${@:2}")
  [ -n "$v" ] || { log "no figure from: ${*:2}"; exit 1; }
  add "$1" "$v"
}
# shellcheck disable=SC2086
med() { median ${vals[$1]}; }
# shellcheck disable=SC2086
runs_of() { echo ${vals[$1]}; }
# sides RUN: the two servers in the order of run RUN (alternating which goes first).
sides() { if [ $(($1 % 2)) = 1 ]; then echo filesd nginx; else echo nginx filesd; fi; }

log "work dir $work; writing the inputs (${big_mib} MiB and ${mid_mib} MiB of random bytes)"
head -c $((big_mib << 20)) /dev/urandom >"$work/big.bin"
head -c $((mid_mib << 20)) /dev/urandom >"$work/mid.bin"
"${client[@]}" prepare_session "$work/mid.bin" "$part_mib"
"${client[@]}" digest "$work/big.bin" "$work/mid.bin"
session_inputs=("$work/mid.bin" "$work"/append-*.json "$work"/part-*.bin)
start_nginx

# measure_upload SIDE CONDITION FILE COUNT: COUNT copies of FILE at once to SIDE (filesd, nginx) in pages
# CONDITION; deletes them again; prints the aggregate MB/s.
measure_upload() {
  local side=$1 condition=$2 file=$3 count=$4 out mbps ids f
  pages_prepare "$condition" "$file"
  if [ "$side" = filesd ]; then
    out=$("${client[@]}" upload filesd "$filesd_url" "$filesd_key" "$file" "$count")
    read -r mbps ids <<<"$out"
    # shellcheck disable=SC2086
    filesd_delete $ids
  else
    mbps=$("${client[@]}" upload nginx "$nginx_url" "$file" "$count")
    for f in "$work"/nginx/root/upload/up-*.bin; do
      [ "$(stat -c %s "$f")" = "$(stat -c %s "$file")" ] || log "nginx stored $(stat -c %s "$f") bytes in $f"
    done
    rm -f "$work"/nginx/root/upload/up-*.bin
  fi
  sync
  echo "$mbps"
}

# run_wrk URL: one wrk run with the key; prints "req/s p99-ms non-2xx".
run_wrk() {
  local out
  out=$(wrk -t2 -c64 -d"$wrk_duration" --latency -H "Authorization: Bearer $filesd_key" "$1")
  echo "$out" >>"$work/wrk.log"
  awk '/^Requests\/sec:/ { rps = $2 } /Non-2xx or 3xx responses:/ { bad = $NF }
       $1 == "99%" { v = $2; f = 1; if (v ~ /us$/) f = 0.001; else if (v ~ /ms$/) f = 1; else if (v ~ /s$/) f = 1000;
                     sub(/[a-z]+$/, "", v); p99 = v * f }
       END { printf "%.0f %.2f %d\n", rps, p99, bad }' <<<"$out"
}

# wrk_rows ID FILESD_PATH NGINX_PATH: wrk_runs alternating runs of each; adds to vals[ID.rps.SIDE] and
# vals[ID.p99.SIDE].
wrk_rows() {
  local id=$1 r side rps p99 bad out
  for r in $(seq 1 "$wrk_runs"); do
    for side in $(sides "$r"); do
      if [ "$side" = filesd ]; then out=$(run_wrk "$filesd_url$2"); else out=$(run_wrk "$nginx_url$3"); fi
      read -r rps p99 bad <<<"$out"
      [ "${rps:-0}" != 0 ] || { log "wrk measured nothing on $side ($id): see $work/wrk.log"; exit 1; }
      [ "$bad" = 0 ] || log "$side answered $bad non-2xx responses under wrk ($id)"
      add "$id.rps.$side" "$rps"
      add "$id.p99.$side" "$p99"
    done
  done
}

# details ID: "filesd: runs; nginx: runs" for row ID.
details() { echo "filesd: $(runs_of "$1.filesd"); reference: $(runs_of "$1.nginx")"; }

# --- 7: idle keep-alive connections, on a fresh filesd ---------------------------------------------------
row_idle() {
  local id fb fw nb nw out
  log "7: $idle_conns idle keep-alive connections"
  start_filesd idle "$bin" "${filesd_flags[@]}"
  id=$(curl -sS --fail -H "Authorization: Bearer $filesd_key" -F "file=@$here/nginx.conf.in;filename=small.conf" \
    -F purpose=user_data "$filesd_url/v1/files" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  curl -sS --fail -H "Authorization: Bearer $filesd_key" "$filesd_url/v1/files/$id" >"$work/nginx/root/idle.json"
  out=$("${client[@]}" idle "$filesd_url" "/v1/files/$id" "$idle_conns" "$filesd_key" "$filesd_pid")
  read -r fb fw <<<"$out"
  # shellcheck disable=SC2046
  out=$("${client[@]}" idle "$nginx_url" /idle.json "$idle_conns" - $(nginx_pids))
  read -r nb nw <<<"$out"
  stop_filesd idle
  result 7 "$idle_conns idle keep-alive conns: RSS added, MiB" - "$(mib $((fw - fb)))" "$(mib $((nw - nb)))" \
    "nginx" abs - - "filesd RSS $(mib "$fb") -> $(mib "$fw") MiB; nginx (master + workers) $(mib "$nb") -> $(mib "$nw") MiB"
}

# --- 8: peak RSS of one upload, on fresh servers ---------------------------------------------------------
row_peak_rss() {
  local file hwm_big hwm_mid ng_hwm p out
  for file in mid big; do
    log "8: peak RSS of a fresh filesd during one $file.bin upload"
    start_filesd "rss-$file" "$bin" "${filesd_flags[@]}"
    out=$("${client[@]}" upload filesd "$filesd_url" "$filesd_key" "$work/$file.bin" 1)
    if [ "$file" = big ]; then hwm_big=$(kib_field "$filesd_pid" VmHWM); else hwm_mid=$(kib_field "$filesd_pid" VmHWM); fi
    stop_filesd "rss-$file"
    sync
  done
  "${client[@]}" upload nginx "$nginx_url" "$work/big.bin" 1 >/dev/null
  rm -f "$work"/nginx/root/upload/up-*.bin
  sync
  ng_hwm=0
  for p in $(ps -o pid= --ppid "$nginx_pid"); do
    ng_hwm=$(( $(kib_field "$p" VmHWM) > ng_hwm ? $(kib_field "$p" VmHWM) : ng_hwm ))
  done
  profile_hint[8a]="heaptrack -p <filesd pid> during the upload (or valgrind --tool=massif) shows what holds the memory"
  profile_hint[8b]="${profile_hint[8a]}; compare the two sizes: what grows with the file?"
  result 8a "peak RSS (VmHWM), one ${big_mib} MiB upload, MiB" - "$(mib "$hwm_big")" "$(mib "$ng_hwm")" \
    "nginx worker" abs "<" 64
  result 8b "  the same / one ${mid_mib} MiB upload (flat)" - "$(mib "$hwm_big")" "$(mib "$hwm_mid")" \
    "(${mid_mib} MiB)" ratio "<=" 1.10
}

# --- 1: one large upload, fresh and warm -----------------------------------------------------------------
row_upload() {  # ID CONDITION
  local id=$1 condition=$2 r side
  for r in $(seq 1 "$runs"); do
    for side in $(sides "$r"); do
      log "$id: ${big_mib} MiB upload to $side ($condition pages), run $r/$runs"
      add_run "$id.$side" measure_upload "$side" "$condition" "$work/big.bin" 1
    done
  done
  profile_cmd[$id]="measure_upload filesd $condition $work/big.bin 1"
  result "$id" "${big_mib} MiB upload: POST -F vs nginx PUT -T, MB/s" "$condition" "$(med "$id.filesd")" \
    "$(med "$id.nginx")" "nginx PUT" ratio ">=" 1.0 "$(details "$id")"
}

# --- 2: concurrency sweep ----------------------------------------------------------------------------------
row_sweep() {
  local n r side id last=${levels[-1]}
  for n in "${levels[@]}"; do
    id="2-$n"
    for r in $(seq 1 "$runs"); do
      for side in $(sides "$r"); do
        log "$id: $n x ${mid_mib} MiB uploads at once to $side, run $r/$runs"
        add_run "$id.$side" measure_upload "$side" fresh "$work/mid.bin" "$n"
      done
    done
    profile_cmd[$id]="measure_upload filesd fresh $work/mid.bin $n"
    if [ "$n" = "$last" ]; then set -- ">=" 1.0; else set -- - -; fi
    result "$id" "$n concurrent ${mid_mib} MiB uploads, aggregate MB/s" fresh "$(med "$id.filesd")" \
      "$(med "$id.nginx")" "nginx PUT" ratio "$1" "$2" "$(details "$id")"
  done
}

# --- 3: large download -------------------------------------------------------------------------------------
row_download() {
  local out big_id blob r side size=$((big_mib << 20))
  out=$("${client[@]}" upload filesd "$filesd_url" "$filesd_key" "$work/big.bin" 1)
  big_id=${out#* }
  blob=$(filesd_blob "$big_id")
  cp "$work/big.bin" "$work/nginx/root/big.bin"
  sync
  for r in $(seq 1 "$runs"); do
    for side in $(sides "$r"); do
      log "3: ${big_mib} MiB download from $side (hot pages), run $r/$runs"
      if [ "$side" = filesd ]; then
        pages_prepare hot "$blob"
        add_run 3.filesd "${client[@]}" download "$filesd_url" "/v1/files/$big_id/content" "$size" "$filesd_key"
      else
        pages_prepare hot "$work/nginx/root/big.bin"
        add_run 3.nginx "${client[@]}" download "$nginx_url" /big.bin "$size"
      fi
    done
  done
  profile_cmd[3]="pages_prepare hot $blob; ${client[*]} download $filesd_url /v1/files/$big_id/content $size $filesd_key"
  result 3 "${big_mib} MiB GET /v1/files/{id}/content, MB/s" hot "$(med 3.filesd)" "$(med 3.nginx)" \
    "nginx static" ratio ">=" 0.8 "$(details 3)"
}

# --- 4: small GET --------------------------------------------------------------------------------------------
row_get() {
  local id
  id=$(curl -sS --fail -H "Authorization: Bearer $filesd_key" -F "file=@$here/nginx.conf.in;filename=small.conf" \
    -F purpose=user_data "$filesd_url/v1/files" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  curl -sS --fail -H "Authorization: Bearer $filesd_key" "$filesd_url/v1/files/$id" >"$work/nginx/root/file.json"
  log "4: wrk GET /v1/files/{id} vs nginx static ($(stat -c %s "$work/nginx/root/file.json") bytes), $wrk_runs runs each"
  wrk_rows 4 "/v1/files/$id" /file.json
  profile_cmd[4]="wrk -t2 -c64 -d$wrk_duration -H 'Authorization: Bearer $filesd_key' $filesd_url/v1/files/$id"
  result 4 "GET /v1/files/{id}, req/s (wrk -t2 -c64)" - "$(med 4.rps.filesd)" "$(med 4.rps.nginx)" \
    "nginx static" ratio ">=" 0.5 "$(details 4.rps)"
}

# --- 5: list of 100 --------------------------------------------------------------------------------------------
row_list() {
  local have transfers=() i
  have=$(curl -sS --fail -H "Authorization: Bearer $filesd_key" "$filesd_url/v1/files?limit=1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
  log "5: adding $((have < 100 ? 100 - have : 0)) files so the project holds at least 100"
  for i in $(seq "$have" 99); do
    [ ${#transfers[@]} = 0 ] || transfers+=(--next)
    transfers+=(-sS --fail -o /dev/null -H "Authorization: Bearer $filesd_key" -F "file=@$here/nginx.conf.in;filename=list-$i.conf"
      -F purpose=user_data "$filesd_url/v1/files")
  done
  [ ${#transfers[@]} = 0 ] || curl "${transfers[@]}"
  curl -sS --fail -H "Authorization: Bearer $filesd_key" "$filesd_url/v1/files?limit=100" >"$work/nginx/root/list.json"
  log "5: wrk --latency GET /v1/files?limit=100 vs nginx static ($(stat -c %s "$work/nginx/root/list.json") bytes)"
  wrk_rows 5 "/v1/files?limit=100" /list.json
  profile_cmd[5a]="wrk -t2 -c64 -d$wrk_duration -H 'Authorization: Bearer $filesd_key' '$filesd_url/v1/files?limit=100'"
  profile_cmd[5b]=${profile_cmd[5a]}
  result 5a "GET /v1/files?limit=100, req/s (wrk -t2 -c64)" - "$(med 5.rps.filesd)" "$(med 5.rps.nginx)" \
    "nginx static" abs ">=" 10000 "$(details 5.rps)"
  result 5b "  its p99 latency, ms (wrk --latency)" - "$(med 5.p99.filesd)" "$(med 5.p99.nginx)" \
    "nginx static" abs "<" 10 "$(details 5.p99)"
}

# --- 6: upload sessions vs filesd's own multipart ------------------------------------------------------------
measure_session() {  # KIND (post, appends, parts): prints MB/s
  local out mbps id
  pages_prepare fresh "${session_inputs[@]}"
  case $1 in
    post) out=$("${client[@]}" upload filesd "$filesd_url" "$filesd_key" "$work/mid.bin" 1) ;;
    appends) out=$("${client[@]}" appends "$filesd_url" "$filesd_key" "$work/mid.bin") ;;
    parts) out=$("${client[@]}" parts "$filesd_url" "$filesd_key" "$work/mid.bin" 4) ;;
  esac
  read -r mbps id <<<"$out"
  filesd_delete "$id"
  sync
  echo "$mbps"
}
row_sessions() {
  local r kind order
  for r in $(seq 1 "$runs"); do
    if [ $((r % 2)) = 1 ]; then order="post appends parts"; else order="parts appends post"; fi
    for kind in $order; do
      log "6: ${mid_mib} MiB by $kind (fresh pages), run $r/$runs"
      add_run "6.$kind" measure_session "$kind"
    done
  done
  vals[6a.filesd]=${vals[6.appends]} vals[6a.nginx]=${vals[6.post]}
  vals[6b.filesd]=${vals[6.parts]} vals[6b.nginx]=${vals[6.post]}
  profile_cmd[6a]="measure_session appends"
  profile_cmd[6b]="measure_session parts"
  result 6a "${mid_mib} MiB by 5 MiB Base64 appends, 1 conn, MB/s" fresh "$(med 6.appends)" "$(med 6.post)" \
    "own POST -F" ratio ">=" 0.8 "$(details 6a)"
  result 6b "${mid_mib} MiB by ${part_mib} MiB parts x4 at once, MB/s" fresh "$(med 6.parts)" "$(med 6.post)" \
    "own POST -F" ratio ">=" 0.8 "$(details 6b)"
}

# --- the run ---------------------------------------------------------------------------------------------------
t0=$SECONDS
row_idle
row_peak_rss
start_filesd main "$bin" "${filesd_flags[@]}"
row_upload 1a fresh
row_upload 1b warm
row_sweep
row_download
row_get
row_list
row_sessions

busy_end=$(cpu_busy_pct 2)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "filesd data-path benchmark, $(date -u '+%F %T') UTC, $((SECONDS - t0)) s"
echo "  filesd: $bin (tree at $(git -C "$(dirname "$bin")" log -1 --format='%h %s' 2>/dev/null | cut -c1-70))"
echo "  machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM;" \
  "client, filesd and nginx ($(nginx -v 2>&1 | cut -d/ -f2)) on 127.0.0.1 of this machine; one curl per stream, wrk"
echo "  load: CPU busy ${busy_start}% before the run, ${busy_end}% after it; load average $load_start at start," \
  "$load_end at end (the end one counts this run)"
echo "  pages: $(pages_note); warm = a scratch file as large as the upload written and removed just before it" \
  "(both servers); hot = the file to send read just before (downloads)"
echo "  median of $runs alternating runs per side (wrk: $wrk_runs runs of $wrk_duration);" \
  "filesd serve flags: ${FILESD_BENCH_FLAGS[*]} ${filesd_flags[*]}"
if [ "$busy_start" -gt 25 ] || [ "$busy_end" -gt 25 ]; then
  echo "WARNING: the machine was busy (CPU ${busy_start}% / ${busy_end}% busy before / after the run):" \
    "the figures are unreliable; rerun on an idle machine."
fi
echo
report_table
echo
profile_missed
