#!/usr/bin/env bash
# Processing benchmark of filesd (issue 3): the analysis worker (BUILD_DIR/filesd-worker, run directly
# on a file with generous limits) beside a reference reader of the same file, measured in the same run:
#   (1) CSV, ~BENCH_PROCESS_MIB MiB of typed columns: filesd MB/s vs DuckDB's CSV reader
#       (`SELECT count(*) FROM read_csv_auto(...)` through @duckdb/node-api, bench/node/); target >= 1;
#   (2) JSON, ~BENCH_PROCESS_MIB MiB, one array of objects: filesd MB/s vs a raw simdjson On-Demand
#       parse counting the array's elements (bench/simdjson_parse.cc, Debian's libsimdjson); target >= 0.5;
#   (3) PDF, BENCH_PDF_PAGES text pages (python3-reportlab): filesd pages/s vs pdftotext; target >= 1.
# Every figure is the median of BENCH_PROCESS_RUNS alternating runs from the page cache. filesd's time is
# the worker process's wall time (start, analysis, JSON answer); the references' are their own timers
# (DuckDB: the query alone, without Node/DuckDB start-up; simdjson: load + parse), which favours them.
# Prints figures and targets; asserts nothing (exit 0 unless a step could not run at all).
#
# Usage: bench/process_bench.sh BUILD_DIR
# Environment: BENCH_PROCESS_MIB (default 1024), BENCH_PDF_PAGES (default 200), BENCH_PROCESS_RUNS
# (default 3), BENCH_DIR (where the work dir goes; default $TMPDIR or /tmp), BENCH_KEEP=1 keeps it.
set -euo pipefail

build_dir=${1:?usage: bench/process_bench.sh BUILD_DIR}
worker=$(cd "$build_dir" && pwd)/filesd-worker
here=$(cd "$(dirname "$0")" && pwd)
size_mib=${BENCH_PROCESS_MIB:-1024}
size=$((size_mib * 1024 * 1024))
pdf_pages=${BENCH_PDF_PAGES:-200}
runs=${BENCH_PROCESS_RUNS:-3}
# Generous: the benchmark measures speed, not the production limits.
limits='{"max_seconds":3600,"max_memory_bytes":17179869184,"max_text_bytes":67108864}'

log() { echo "process-bench: $*" >&2; }

