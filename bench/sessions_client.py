#!/usr/bin/env python3
"""Upload-session throughput for bench/run.sh (API.md section 5).

Usage: sessions_client.py URL KEY FILE
Prints one line: "<appends MB/s> <parts MB/s>", decoded bytes per second of
  - appends: POST /v1/uploads, then PUT /v1/uploads/{id} with 5 MiB chunks ({"data": base64,
    "offset"}) over one keep-alive connection, then complete (the time includes the client's Base64
    encoding, which a real client pays too);
  - parts: POST /v1/uploads, 64 MiB parts sent 4 at a time (multipart field `data`), then complete
    with the part ids in order.
Each upload's sha256 is checked on complete; a mismatch or a non-200 exits 1."""

import base64
import concurrent.futures
import hashlib
import os
import sys
import time

import requests

CHUNK = 5 << 20
PART = 64 << 20


def main() -> int:
    url, key, path = sys.argv[1:4]
    size = os.path.getsize(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    want = h.hexdigest()
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {key}"

    # Appends over one connection.
    t0 = time.monotonic()
    fid = s.post(f"{url}/v1/uploads", json={"filename": "bench.bin", "bytes": size}).json()["id"]
    offset = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            r = s.put(f"{url}/v1/uploads/{fid}",
                      data=b'{"offset":%d,"data":"' % offset + base64.b64encode(chunk) + b'"}',
                      headers={"Content-Type": "application/json"})
            if r.status_code != 200:
                print(f"append answered {r.status_code}: {r.text[:200]}", file=sys.stderr)
                return 1
            offset += len(chunk)
    r = s.post(f"{url}/v1/uploads/{fid}/complete", json={"sha256": want})
    t_app = time.monotonic() - t0
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
    print(f"{size / t_app / 1e6:.1f} {size / t_parts / 1e6:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
