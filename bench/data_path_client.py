#!/usr/bin/env python3
"""The load driver of bench/data_path.sh: one timed figure per call, the same client for filesd and nginx.

Usage: data_path_client.py WORK COMMAND ARGS...   (WORK: the bench work dir, where digests are memoised)
  prepare_session FILE PART_MIB       untimed: FILE cut into 5 MiB chunks written as Base64 append bodies
                                      WORK/append-<i>.json ({"data": ...}), and into parts of PART_MIB,
                                      WORK/part-<i>.bin
  digest FILE...                      untimed: memoises the files' SHA-256 in WORK (the answers are checked
                                      against it), so no timed call computes it
  upload filesd URL KEY FILE COUNT    COUNT curl -F POST /v1/files of FILE at once; each answer must carry
                                      FILE's size and sha256. Prints "<aggregate MB/s> <id>..."
  upload nginx URL FILE COUNT         COUNT curl -T PUT of FILE at once to URL/upload/up-<i>.bin (201/204).
                                      Prints "<aggregate MB/s>"
  download URL PATH SIZE [KEY]        one curl GET of URL+PATH to /dev/null; SIZE bytes must come.
                                      Prints "<MB/s>"
  appends URL KEY FILE                POST /v1/uploads, the append bodies of prepare_session PUT in order
                                      by one curl on one keep-alive connection, complete with FILE's
                                      sha256 (checked). Timed from create to complete's answer.
                                      Prints "<MB/s of decoded bytes> <id>"
  parts URL KEY FILE AT_ONCE          POST /v1/uploads, the parts of prepare_session sent AT_ONCE at a time
                                      (curl -F data=@part), complete with part_ids and sha256 (checked).
                                      Timed from create to complete's answer. Prints "<MB/s> <id>"
  idle URL PATH COUNT KEY PID...      COUNT keep-alive connections, each answered one GET of PATH (with the
                                      key), then left idle; prints "<KiB before> <KiB with>": the summed
                                      VmRSS of the PIDs before the first connection and with all of them
                                      open (after 1 s of idleness). KEY may be "-" (no Authorization).
MB/s are 10^6 bytes per second of file bytes (decoded bytes for appends)."""

import base64
import json
import os
import socket
import sys
import time

from curl_driver import NO_EXPECT, Api, cached_sha256, chained, check_codes, curl, fail, wait_all

CHUNK = 5 << 20


def mbps(nbytes, seconds):
    return f"{nbytes / seconds / 1e6:.1f}"


def sorted_inputs(work, prefix, suffix):
    names = [f for f in os.listdir(work) if f.startswith(prefix) and f.endswith(suffix)]
    names.sort(key=lambda f: int(f[len(prefix):-len(suffix)]))
    return [os.path.join(work, f) for f in names]


def prepare_session(work, path, part_mib):
    part = int(part_mib) << 20
    with open(path, "rb") as f:
        for i, chunk in enumerate(iter(lambda: f.read(CHUNK), b"")):
            with open(os.path.join(work, f"append-{i}.json"), "wb") as out:
                out.write(b'{"data":"' + base64.b64encode(chunk) + b'"}')
        f.seek(0)
        for i, piece in enumerate(iter(lambda: f.read(part), b"")):
            with open(os.path.join(work, f"part-{i}.bin"), "wb") as out:
                out.write(piece)


def digest(work, *paths):
    for path in paths:
        cached_sha256(work, os.path.basename(path), [path])


def upload(work, target, *args):
    if target == "filesd":
        url, key, path, count = args
    elif target == "nginx":
        url, path, count = args
    else:
        fail(f"unknown upload target {target}")
    count, size = int(count), os.path.getsize(path)
    if target == "filesd":
        want = cached_sha256(work, os.path.basename(path), [path])
        transfers = [NO_EXPECT + ["-H", f"Authorization: Bearer {key}", "-F", f"file=@{path};filename=up-{i}.bin",
                                  "-F", "purpose=user_data", f"{url}/v1/files"] for i in range(count)]
    else:
        transfers = [NO_EXPECT + ["-T", path, "-o", "/dev/null", "-w", "%{http_code}\n",
                                  f"{url}/upload/up-{i}.bin"] for i in range(count)]
    t0 = time.monotonic()
    outs = wait_all([curl(t) for t in transfers])
    t = time.monotonic() - t0
    if target == "nginx":
        check_codes(outs, count, "nginx PUT", ok=(b"201", b"204"))
        return mbps(count * size, t)
    ids = []
    for out in outs:
        answer = json.loads(out)
        if answer.get("bytes") != size or answer.get("sha256") != want:
            fail(f"POST /v1/files answered {out[:300]!r}")
        ids.append(answer["id"])
    return " ".join([mbps(count * size, t)] + ids)


