#!/usr/bin/env python3
"""Upload-session throughput for bench/run.sh (API.md section 5).

Usage: sessions_client.py URL KEY FILE WORKDIR
Prints one line: "<appends MB/s> <parts MB/s>", decoded bytes per second of
  - appends: POST /v1/uploads, then PUT /v1/uploads/{id} with 5 MiB chunks ({"offset","data"}) over
    one keep-alive connection, then complete. The bodies are Base64-encoded beforehand and sent by
    one curl process (as POST /v1/files is, in the same run), so the figure measures the server, not
    this script's Base64 encoding. The file's first 5 MiB chunks are cycled (at most 16 distinct
    bodies on disk): the upload holds that sequence, and its sha256 is checked on complete;
  - parts: POST /v1/uploads, 64 MiB parts sent 4 at a time (multipart field `data`), then complete
    with the part ids in order.
A mismatch or a non-200 exits 1."""

import base64
import concurrent.futures
import hashlib
import os
import subprocess
import sys
import time

import requests

CHUNK = 5 << 20
PART = 64 << 20


def main() -> int:
    url, key, path, workdir = sys.argv[1:5]
    size = os.path.getsize(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    want = h.hexdigest()
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {key}"

    # Appends over one connection, sent by curl from pre-encoded bodies.
    count = max(1, size // CHUNK)
    distinct = min(count, 16)
    with open(path, "rb") as f:
        chunks = [f.read(CHUNK) for _ in range(distinct)]
    bodies = []
    for i in range(distinct):
        body = os.path.join(workdir, f"append-{i}.json")
        with open(body, "wb") as out:
            out.write(b'{"data":"' + base64.b64encode(chunks[i]) + b'"}')
        bodies.append(body)
    content = hashlib.sha256()
    for i in range(count):
        content.update(chunks[i % distinct])
    t0 = time.monotonic()
    fid = s.post(f"{url}/v1/uploads", json={"filename": "bench.bin", "bytes": count * CHUNK}).json()["id"]
    args = ["curl", "-sS", "--fail"]
    for i in range(count):
        if i > 0:
            args.append("--next")
        # -T streams the body; --data-binary @file reads it whole first, which capped this driver near
        # 150 MB/s. No Expect: 100-continue (a round trip per request that SDK clients do not make).
        args += ["-T", bodies[i % distinct], "-H", "Expect:", "-o", "/dev/null",
                 "-H", f"Authorization: Bearer {key}", "-H", "Content-Type: application/json",
                 f"{url}/v1/uploads/{fid}"]
    if subprocess.run(args).returncode != 0:
        print("an append failed", file=sys.stderr)
        return 1
    r = s.post(f"{url}/v1/uploads/{fid}/complete", json={"sha256": content.hexdigest()})
    t_app = time.monotonic() - t0
    appended = count * CHUNK
    for body in bodies:
        os.unlink(body)
    if r.status_code != 200:
        print(f"complete (appends) answered {r.status_code}: {r.text[:200]}", file=sys.stderr)
        return 1
    s.delete(f"{url}/v1/files/{fid}")

    # OpenAI parts, 4 in parallel.
    t0 = time.monotonic()
    fid = s.post(f"{url}/v1/uploads", json={"filename": "bench.bin", "bytes": size}).json()["id"]

    def send(index: int) -> str:
        with open(path, "rb") as f:
            f.seek(index * PART)
            data = f.read(PART)
        c = requests.Session()
        c.headers["Authorization"] = f"Bearer {key}"
        r = c.post(f"{url}/v1/uploads/{fid}/parts", files={"data": ("part", data)})
        if r.status_code != 200:
            raise RuntimeError(f"part answered {r.status_code}: {r.text[:200]}")
        return r.json()["id"]

    count = (size + PART - 1) // PART
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(send, range(count)))
    r = s.post(f"{url}/v1/uploads/{fid}/complete", json={"part_ids": ids, "sha256": want})
    t_parts = time.monotonic() - t0
    if r.status_code != 200:
        print(f"complete (parts) answered {r.status_code}: {r.text[:200]}", file=sys.stderr)
        return 1
    s.delete(f"{url}/v1/files/{fid}")
    print(f"{appended / t_app / 1e6:.1f} {size / t_parts / 1e6:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
