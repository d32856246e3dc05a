#!/usr/bin/env bash
# The benchmarks of filesd, each printing its figures beside a reference measured in the same run:
#   data        bench/data_path.sh: the data path against nginx (uploads, concurrency sweep, downloads,
#               small requests, upload sessions, idle connections and peak RSS); about 8 minutes here;
#   processing  bench/process_bench.sh (CSV, JSON, PDF text against DuckDB, simdjson, pdftotext) and
#               bench/ocr_bench.sh (a scanned PDF against the tesseract CLI);
#   all         both.
# `make bench` runs `data`, `make bench-processing` runs `processing`; each script's header lists the
# environment variables it reads. The whole run holds /tmp/filesd-cpu.lock once (see lib.sh bench_lock).
#
# Usage: bench/run.sh BUILD_DIR [data|processing|all]   (default: data)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
bench_lock "$0" "$@"

build_dir=${1:?usage: bench/run.sh BUILD_DIR [data|processing|all]}
suite=${2:-data}
case $suite in
  data) "$here/data_path.sh" "$build_dir" ;;
  processing)
    "$here/process_bench.sh" "$build_dir"
    "$here/ocr_bench.sh" "$build_dir"
    ;;
  all)
    "$here/data_path.sh" "$build_dir"
    "$here/process_bench.sh" "$build_dir"
    "$here/ocr_bench.sh" "$build_dir"
    ;;
  *) echo "usage: bench/run.sh BUILD_DIR [data|processing|all]" >&2; exit 2 ;;
esac