def download(work, url, path, size, key=None):
    auth = ["-H", f"Authorization: Bearer {key}"] if key else []
    t0 = time.monotonic()
    (out,) = wait_all([curl(auth + ["-o", "/dev/null", "-w", "%{http_code} %{size_download}", url + path])])
    t = time.monotonic() - t0
    if out.split() != [b"200", str(size).encode()]:
        fail(f"GET {path} answered {out!r}, expected 200 and {size} bytes")
    return mbps(int(size), t)


def appends(work, url, key, path):
    api = Api(url, key)
    size = os.path.getsize(path)
    want = cached_sha256(work, os.path.basename(path), [path])
    bodies = sorted_inputs(work, "append-", ".json")
    t0 = time.monotonic()
    fid = api.call("POST", "/v1/uploads", {"filename": "appends.bin", "bytes": size})["id"]
    outs = wait_all([chained([["-T", b, "-H", f"Authorization: Bearer {key}",
                               "-H", "Content-Type: application/json", f"{url}/v1/uploads/{fid}"]
                              for b in bodies])])
    check_codes(outs, len(bodies), "appends")
    done = api.call("POST", f"/v1/uploads/{fid}/complete", {"sha256": want})
    t = time.monotonic() - t0
    if done.get("status") != "completed" or done.get("file", {}).get("bytes") != size:
        fail(f"complete (appends) answered {json.dumps(done)[:300]}")
    return f"{mbps(size, t)} {fid}"


def parts(work, url, key, path, at_once):
    at_once = int(at_once)
    api = Api(url, key)
    size = os.path.getsize(path)
    want = cached_sha256(work, os.path.basename(path), [path])
    pieces = sorted_inputs(work, "part-", ".bin")
    t0 = time.monotonic()
    fid = api.call("POST", "/v1/uploads", {"filename": "parts.bin", "bytes": size})["id"]
    ids = []
    for i in range(0, len(pieces), at_once):
        outs = wait_all([curl(NO_EXPECT + ["-H", f"Authorization: Bearer {key}", "-F", f"data=@{p};filename=part",
                                           f"{url}/v1/uploads/{fid}/parts"]) for p in pieces[i:i + at_once]])
        ids += [json.loads(o)["id"] for o in outs]
    done = api.call("POST", f"/v1/uploads/{fid}/complete", {"part_ids": ids, "sha256": want})
    t = time.monotonic() - t0
    if done.get("status") != "completed" or done.get("file", {}).get("bytes") != size:
        fail(f"complete (parts) answered {json.dumps(done)[:300]}")
    return f"{mbps(size, t)} {fid}"


def rss_kib(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return total


def read_answer(sock):
    """Reads one HTTP/1.1 answer with a Content-Length body; returns its status line."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            fail("the server closed an idle-test connection")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += sock.recv(65536)
    return head.split(b"\r\n", 1)[0]


def idle(work, url, path, count, key, *pids):
    host, port = url.split("//", 1)[1].split(":")
    auth = f"Authorization: Bearer {key}\r\n" if key != "-" else ""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}\r\n".encode()
    before = rss_kib(pids)
    conns = []
    for _ in range(int(count)):
        s = socket.create_connection((host, int(port)))
        s.sendall(request)
        status = read_answer(s)
        if b" 200 " not in status:
            fail(f"GET {path} answered {status!r}")
        conns.append(s)
    time.sleep(1)
    with_conns = rss_kib(pids)
    for s in conns:
        s.close()
    return f"{before} {with_conns}"


def main():
    if len(sys.argv) < 3:
        fail(__doc__)
    work, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    commands = {"prepare_session": prepare_session, "digest": digest, "upload": upload, "download": download,
                "appends": appends, "parts": parts, "idle": idle}
    if what not in commands:
        fail(f"unknown command {what}\n{__doc__}")
    out = commands[what](work, *args)
    if out is not None:
        print(out)


if __name__ == "__main__":
    main()