for tool in g++ python3 npm pdftotext; do
  command -v "$tool" >/dev/null || { log "$tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
[ -x "$worker" ] || { log "no filesd-worker at $worker"; exit 1; }
# reportlab is Debian's python3-reportlab: the first python3 on PATH may be another installation.
pdf_python=""
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import reportlab' 2>/dev/null; then pdf_python=$py; break; fi
done

. "$here/lib.sh"
bench_workdir filesd-process-bench

rate() {  # AMOUNT SECONDS SCALE: AMOUNT / SECONDS / SCALE with one decimal
  python3 -c "import sys
try:
    print(f'{float(sys.argv[1]) / float(sys.argv[2]) / float(sys.argv[3]):.1f}')
except (ValueError, ZeroDivisionError):
    print('n/a')" "$1" "$2" "$3"
}
meta_field() {  # ANSWER_FILE FIELD: a field of the worker answer's metadata, or "?" (and the error)
  python3 -c "import json, sys
a = json.load(open(sys.argv[1]))
if not a.get('ok'):
    print('failed:' + str(a.get('code')) + ':' + str(a.get('message')).replace(' ', '_'))
else:
    print(json.loads(a['metadata_json']).get(sys.argv[2]))" "$1" "$2" 2>/dev/null || echo "?"
}

run_worker() {  # FILE NAME -> seconds (wall time of the worker process); answer in $work/answer.json
  local t0 t1 rc=0
  t0=$(now)
  # Through a pipe: the worker sets RLIMIT_FSIZE=0, so it cannot write its answer to a regular file.
  "$worker" --path "$1" --filename "$2" --limits "$limits" 2>>"$work/worker.stderr" | cat >"$work/answer.json" ||
    rc=$?
  t1=$(now)
  [ "$rc" = 0 ] || log "filesd-worker exited $rc on $2"
  elapsed "$t0" "$t1"
}

# --- helpers -----------------------------------------------------------------------------------------
log "work dir $work; building the generator and the simdjson harness"
g++ -std=c++20 -O2 -o "$work/gen_data" "$here/gen_data.cc"
simdjson_ok=1
g++ -std=c++20 -O2 -o "$work/simdjson_parse" "$here/simdjson_parse.cc" -lsimdjson 2>"$work/simdjson_build.log" ||
  { simdjson_ok=0; log "the simdjson harness did not build: $(head -c 300 "$work/simdjson_build.log")"; }

duckdb_ok=1
duckdb_note=""
# DuckDB runs on the pinned Node of tools/node, installed with the bench packages.
if ! "$here/../scripts/npm-install.sh" bench >"$work/npm.log" 2>&1; then
  duckdb_ok=0
  duckdb_note="installing @duckdb/node-api failed: $(tail -n 3 "$work/npm.log" | tr '\n' ' ')"
fi
node=$("$here/../scripts/node-toolchain.sh" 2>>"$work/npm.log") || node=node

# --- test files, written once and read once so every reader starts from the page cache ----------------
log "generating a ${size_mib} MiB CSV and a ${size_mib} MiB JSON file, and a ${pdf_pages}-page PDF"
t0=$(now)
"$work/gen_data" csv "$size" "$work/data.csv"
"$work/gen_data" json "$size" "$work/data.json"
t1=$(now)
gen_seconds=$(elapsed "$t0" "$t1")
pdf_ok=1
if [ -z "$pdf_python" ]; then
  pdf_ok=0; log "no python3 with reportlab (python3-reportlab): the PDF part is skipped"
elif ! "$pdf_python" "$here/make_pdf.py" "$pdf_pages" "$work/data.pdf" 2>"$work/pdf_gen.log"; then
  pdf_ok=0; log "PDF generation failed: $(tail -n 2 "$work/pdf_gen.log")"
fi
csv_bytes=$(stat -c %s "$work/data.csv")
json_bytes=$(stat -c %s "$work/data.json")
cat "$work"/data.* >/dev/null

# --- (1) CSV ------------------------------------------------------------------------------------------
fd_csv=(); dk_csv=(); dk1_csv=()
for run in $(seq 1 "$runs"); do
  log "CSV run $run/$runs: filesd-worker"
  fd_csv+=("$(run_worker "$work/data.csv" data.csv)")
  fd_csv_rows=$(meta_field "$work/answer.json" row_count)
  if [ "$duckdb_ok" = 1 ]; then
    log "CSV run $run/$runs: DuckDB (default threads), DuckDB (1 thread)"
    if out=$(cd "$here/node" && "$node" duckdb_csv.mjs "$work/data.csv" 2>>"$work/duckdb.stderr"); then
      read -r dk_rows t <<<"$out"; dk_csv+=("$t")
      out=$(cd "$here/node" && "$node" duckdb_csv.mjs "$work/data.csv" 1 2>>"$work/duckdb.stderr") &&
        { read -r _ t <<<"$out"; dk1_csv+=("$t"); }
    else
      duckdb_ok=0
      duckdb_note="DuckDB did not run: $(tail -n 3 "$work/duckdb.stderr" | tr '\n' ' ')"
    fi
  fi
done
fd_csv_t=$(median "${fd_csv[@]}")
fd_csv_mbps=$(rate "$csv_bytes" "$fd_csv_t" 1e6)
dk_csv_mbps="n/a"; dk1_csv_mbps="n/a"; dk_rows=${dk_rows:-"?"}
[ ${#dk_csv[@]} -gt 0 ] && dk_csv_mbps=$(rate "$csv_bytes" "$(median "${dk_csv[@]}")" 1e6)
[ ${#dk1_csv[@]} -gt 0 ] && dk1_csv_mbps=$(rate "$csv_bytes" "$(median "${dk1_csv[@]}")" 1e6)

# --- (2) JSON -----------------------------------------------------------------------------------------
fd_json=(); sj_json=()
for run in $(seq 1 "$runs"); do
  log "JSON run $run/$runs: filesd-worker"
  fd_json+=("$(run_worker "$work/data.json" data.json)")
  fd_json_len=$(meta_field "$work/answer.json" length)
  if [ "$simdjson_ok" = 1 ]; then
    log "JSON run $run/$runs: simdjson"
    if read -r sj_count sj_load sj_parse < <("$work/simdjson_parse" "$work/data.json" 2>>"$work/simdjson.stderr"); then
      sj_json+=("$(python3 -c "import sys; print(f'{float(sys.argv[1]) + float(sys.argv[2]):.6f}')" "$sj_load" "$sj_parse")")
    else
      simdjson_ok=0; log "simdjson_parse failed: $(tail -n 2 "$work/simdjson.stderr")"
    fi
  fi
done
fd_json_mbps=$(rate "$json_bytes" "$(median "${fd_json[@]}")" 1e6)
sj_json_mbps="n/a"; sj_count=${sj_count:-"?"}
[ ${#sj_json[@]} -gt 0 ] && sj_json_mbps=$(rate "$json_bytes" "$(median "${sj_json[@]}")" 1e6)

# --- (3) PDF ------------------------------------------------------------------------------------------
fd_pdf_pps="n/a"; pt_pdf_pps="n/a"; fd_pdf_pages="?"
if [ "$pdf_ok" = 1 ]; then
  fd_pdf=(); pt_pdf=()
  for run in $(seq 1 "$runs"); do
    log "PDF run $run/$runs: filesd-worker, pdftotext"
    fd_pdf+=("$(run_worker "$work/data.pdf" data.pdf)")
    fd_pdf_pages=$(meta_field "$work/answer.json" page_count)
    t0=$(now)
    pdftotext "$work/data.pdf" "$work/data.txt" 2>>"$work/pdftotext.stderr" || log "pdftotext failed"
    t1=$(now)
    pt_pdf+=("$(elapsed "$t0" "$t1")")
  done
  fd_pdf_pps=$(rate "$pdf_pages" "$(median "${fd_pdf[@]}")" 1)
  pt_pdf_pps=$(rate "$pdf_pages" "$(median "${pt_pdf[@]}")" 1)
fi

# --- report -------------------------------------------------------------------------------------------
load_end=$(cut -d' ' -f1 /proc/loadavg)
csv_ratio=$(ratio "$fd_csv_mbps" "$dk_csv_mbps")
csv1_ratio=$(ratio "$fd_csv_mbps" "$dk1_csv_mbps")
json_ratio=$(ratio "$fd_json_mbps" "$sj_json_mbps")
pdf_ratio=$(ratio "$fd_pdf_pps" "$pt_pdf_pps")
echo
busy=$(python3 -c "import sys, os; print('yes' if max(map(float, sys.argv[1:])) > os.cpu_count() * 0.75 else '')" \
  "$load_start" "$load_end")
[ -n "$busy" ] && echo "WARNING: the machine was busy (1-min load average $load_start at start, $load_end at end," \
  "$(nproc) cores): the figures below are unreliable; rerun on an idle machine."
echo "filesd processing benchmark: $(nproc) cores; CSV $csv_bytes bytes, JSON $json_bytes bytes," \
  "PDF $pdf_pages pages; median of $runs runs from the page cache"
fmt='%-34s %14s %24s %8s %10s %6s\n'
printf "$fmt" "measure" "filesd" "reference" "ratio" "target" "meets"
printf "$fmt" "----------------------------------" "--------------" "------------------------" "--------" "----------" "------"
printf "$fmt" "(1) CSV analysis, MB/s" "$fd_csv_mbps" "$dk_csv_mbps (DuckDB)" "$csv_ratio" ">= 1.0" "$(meets "$csv_ratio" ">=" 1.0)"
printf "$fmt" "    same, DuckDB on 1 thread" "$fd_csv_mbps" "$dk1_csv_mbps (DuckDB x1)" "$csv1_ratio" "-" "-"
printf "$fmt" "(2) JSON analysis, MB/s" "$fd_json_mbps" "$sj_json_mbps (simdjson)" "$json_ratio" ">= 0.5" "$(meets "$json_ratio" ">=" 0.5)"
printf "$fmt" "(3) PDF text, pages/s" "$fd_pdf_pps" "$pt_pdf_pps (pdftotext)" "$pdf_ratio" ">= 1.0" "$(meets "$pdf_ratio" ">=" 1.0)"
echo
echo "checks: CSV rows filesd $fd_csv_rows, DuckDB $dk_rows; JSON array length filesd $fd_json_len," \
  "simdjson $sj_count; PDF pages filesd $fd_pdf_pages of $pdf_pages"
echo "seconds: filesd CSV ${fd_csv[*]}; DuckDB ${dk_csv[*]:-n/a}; DuckDB x1 ${dk1_csv[*]:-n/a};" \
  "filesd JSON ${fd_json[*]}; simdjson ${sj_json[*]:-n/a}; data generation ${gen_seconds}"
[ -n "$duckdb_note" ] && echo "DuckDB: $duckdb_note"
[ "$simdjson_ok" = 1 ] || echo "simdjson: the reference could not run (see above)"
[ "$pdf_ok" = 1 ] || echo "PDF: skipped (no python3 with reportlab, or generation failed)"
echo "notes: filesd is one single-threaded worker process timed from exec to its JSON answer (type" \
  "inference, column stats, text extract); DuckDB uses all cores by default and is timed on the query alone."
exit 0
