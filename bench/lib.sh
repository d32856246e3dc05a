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
