# The servers of the benchmarks (source it after lib.sh, with $work set by bench_workdir): one filesd
# and one nginx at a time, each on a free 127.0.0.1 port, their files under $work. stop_servers stops
# whatever is still running, by pid (call it from the EXIT trap). A server that does not start stops the
# script with its log on stderr.

filesd_pid=""
nginx_pid=""

# The flags every benchmark filesd gets: large files allowed, and a deleted file's content purged at once
# (the janitor runs every second), so that a benchmark deleting its uploads frees the disk and the pages
# as nginx's `rm` does (wait_purged waits for it).
FILESD_BENCH_FLAGS=(--max-file-bytes 8GiB --deleted-retention 0 --janitor-interval 1)

# start_filesd NAME BIN [FLAG...]: BIN serve on a fresh data dir $work/NAME-data with FILESD_BENCH_FLAGS and
# FLAGs, its access log in $work/NAME.stdout; sets filesd_pid, filesd_url, filesd_key, filesd_data.
start_filesd() {
  local name=$1 bin=$2 port
  shift 2
  port=$(free_port)
  filesd_data="$work/$name-data"
  filesd_key=$(env -u FILESD_LISTEN -u FILESD_DATA_DIR "$bin" keys create --project bench \
    --data-dir "$filesd_data" --create-data-dir --quiet)
  env -u FILESD_LISTEN -u FILESD_DATA_DIR "$bin" serve --listen "127.0.0.1:$port" --data-dir "$filesd_data" \
    "${FILESD_BENCH_FLAGS[@]}" "$@" >>"$work/$name.stdout" 2>>"$work/$name.stderr" &
  filesd_pid=$!
  filesd_url="http://127.0.0.1:$port"
  wait_http "$filesd_url/healthz" || { echo "filesd ($name) did not start:" >&2; cat "$work/$name.stderr" >&2; exit 1; }
}

# stop_filesd NAME: stops the filesd started last (SIGTERM, waits) and removes its data dir.
stop_filesd() {
  local rc=0
  kill -TERM "$filesd_pid"
  wait "$filesd_pid" || rc=$?
  [ "$rc" = 0 ] || echo "filesd ($1) exited with status $rc after SIGTERM" >&2
  filesd_pid=""
  rm -rf "$work/$1-data"
}

# wait_purged ID...: waits (at most 30 s) until the content of the deleted files is gone from the data
# dir (the local store keeps a file's blobs under blobs/content/<id>/); says so if it is not.
wait_purged() {
  local id
  for id in "$@"; do
    for _ in $(seq 1 300); do
      [ -e "$filesd_data/blobs/content/$id" ] || continue 2
      sleep 0.1
    done
    echo "the content of deleted file $id is still on disk after 30 s" >&2
  done
}

# filesd_delete ID...: DELETE /v1/files/ID of each, then wait_purged.
filesd_delete() {
  local id
  for id in "$@"; do
    curl -sS --fail -o /dev/null -X DELETE -H "Authorization: Bearer $filesd_key" "$filesd_url/v1/files/$id"
  done
  wait_purged "$@"
}

# filesd_blob ID: the path of the file's content on disk (the local store's layout), for reading it into
# the page cache.
filesd_blob() { find "$filesd_data/blobs/content/$1" -type f | head -1; }

# start_nginx: Debian's nginx with bench/nginx.conf.in, its root $work/nginx/root (PUT into upload/);
# sets nginx_pid (the master) and nginx_url.
start_nginx() {
  local port user_line=""
  port=$(free_port)
  mkdir -p "$work/nginx/root/upload" "$work/nginx/body"
  [ "$(id -u)" = 0 ] && user_line="user root;"
  sed -e "s|@WORK@|$work|g" -e "s|@PORT@|$port|g" -e "s|@USER_LINE@|$user_line|" \
    "$here/nginx.conf.in" >"$work/nginx/nginx.conf"
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
  nginx_pid=$!
  nginx_url="http://127.0.0.1:$port"
  wait_http "$nginx_url/" || { echo "nginx did not start:" >&2; cat "$work/nginx/error.log" >&2; exit 1; }
}

# nginx_pids: the master and its workers.
# shellcheck disable=SC2046
nginx_pids() { echo "$nginx_pid" $(ps -o pid= --ppid "$nginx_pid"); }

stop_servers() {
  [ -n "$filesd_pid" ] && kill -TERM "$filesd_pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null
  for p in $filesd_pid $nginx_pid; do wait "$p" 2>/dev/null || true; done
  filesd_pid="" nginx_pid=""
}
