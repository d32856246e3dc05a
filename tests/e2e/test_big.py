"""A 1 GiB upload through POST /v1/files and its download, with the server's peak RSS (VmHWM) under
64 MiB (API.md section 1: nothing is ever buffered whole in memory). The body is generated chunk by chunk
(never a 1 GiB object in this process either). The janitor runs every second meanwhile, so it must leave
an upload in progress alone."""

import hashlib
import os
import threading
import time

import pytest
import requests

from e2e_util import FIGURES, StreamingUpload

GIB = 1 << 30
RSS_LIMIT_KIB = 64 * 1024


class RssSampler(threading.Thread):
    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv, self.max_rss, self.stop_flag = srv, 0, threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                self.max_rss = max(self.max_rss, self.srv.proc_status_kib("VmRSS"))
            except (OSError, KeyError):
                return
            time.sleep(0.05)


def files_under(d):
    return [os.path.join(r, n) for r, _, names in os.walk(d) for n in names]


@pytest.mark.slow
def test_1gib_upload_and_download_in_flat_memory(server_factory):
    srv = server_factory({"max-file-bytes": 2 * GIB, "janitor-interval": 1, "deleted-retention": 1,
                          "read-timeout": 30}, start=False)
    key = srv.create_key("big")
    srv.start()
    auth = {"Authorization": f"Bearer {key}"}
    rss_start = srv.proc_status_kib("VmRSS")

    body = StreamingUpload(GIB, filename="big.bin")
    sampler = RssSampler(srv)
    sampler.start()
    t0 = time.monotonic()
    r = requests.post(srv.url + "/v1/files", data=body, headers={**auth, "Content-Type": body.content_type},
                      timeout=600)
    up_s = time.monotonic() - t0
    assert "Content-Length" in r.request.headers
    assert r.status_code == 200, r.text[:500]
    obj = r.json()
    assert obj["bytes"] == GIB and obj["size"] == GIB
    assert obj["sha256"] == body.sha256, "the server's sha256 differs from the bytes sent"
    hwm_up = srv.proc_status_kib("VmHWM")

    blobs = [p for p in files_under(srv.data_dir / "blobs") if os.path.getsize(p) == GIB]
    assert len(blobs) == 1, "the content is not stored once under DIR/blobs"
    assert files_under(srv.data_dir / "tmp") == [], "DIR/tmp holds files after a completed upload"

    t0 = time.monotonic()
    h, n = hashlib.sha256(), 0
    with requests.get(srv.url + f"/v1/files/{obj['id']}/content", headers=auth, stream=True, timeout=600) as d:
        assert d.status_code == 200
        assert int(d.headers["Content-Length"]) == GIB
        for chunk in d.raw.stream(1 << 20, decode_content=False):
            h.update(chunk)
            n += len(chunk)
    down_s = time.monotonic() - t0
    sampler.stop_flag.set()
    sampler.join()
    assert n == GIB and h.hexdigest() == body.sha256, "the downloaded content differs"
    hwm = srv.proc_status_kib("VmHWM")

    FIGURES.append(f"1 GiB upload {GIB / up_s / 1e6:.0f} MB/s, download {GIB / down_s / 1e6:.0f} MB/s; "
                   f"filesd RSS at start {rss_start / 1024:.1f} MiB, peak (VmHWM) after upload "
                   f"{hwm_up / 1024:.1f} MiB, after download {hwm / 1024:.1f} MiB")
    assert hwm_up < RSS_LIMIT_KIB, f"peak RSS {hwm_up / 1024:.1f} MiB during a 1 GiB upload (limit 64 MiB)"
    assert hwm < RSS_LIMIT_KIB, f"peak RSS {hwm / 1024:.1f} MiB during a 1 GiB download (limit 64 MiB)"

    # Delete: the janitor purges the 1 GiB blob after the 1 s retention.
    assert requests.delete(srv.url + f"/v1/files/{obj['id']}", headers=auth, timeout=30).status_code == 200
    deadline = time.monotonic() + 15
    while os.path.exists(blobs[0]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not os.path.exists(blobs[0]), "the deleted 1 GiB blob was not purged"
