#!/usr/bin/env python3
"""The load driver of bench/upload_core_bench.sh: one figure of one filesd per call.

Usage: upload_core_client.py prepare WORKDIR LARGE_MIB SMALL_KIB APPEND_BODIES PART_MIB PARTS
       upload_core_client.py FIGURE URL KEY WORKDIR [ARGS]
prepare writes the inputs once (shared by both servers): large.bin (random), small.bin, append-<i>.json
(5 MiB of random bytes each, Base64 in {"data": ...}) and part-<i>.bin. Each FIGURE prints one line:
  post_large                  MB/s   POST /v1/files, multipart, large.bin (one curl)
  post_small COUNT CLIENTS    req/s  POST /v1/files of small.bin, CLIENTS curl processes, each COUNT/CLIENTS
                                     requests over one keep-alive connection
  appends COUNT SESSIONS      MB/s of decoded bytes: SESSIONS sessions at once, each COUNT appends of the
                                     append bodies in turn (one curl per session, one connection), then
                                     "<MB/s> <seconds of complete>" where complete (with sha256, checked)
                                     is timed for the first session alone after every append ended
  parts AT_ONCE               "<MB/s of part uploads> <seconds of complete>": PARTS parts of PART_MIB
                                     sent AT_ONCE at a time (multipart field data), in order, then
                                     complete with part_ids (and sha256, checked)
  signed_put                  MB/s   POST /v1/files/upload-url, then PUT of large.bin to the signed URL
                                     (curl -T); only the PUT is timed
  nginx_put NGINX_URL WORKDIR         MB/s  driver ceiling: large.bin PUT to nginx, which reads and
                                            drops it (location /discard/ of bench/nginx.conf.in)
  nginx_appends NGINX_URL WORKDIR N   MB/s of decoded bytes: driver ceiling, N append bodies PUT to
                                            nginx's sink over one connection
Bytes go through curl (C, one process per stream, -T or -F streaming from files prepared beforehand,
no Expect: 100-continue), so neither Base64 nor Python is in the timed path; the control calls (create,
complete, upload-url) use http.client. Any unexpected
answer exits 1 with the reason on stderr."""

import base64
import json
import os
import sys
import time

from curl_driver import NO_EXPECT, Api, cached_sha256, chained, check_codes, curl, fail, wait_all

CHUNK = 5 << 20


def append_bodies(work):
    bodies = sorted(f for f in os.listdir(work) if f.startswith("append-") and f.endswith(".json"))
    return [os.path.join(work, f) for f in sorted(bodies, key=lambda f: int(f[7:-5]))]


def prepare(work, large_mib, small_kib, n_bodies, part_mib, n_parts):
    with open(os.path.join(work, "large.bin"), "wb") as f:
        for _ in range(int(large_mib)):
            f.write(os.urandom(1 << 20))
    with open(os.path.join(work, "small.bin"), "wb") as f:
        f.write(os.urandom(int(small_kib) << 10))
    for i in range(int(n_bodies)):
        raw = os.urandom(CHUNK)
        with open(os.path.join(work, f"append-{i}.raw"), "wb") as f:
            f.write(raw)
        with open(os.path.join(work, f"append-{i}.json"), "wb") as f:
            f.write(b'{"data":"' + base64.b64encode(raw) + b'"}')
    for i in range(int(n_parts)):
        with open(os.path.join(work, f"part-{i}.bin"), "wb") as f:
            for _ in range(int(part_mib)):
                f.write(os.urandom(1 << 20))


def post_large(url, key, work):
    path = os.path.join(work, "large.bin")
    t0 = time.monotonic()
    (out,) = wait_all([curl(NO_EXPECT + ["-H", f"Authorization: Bearer {key}",
                                         "-F", f"file=@{path};filename=large.bin",
                                         "-F", "purpose=user_data", f"{url}/v1/files"])])
    t = time.monotonic() - t0
    if json.loads(out).get("bytes") != os.path.getsize(path):
        fail(f"POST /v1/files answered {out[:300]!r}")
    return f"{os.path.getsize(path) / t / 1e6:.1f}"


def post_small(url, key, work, count, clients):
    count, clients = int(count), int(clients)
    path = os.path.join(work, "small.bin")
    n = count // clients
    t0 = time.monotonic()
    procs = [chained([["-H", f"Authorization: Bearer {key}", "-F", f"file=@{path};filename=small-{c}-{i}.bin",
                       "-F", "purpose=user_data", f"{url}/v1/files"] for i in range(n)])
             for c in range(clients)]
    outs = wait_all(procs)
    t = time.monotonic() - t0
    check_codes(outs, clients * n, "small uploads")
    codes = clients * n
    return f"{codes / t:.1f}"


