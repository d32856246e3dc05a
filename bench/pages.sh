# Page-cache conditions for the upload and download measures (source it after lib.sh, with $work set).
# Why: on a VM with free-page reporting (virtio-balloon, as here), a page the guest freed a moment ago is
# several times faster to fill than one it reported back to the host, so an upload into just-freed pages
# measures the page cache, not the server. Each measure therefore puts both servers in the same named
# condition right before its timed transfer, and the report prints the condition beside each figure:
#   fresh  sync; drop the page cache (echo 3 > /proc/sys/vm/drop_caches); read the client's input files
#          back (so the client reads from memory); then wait BENCH_SETTLE_SECONDS (6) so the pages freed
#          so far are reported to the host: the upload writes into pages the guest has not just freed.
#          Measured here (dd of 1 GiB into the page cache right after): 1.4-2.0 GB/s after a 6 s or longer
#          settle, every time; after 3-4 s, 1 time in 3 still 7-8 GB/s (the report had not run yet); right
#          after the drop, 8 GB/s.
#          When drop_caches is not writable (not root), say so and only sync + read + wait.
#   warm   sync; read the inputs; write a scratch file as large as the inputs into the page cache and
#          remove it: the upload starts with at least that many just-freed pages, whatever the server
#          did before (nginx's rm or filesd's purge of the previous upload, which happen on both sides).
#          Not every time here: the same dd right after such an rm ran at 7-8 GB/s in about 2 of 3 tries
#          and at 1.4-2.4 GB/s in the others (the allocator does not always hand back the pages just
#          freed), so the warm row is noisier: read its runs, and use BENCH_RUNS=5 or more for it.
#   hot    (downloads) read the files to send, so both servers send from the page cache.

pages_settle=${BENCH_SETTLE_SECONDS:-6}
pages_can_drop=0
# Sourcing this file drops the page cache once, to learn whether it can.
sync
if { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then pages_can_drop=1; fi

# pages_reporting: "on" when a virtio-balloon device offers free-page reporting (feature bit 5), the
# reason fresh and warm pages differ; "off" otherwise.
pages_reporting() {
  local d
  for d in /sys/bus/virtio/devices/*; do
    [ "$(cat "$d/device" 2>/dev/null)" = 0x0005 ] && [ "$(cut -c6 "$d/features" 2>/dev/null)" = 1 ] &&
      { echo on; return; }
  done
  echo off
}

# pages_note: one line saying how "fresh" is obtained here.
pages_note() {
  if [ "$pages_can_drop" = 1 ]; then
    echo -n "fresh = page cache dropped, inputs re-read, ${pages_settle} s settle before each upload (both servers)"
  else
    echo -n "fresh = NOT DROPPED (/proc/sys/vm/drop_caches not writable: run as root for the real condition);" \
      "sync, inputs re-read, ${pages_settle} s settle instead"
  fi
  echo "; free-page reporting (virtio-balloon) $(pages_reporting)"
}

# pages_prepare CONDITION FILE...: puts the page cache in CONDITION (fresh, warm, hot) for FILEs.
pages_prepare() {
  local condition=$1
  shift
  case $condition in
    fresh)
      sync
      [ "$pages_can_drop" = 1 ] && echo 3 >/proc/sys/vm/drop_caches
      cat "$@" >/dev/null
      sleep "$pages_settle"
      ;;
    warm)
      sync
      cat "$@" >/dev/null
      # Dirty pages of a file removed before write-back are freed without any I/O.
      head -c "$(stat -c %s "$@" | awk '{ n += $1 } END { print n }')" /dev/zero >"$work/scratch.bin"
      rm -f "$work/scratch.bin"
      ;;
    hot) cat "$@" >/dev/null ;;
    *) echo "pages_prepare: unknown condition $condition" >&2; return 1 ;;
  esac
}
