#!/usr/bin/env bash
# OCR benchmark of filesd (issue 9): a BENCH_OCR_PAGES-page scanned PDF (default 20, the default
# --max-ocr-pages; bench/make_scanned_pdf.py: grey 300 dpi JPEG scans of dense 11-point pages, no text
# layer) analysed by filesd-worker with the server's default limits and environment, beside references
# measured in the same run on the same file:
#   (1) filesd's wall time against the default --process-timeout (OCR may use 80% of it; past that the
#       worker answers with the pages it read and names the others): ratio, target < 0.8 (the share of the timeout OCR may use, so every page is read);
#       also its CPU time over the cores (what the wall time is on an idle machine), same target;
#   (2) the same against Debian's tools, pdftoppm (grey, at filesd's 150 dpi) then the tesseract CLI,
#       page after page (one core, OpenMP off) and NPROC pages at a time (xargs -P): ratios, target <= 1;
#   plus the word accuracy of each text against the words drawn on the pages.
# Prints figures and targets; asserts nothing (exit 0 unless a step could not run at all).
#
# Usage: bench/ocr_bench.sh BUILD_DIR
# Environment: BENCH_OCR_PAGES (default 20), BENCH_OCR_RUNS (default 1; the median counts), BENCH_DIR
# (where the work dir goes; default $TMPDIR or /tmp), BENCH_KEEP=1 keeps it.
set -euo pipefail

build_dir=${1:?usage: bench/ocr_bench.sh BUILD_DIR}
worker=$(cd "$build_dir" && pwd)/filesd-worker
here=$(cd "$(dirname "$0")" && pwd)
pages=${BENCH_OCR_PAGES:-20}
runs=${BENCH_OCR_RUNS:-1}
timeout_s=30  # --process-timeout's default (ProcessLimits::max_seconds).
dpi=150       # ProcessLimits::ocr_dpi's default: the references render at the same resolution.
cores=$(nproc)

log() { echo "ocr-bench: $*" >&2; }

for tool in python3 pdftoppm tesseract xargs; do
  command -v "$tool" >/dev/null || { log "$tool is missing (scripts/deps.sh installs it)"; exit 1; }
done
[ -x "$worker" ] || { log "no filesd-worker at $worker"; exit 1; }
# reportlab and PIL are Debian's: the first python3 on PATH may be another installation.
gen_python=""
for py in python3 /usr/bin/python3; do
  if "$py" -c 'import reportlab, PIL' 2>/dev/null; then gen_python=$py; break; fi
done
[ -n "$gen_python" ] || { log "no python3 with reportlab and PIL (python3-reportlab, python3-pil)"; exit 1; }

. "$here/lib.sh"
bench_workdir filesd-ocr-bench

# Share of the drawn words found, in order, in a text (pages split on form feeds).
accuracy() {  # TRUTH TEXT
  python3 -c "import difflib, sys
truth = open(sys.argv[1]).read().split()
got = open(sys.argv[2]).read().split()
sm = difflib.SequenceMatcher(None, truth, got, autojunk=False)
print(f'{sum(b.size for b in sm.get_matching_blocks()) / len(truth) * 100:.1f}%')" "$1" "$2" 2>/dev/null || echo "n/a"
}

log "work dir $work; generating a ${pages}-page scanned PDF"
"$gen_python" "$here/make_scanned_pdf.py" "$pages" "$work/scan.pdf" "$work/truth.txt"
cat "$work/scan.pdf" >/dev/null  # From the page cache for every reader.

# The worker exactly as RunIsolated starts it: its environment (isolated_runner.cc) and default limits.
# Prints "WALL_SECONDS CPU_SECONDS" (CPU: user + system of the worker and its threads).
run_worker() {  # answer in $work/answer.json
  # The answer goes through a pipe: the worker sets RLIMIT_FSIZE=0, so it cannot write a regular file.
  python3 -c "import resource, subprocess, sys, time
env = {'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'VIPS_CONCURRENCY': '1', 'OMP_THREAD_LIMIT': '1',
       'MALLOC_ARENA_MAX': '2', 'HOME': '/nonexistent'}
t0 = time.monotonic()
p = subprocess.run([sys.argv[1], '--path', sys.argv[2], '--filename', 'scan.pdf', '--limits', '{}'],
                   env=env, stdout=subprocess.PIPE, stderr=open(sys.argv[4], 'ab'))
wall = time.monotonic() - t0
open(sys.argv[3], 'wb').write(p.stdout)
if p.returncode != 0:
    print(f'ocr-bench: filesd-worker exited {p.returncode}', file=sys.stderr)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f'{wall:.2f} {r.ru_utime + r.ru_stime:.2f}')" "$worker" "$work/scan.pdf" "$work/answer.json" "$work/worker.stderr"
}