def appends(url, key, work, count, sessions):
    count, sessions = int(count), int(sessions)
    api = Api(url, key)
    bodies = append_bodies(work)
    raws = [b[:-5] + ".raw" for b in bodies]
    want = cached_sha256(work, f"appends-{count}", [raws[i % len(raws)] for i in range(count)])
    ids = [api.call("POST", "/v1/uploads", {"filename": f"session-{s}.bin", "bytes": count * CHUNK})["id"]
           for s in range(sessions)]
    t0 = time.monotonic()
    procs = [chained([["-T", bodies[i % len(bodies)],
                       "-H", f"Authorization: Bearer {key}", "-H", "Content-Type: application/json",
                       f"{url}/v1/uploads/{fid}"] for i in range(count)])
             for fid in ids]
    outs = wait_all(procs)
    t_app = time.monotonic() - t0
    check_codes(outs, sessions * count, "appends")
    t0 = time.monotonic()
    done = api.call("POST", f"/v1/uploads/{ids[0]}/complete", {"sha256": want})
    t_complete = time.monotonic() - t0
    if done.get("status") != "completed" or done.get("file", {}).get("bytes") != count * CHUNK:
        fail(f"complete answered {json.dumps(done)[:300]}")
    return f"{sessions * count * CHUNK / t_app / 1e6:.1f} {t_complete:.3f}"


def parts(url, key, work, at_once):
    at_once = int(at_once)
    api = Api(url, key)
    paths = sorted((f for f in os.listdir(work) if f.startswith("part-")), key=lambda f: int(f[5:-4]))
    paths = [os.path.join(work, p) for p in paths]
    total = sum(os.path.getsize(p) for p in paths)
    want = cached_sha256(work, "parts", paths)
    fid = api.call("POST", "/v1/uploads", {"filename": "parts.bin", "bytes": total})["id"]
    ids = []
    t0 = time.monotonic()
    for i in range(0, len(paths), at_once):
        outs = wait_all([curl(NO_EXPECT + ["-H", f"Authorization: Bearer {key}",
                                           "-F", f"data=@{p};filename=part", f"{url}/v1/uploads/{fid}/parts"])
                         for p in paths[i:i + at_once]])
        ids += [json.loads(o)["id"] for o in outs]
    t_parts = time.monotonic() - t0
    t0 = time.monotonic()
    done = api.call("POST", f"/v1/uploads/{fid}/complete", {"part_ids": ids, "sha256": want})
    t_complete = time.monotonic() - t0
    if done.get("status") != "completed" or done.get("file", {}).get("bytes") != total:
        fail(f"complete answered {json.dumps(done)[:300]}")
    return f"{total / t_parts / 1e6:.1f} {t_complete:.3f}"


def signed_put(url, key, work):
    api = Api(url, key)
    path = os.path.join(work, "large.bin")
    grant = api.call("POST", "/v1/files/upload-url", {"filename": "signed.bin"})
    t0 = time.monotonic()
    check_codes(wait_all([chained([["-T", path, grant["upload_url"]]])]), 1, "signed PUT")
    t = time.monotonic() - t0
    return f"{os.path.getsize(path) / t / 1e6:.1f}"


def nginx_put(nginx_url, work):
    path = os.path.join(work, "large.bin")
    t0 = time.monotonic()
    outs = wait_all([chained([["-T", path, f"{nginx_url}/discard/large.bin"]])])
    t = time.monotonic() - t0
    if b"".join(outs).split() != [b"204"]:
        fail(f"nginx PUT answered {outs!r}")
    return f"{os.path.getsize(path) / t / 1e6:.1f}"


def nginx_appends(nginx_url, work, count):
    count = int(count)
    bodies = append_bodies(work)
    t0 = time.monotonic()
    outs = wait_all([chained([["-T", bodies[i % len(bodies)],
                               "-H", "Content-Type: application/json", f"{nginx_url}/discard/append-{i}.json"]
                              for i in range(count)])])
    t = time.monotonic() - t0
    codes = b"".join(outs).split()
    if len(codes) != count or set(codes) != {b"204"}:
        fail(f"nginx PUT answered {sorted(set(codes))!r}")
    return f"{count * CHUNK / t / 1e6:.1f}"


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    what = sys.argv[1]
    if what == "prepare":
        prepare(*sys.argv[2:8])
    elif what in ("nginx_put", "nginx_appends"):
        print(globals()[what](*sys.argv[2:]))
    elif what in ("post_large", "post_small", "appends", "parts", "signed_put"):
        print(globals()[what](*sys.argv[2:]))
    else:
        fail(f"unknown figure {what}\n{__doc__}")


if __name__ == "__main__":
    main()
