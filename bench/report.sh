# The report of bench/data_path.sh (source it after lib.sh, with $work set): rows recorded as measured,
# printed together at the end as one table, each filesd figure beside its reference from the same run,
# with the ratio, the target and whether it is met; then the individual runs, and for each missed
# target a profile hint (or, with BENCH_PROFILE=1, a profile: see profile_missed).

results_file="$work/results.tsv"
: >"$results_file"

# result ID MEASURE CONDITION FILESD REFERENCE REF_NAME KIND OP TARGET [DETAILS]
#   KIND ratio: the target applies to FILESD / REFERENCE; abs: to FILESD itself (the reference is
#   printed for scale, with its ratio); OP TARGET: the target (>= 1.0, < 64), or "-" "-" for none.
result() {
  local r m="-"
  r=$(ratio "$4" "$5")
  if [ "$8" != - ]; then
    if [ "$7" = ratio ]; then m=$(meets "$r" "$8" "$9"); else m=$(meets "$4" "$8" "$9"); fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5 $6" "$r" \
    "$([ "$8" = - ] && echo - || echo "$([ "$7" = abs ] && echo "abs ")$8 $9")" "$m" "${10:--}" "$7" \
    >>"$results_file"
}

report_table() {
  local fmt='%-4s %-46s %-6s %10s %-24s %6s %-12s %-5s\n'
  # shellcheck disable=SC2059
  printf "$fmt" "row" "measure" "pages" "filesd" "reference" "ratio" "target" "meets"
  # shellcheck disable=SC2059
  printf "$fmt" "----" "----------------------------------------------" "------" "----------" \
    "------------------------" "------" "------------" "-----"
  while IFS=$'\t' read -r id measure cond fd ref r target m _ _; do
    # shellcheck disable=SC2059
    printf "$fmt" "$id" "$measure" "$cond" "$fd" "$ref" "$r" "$target" "$m"
  done <"$results_file"
  echo "ratio = filesd / reference; a target marked abs applies to the filesd figure itself."
  echo
  echo "runs, in the order measured (each figure above is their median; the sides alternate which goes first):"
  while IFS=$'\t' read -r id measure _ _ _ _ _ _ details _; do
    [ "$details" != - ] && printf '  %-4s %s\n' "$id" "$details"
  done <"$results_file"
}

# missed_rows: the ids of the rows whose target was missed.
missed_rows() { awk -F'\t' '$8 == "NO" { print $1 }' "$results_file"; }

# profile_missed: for each missed row with a command in profile_cmd[ID] (set by data_path.sh, a measure
# of filesd alone against the running $filesd_pid), either prints how to profile it or, with
# BENCH_PROFILE=1 and perf installed, re-runs it under `perf record -g -p PID` and prints the top
# symbols (self time) of filesd during that measure.
profile_missed() {
  local id perf_pid data
  for id in $(missed_rows); do
    if [ -z "${profile_cmd[$id]:-}" ]; then
      echo "row $id missed: ${profile_hint[$id]:-no profile hint for this row}"
      continue
    fi
    if [ "${BENCH_PROFILE:-0}" != 1 ] || ! command -v perf >/dev/null; then
      echo "row $id missed: profile it with BENCH_PROFILE=1 (re-runs the filesd side under perf), or by hand:" \
        "perf record -g -p <filesd pid> during the measure, then perf report --no-children"
      continue
    fi
    data="$work/perf-$id.data"
    echo "row $id missed: profile of filesd (pid $filesd_pid) during one more run of it:"
    perf record -F 999 -g -p "$filesd_pid" -o "$data" >"$work/perf-$id.log" 2>&1 &
    perf_pid=$!
    sleep 0.5
    eval "${profile_cmd[$id]}" >/dev/null || echo "  (the measure failed under perf)"
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    echo "  top symbols (self), perf report --no-children -i $data:"
    # One line per symbol: share, process (filesd, or its analysis worker), library, symbol.
    perf report -i "$data" --no-children --stdio --sort comm,dso,symbol -g none --percent-limit 1.5 2>/dev/null |
      awk '!/^#/ && NF { sub(/[ \t]+-[ \t]+-[ \t]*$/, ""); gsub(/[ \t]+/, " "); print "    " substr($0, 1, 116) }' |
      head -20
  done
}
