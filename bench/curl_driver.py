"""Shared by the benchmark drivers (upload_core_client.py, data_path_client.py): every byte goes through
curl (C, one process per stream, streaming from files, no Expect: 100-continue), so the driver is the
same for every server and far from the bottleneck; control calls (create, complete, delete) use
http.client. Any unexpected answer exits 1 with the reason on stderr (fail)."""

import hashlib
import http.client
import json
import os
import subprocess
import sys
import urllib.parse

# curl asks for 100-continue before bodies over 1 MiB, a round trip per request that SDK clients (Python
# requests, fetch) do not make; every transfer here goes without it.
NO_EXPECT = ["-H", "Expect:"]


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


class Api:
    """One keep-alive connection for the untimed control calls of a filesd."""

    def __init__(self, url, key):
        self.url = url
        self.key = key
        u = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)

    def call(self, method, path, body=None, want=200):
        headers = {"Authorization": f"Bearer {self.key}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        text = r.read()
        if r.status != want:
            fail(f"{method} {path} answered {r.status}: {text[:300]!r}")
        return json.loads(text) if text else None


def curl(args):
    return subprocess.Popen(["curl", "-sS", "--fail-with-body"] + args, stdout=subprocess.PIPE)


def chained(transfers):
    """One curl process doing the transfers (argument lists) in turn over one keep-alive connection;
    each prints its HTTP status, checked by check_codes."""
    args = []
    for i, t in enumerate(transfers):
        if i:
            args.append("--next")
        args += t + NO_EXPECT + ["-o", "/dev/null", "-w", "%{http_code}\n"]
    return curl(args)


def check_codes(outs, count, what, ok=(b"200",)):
    codes = b"".join(outs).split()
    if len(codes) != count or not set(codes) <= set(ok):
        fail(f"{what} answered {sorted(set(codes))!r} ({len(codes)} of {count})")


def wait_all(procs):
    outs = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            fail(f"curl exited {p.returncode}: {out[:300]!r}")
        outs.append(out)
    return outs


def cached_sha256(work, name, paths):
    """SHA-256 hex of the concatenation of paths, computed once per name (outside any timed span)."""
    memo = os.path.join(work, f"sha256-{name}")
    if not os.path.exists(memo):
        h = hashlib.sha256()
        for p in paths:
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
        with open(memo, "w") as f:
            f.write(h.hexdigest())
    with open(memo) as f:
        return f.read()
