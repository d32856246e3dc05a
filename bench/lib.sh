# Shared by the benchmark scripts (source it): a work dir that goes away at exit, a clock, and the
# arithmetic the figures are printed with. Needs python3.

# bench_workdir NAME: sets $work to a fresh directory (under $BENCH_DIR, else $TMPDIR or /tmp),
# removed at exit unless BENCH_KEEP=1, and $load_start to the load average at the start.
bench_workdir() {
  work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/$1.XXXXXX")
  load_start=$(cut -d' ' -f1 /proc/loadavg)
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: work dir kept: $work" >&2; else rm -rf "$work"; fi
}

now() { date +%s.%N; }

# elapsed START END [DIGITS]: END - START in seconds, with DIGITS decimals (6).
elapsed() {
  python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.{int(sys.argv[3])}f}')" \
    "$1" "$2" "${3:-6}"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ratio A B: A / B with two decimals, or n/a.
ratio() {
  python3 -c "import sys
try:
    print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')
except (ValueError, ZeroDivisionError):
    print('n/a')" "$1" "$2"
}

# meets VALUE OP TARGET (OP one of >= > <= <): yes, NO, or n/a.
meets() {
  python3 -c "import sys, operator
ops = {'>=': operator.ge, '>': operator.gt, '<=': operator.le, '<': operator.lt}
try:
    print('yes' if ops[sys.argv[2]](float(sys.argv[1]), float(sys.argv[3])) else 'NO')
except ValueError:
    print('n/a')" "$1" "$2" "$3"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL: waits up to 20 s for any HTTP answer; 1 if none came.
wait_http() {
  for _ in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" != 000 ] && return 0
    sleep 0.1
  done
  return 1
}

# kib_field PID FIELD: a /proc/PID/status value in KiB (VmRSS, VmHWM).
kib_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# mib KIB: KiB as MiB with one decimal.
mib() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

# cpu_busy_pct [SECONDS]: the share of all cores' time that was not idle over the next SECONDS (1), in %:
# the machine's load right now, which the 1-minute load average (that counts our own work too) is not.
cpu_busy_pct() {
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  sleep "${1:-1}"
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; idle = y[2] - x[2];
    printf "%.0f\n", (busy + idle > 0) ? 100 * busy / (busy + idle) : 0 }'
}

# spread VALUE...: "min-max" of the values.
spread() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd- ; }

# bench_lock COMMAND...: runs the calling script (COMMAND: "$0" "$@") again under flock BENCH_LOCK
# (/tmp/filesd-cpu.lock), so no build or other benchmark of this machine runs meanwhile; returns at
# once when the lock is held already (FILESD_BENCH_LOCKED names it) or BENCH_LOCK=none. Do not wrap a
# script that calls it in `flock` of the same file yourself: it would wait for itself.
bench_lock() {
  local lock=${BENCH_LOCK:-/tmp/filesd-cpu.lock}
  if [ "$lock" = none ] || [ "${FILESD_BENCH_LOCKED:-}" = "$lock" ]; then return 0; fi
  echo "bench: waiting for $lock" >&2
  exec env FILESD_BENCH_LOCKED="$lock" flock "$lock" "$@"
}