# pdftoppm renders each page, tesseract reads it; JOBS pages at a time. Text of all pages, in order.
run_reference() {  # JOBS -> seconds; text in $work/ref-JOBS.txt
  local jobs=$1 t0 t1 dir="$work/ref-$1"
  rm -rf "$dir"; mkdir -p "$dir"
  t0=$(now)
  seq 1 "$pages" | OMP_THREAD_LIMIT=1 xargs -P "$jobs" -I{} sh -c \
    'pdftoppm -gray -r '"$dpi"' -f {} -l {} -singlefile "$1" "$2/p{}" &&
     tesseract "$2/p{}.pgm" "$2/p{}" --dpi '"$dpi"' -l eng --oem 1 quiet 2>/dev/null' _ "$work/scan.pdf" "$dir"
  t1=$(now)
  for p in $(seq 1 "$pages"); do cat "$dir/p$p.txt"; printf '\f'; done >"$work/ref-$jobs.txt"
  elapsed "$t0" "$t1" 2
}

fd=(); fd_cpu=(); ref1=(); refn=()
for run in $(seq 1 "$runs"); do
  log "run $run/$runs: filesd-worker (default limits)"
  read -r t c < <(run_worker)
  fd+=("$t"); fd_cpu+=("$c")
  log "run $run/$runs: pdftoppm + tesseract, one page at a time"
  ref1+=("$(run_reference 1)")
  log "run $run/$runs: pdftoppm + tesseract, $cores pages at a time"
  refn+=("$(run_reference "$cores")")
done
fd_t=$(median "${fd[@]}"); fd_cpu_t=$(median "${fd_cpu[@]}"); ref1_t=$(median "${ref1[@]}"); refn_t=$(median "${refn[@]}")

read -r fd_ocr fd_truncated fd_skipped < <(python3 -c "import json, sys
a = json.load(open(sys.argv[1]))
if not a.get('ok'):
    print('failed', a.get('code'), str(a.get('message')).replace(' ', '_'))
else:
    m = json.loads(a['metadata_json'])
    open(sys.argv[2], 'w').write(a['text'])
    print(m.get('ocr_pages'), m.get('truncated'), m.get('ocr_skipped_page_count'))" \
  "$work/answer.json" "$work/filesd.txt" 2>/dev/null || echo "? ? ?")
fd_acc=$(accuracy "$work/truth.txt" "$work/filesd.txt")
ref1_acc=$(accuracy "$work/truth.txt" "$work/ref-1.txt")
refn_acc=$(accuracy "$work/truth.txt" "$work/ref-$cores.txt")

load_end=$(cut -d' ' -f1 /proc/loadavg)
busy=$(python3 -c "import sys, os; print('yes' if max(map(float, sys.argv[1:])) > os.cpu_count() * 0.75 else '')" \
  "$load_start" "$load_end")
budget_ratio=$(ratio "$fd_t" "$timeout_s")
echo
[ -n "$busy" ] && echo "WARNING: the machine was busy (1-min load average $load_start at start, $load_end at end," \
  "$cores cores): the figures below are unreliable; rerun on an idle machine."
echo "filesd OCR benchmark: $cores cores; a $pages-page scanned PDF ($(stat -c %s "$work/scan.pdf") bytes, 300 dpi" \
  "grey JPEG pages of 11-point text); median of $runs run(s); pages rendered at $dpi dpi"
fmt='%-40s %10s %26s %8s %8s %6s\n'
printf "$fmt" "measure" "filesd" "reference" "ratio" "target" "meets"
printf "$fmt" "----------------------------------------" "----------" "--------------------------" "--------" "--------" "------"
printf "$fmt" "(1) $pages scanned pages, wall s" "$fd_t" "$timeout_s (default timeout)" "$budget_ratio" "< 0.8" \
  "$(meets "$budget_ratio" '<' 0.8)"
cpu_wall=$(python3 -c "import sys; print(f'{float(sys.argv[1]) / int(sys.argv[2]):.2f}')" "$fd_cpu_t" "$cores")
printf "$fmt" "    CPU s / $cores cores (idle-machine wall)" "$cpu_wall" "$timeout_s (default timeout)" \
  "$(ratio "$cpu_wall" "$timeout_s")" "< 0.8" "$(meets "$(ratio "$cpu_wall" "$timeout_s")" '<' 0.8)"
printf "$fmt" "(2) same vs tesseract CLI, page by page" "$fd_t" "$ref1_t (pdftoppm+tess x1)" "$(ratio "$fd_t" "$ref1_t")" \
  "<= 1" "$(meets "$(ratio "$fd_t" "$ref1_t")" '<=' 1)"
printf "$fmt" "    same vs tesseract CLI, $cores at a time" "$fd_t" "$refn_t (pdftoppm+tess x$cores)" \
  "$(ratio "$fd_t" "$refn_t")" "<= 1" "$(meets "$(ratio "$fd_t" "$refn_t")" '<=' 1)"
printf "$fmt" "    word accuracy" "$fd_acc" "$ref1_acc / $refn_acc" "-" "-" "-"
echo
echo "checks: filesd ocr_pages $fd_ocr of $pages, truncated $fd_truncated, ocr_skipped_page_count $fd_skipped"
echo "seconds: filesd ${fd[*]} (CPU ${fd_cpu[*]}); tesseract CLI x1 ${ref1[*]}; tesseract CLI x$cores ${refn[*]}"
echo "notes: filesd is one worker process timed from exec to its JSON answer (PDF parse, render, OCR on" \
  "its threads, metadata); OCR may use 80% of the timeout ($(python3 -c "print($timeout_s * 0.8)") s), so (1)" \
  "must stay well under 0.8 for every page to be read."
exit 0
