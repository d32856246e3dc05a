"""Durability and concurrency of upload-session appends (API.md section 5).

- Crash: a client streams appends with offsets while the test kill -9's the server at random
  moments, restarts it on the same data dir, reads the size from GET /v1/files/{id} and resumes
  there. Every acknowledged byte must be present and in order, and the final content byte-exact.
  FILESD_CRASH_ROUNDS sets the number of kills (default 20).
- Concurrency: many clients appending to their own sessions, and racers on shared sessions (with
  offsets, and plain seed appends without): no chunk lost, duplicated or interleaved."""

from __future__ import annotations

import base64
import os
import random
import threading
import time

import requests

from e2e_util import sha256_hex

ROUNDS = int(os.environ.get("FILESD_CRASH_ROUNDS", "20"))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_kill_9_during_appends_loses_no_acknowledged_byte(server_factory):
    srv = server_factory({"janitor-interval": 1})
    key = srv.create_key("crash")
    api = srv.session(key)
    fid = api.post(f"{srv.url}/v1/uploads", json={"filename": "crash.bin"}).json()["id"]
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    expected = os.urandom(256 << 20) if ROUNDS > 40 else os.urandom(64 << 20)
    acked = 0          # the size of the last acknowledged append
    in_flight = 0      # the size the in-flight append would reach
    kills = 0
    torn_tails_seen = 0
    # Each round may send at most this much, so that data remains for every kill however fast the
    # appends run; a round that spends its budget waits for its kill (a crash at rest is a crash too).
    round_budget = len(expected) // (ROUNDS + 1)
    while kills < ROUNDS and acked < len(expected):
        killer = threading.Timer(rng.uniform(0.02, 0.35), srv.proc.kill)
        killer.start()
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {key}"
        round_start = acked
        try:
            while acked < len(expected) and acked - round_start < round_budget:
                n = rng.choice((1, 100, 4096, 65536, 300_000))
                chunk = expected[acked:acked + n]
                in_flight = acked + len(chunk)
                r = s.put(f"{srv.url}/v1/uploads/{fid}", json={"data": b64(chunk), "offset": acked},
                          timeout=30)
                assert r.status_code == 200, r.text
                assert r.json()["size"] == in_flight
                acked = in_flight
        except requests.ConnectionError:
            pass
        killer.join()
        srv.proc.wait()
        kills += 1
        blob = srv.data_dir / "blobs" / "content" / fid
        on_disk = sum(p.stat().st_size for p in blob.iterdir()) if blob.exists() else 0
        srv.start()
        s = srv.session(key)
        size = s.get(f"{srv.url}/v1/files/{fid}").json()["size"]
        # The in-flight append may or may not have landed; nothing acknowledged may be missing.
        assert size in (acked, in_flight), (size, acked, in_flight)
        if on_disk > size:
            torn_tails_seen += 1
        body = s.get(f"{srv.url}/v1/files/{fid}/content").content
        assert len(body) == size
        assert body == expected[:size], f"content differs after kill {kills}"
        acked = in_flight = size
    assert kills == ROUNDS
    s = srv.session(key)
    r = s.post(f"{srv.url}/v1/uploads/{fid}/complete", json={"sha256": sha256_hex(expected[:acked])})
    assert r.status_code == 200, r.text
    body = s.get(f"{srv.url}/v1/files/{fid}/content").content
    assert body == expected[:acked]
    assert s.get(f"{srv.url}/v1/files/{fid}").json()["size"] == len(body)
    print(f"crash test: {kills} kills, {acked} bytes, torn tails seen {torn_tails_seen}")


def test_concurrent_appends_lose_nothing(server, new_key):
    key = new_key()
    url = server.url
    errors: list[str] = []

    def session() -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {key}"
        return s

    def create() -> str:
        return session().post(f"{url}/v1/uploads", json={"filename": "c.bin"}).json()["id"]

    # 8 clients, each on its own session.
    own = {i: create() for i in range(8)}
    own_data = {i: [os.urandom(random.randint(1, 50000)) for _ in range(15)] for i in own}

    def own_client(i):
        s = session()
        size = 0
        for c in own_data[i]:
            r = s.put(f"{url}/v1/uploads/{own[i]}", json={"data": b64(c), "offset": size})
            if r.status_code != 200:
                errors.append(r.text)
                return
            size += len(c)
            if r.json()["size"] != size:
                errors.append(f"size {r.json()['size']} != {size}")

    # Racers on one session with offsets: refused chunks (409) are retried at the new size.
    shared_off = create()
    acked_off: list[tuple[int, bytes]] = []
    # Racers on one session with plain (seed) appends: every chunk lands exactly once.
    shared_plain = create()
    acked_plain: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def offset_racer(tag):
        s = session()
        for k in range(12):
            chunk = f"[{tag}:{k}]".encode() * random.randint(1, 400)
            while True:
                size = s.get(f"{url}/v1/files/{shared_off}").json()["size"]
                r = s.put(f"{url}/v1/uploads/{shared_off}", json={"data": b64(chunk), "offset": size})
                if r.status_code == 409:
                    continue
                if r.status_code != 200:
                    errors.append(r.text)
                    return
                with lock:
                    acked_off.append((r.json()["size"] - len(chunk), chunk))
                break

    def plain_racer(tag):
        s = session()
        for k in range(12):
            chunk = f"<{tag}:{k}>".encode() * random.randint(1, 400)
            r = s.put(f"{url}/v1/uploads/{shared_plain}", json={"data": b64(chunk)})
            if r.status_code != 200:
                errors.append(r.text)
                return
            with lock:
                acked_plain.append((r.json()["size"] - len(chunk), chunk))

    threads = [threading.Thread(target=own_client, args=(i,)) for i in own]
    threads += [threading.Thread(target=offset_racer, args=(t,)) for t in range(4)]
    threads += [threading.Thread(target=plain_racer, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]

    s = session()
    for i, fid in own.items():
        assert s.get(f"{url}/v1/files/{fid}/content").content == b"".join(own_data[i])
    for fid, acked in ((shared_off, acked_off), (shared_plain, acked_plain)):
        assert len(acked) == 48
        body = s.get(f"{url}/v1/files/{fid}/content").content
        # The acknowledged chunks, by their offsets, tile the content exactly.
        pos = 0
        for offset, chunk in sorted(acked):
            assert offset == pos, "a chunk was lost, duplicated or overlapped"
            assert body[offset:offset + len(chunk)] == chunk
            pos += len(chunk)
        assert pos == len(body)
