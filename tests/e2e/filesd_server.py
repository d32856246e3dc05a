"""The filesd process under test: started on a free loopback port (bind-to-0) with its own data dir,
awaited through /healthz, stopped with a signal; its CLI (`filesd keys ...`) on the same data dir."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
# fsd_<keyid>_<secret>; the key id has no '_', the secret may be base64url.
KEY_RE = re.compile(r"fsd_[A-Za-z0-9]+_[A-Za-z0-9_-]+")


def split_key(key: str) -> tuple[str, str]:
    """(key id, secret) of a key `fsd_<keyid>_<secret>`."""
    assert KEY_RE.fullmatch(key), key
    _, key_id, secret = key.split("_", 2)
    return key_id, secret


def filesd_bin() -> str:
    b = os.environ.get("FILESD_BIN") or str(REPO / "build" / "filesd")
    return b


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One filesd process. `flags` are extra `serve` flags (name without dashes -> value)."""

    def __init__(self, workdir: Path, flags: dict | None = None, env: dict | None = None,
                 data_dir: Path | None = None, use_env_for_listen: bool = False):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir = Path(data_dir) if data_dir else self.workdir / "data"
        self.flags = dict(flags or {})
        self.extra_env = dict(env or {})
        self.use_env_for_listen = use_env_for_listen
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.starts = 0
        self.stdout_path = self.workdir / "stdout.log"
        self.stderr_path = self.workdir / "stderr.log"
        self.exit_code: int | None = None

    # -- process ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 20.0) -> "Server":
        last_err = ""
        self.exit_code = None
        for _attempt in range(3):  # the bind-to-0 port may be taken again in between: retry
            self.port = free_port()
            self.starts += 1
            args = [filesd_bin(), "serve"]
            # Only the test's own FILESD_* settings: none inherited from the caller's environment.
            env = {k: v for k, v in os.environ.items() if not k.startswith("FILESD_")}
            env.update(self.extra_env)
            if self.use_env_for_listen:
                env["FILESD_LISTEN"] = f"127.0.0.1:{self.port}"
                env["FILESD_DATA_DIR"] = str(self.data_dir)
            else:
                args += ["--listen", f"127.0.0.1:{self.port}", "--data-dir", str(self.data_dir)]
            for k, v in self.flags.items():
                args += [f"--{k}", str(v)]
            self.args = args
            with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
                marker = f"\n===== start #{self.starts}: {' '.join(args)}\n".encode()
                err.write(marker)
                err.flush()
                self._stdout_offset = out.tell()
                self._stderr_offset = err.tell()
                self.proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_err = self.stderr_since_start()[-2000:]
                    break
                try:
                    r = requests.get(self.url + "/healthz", timeout=1)
                    if r.status_code == 200:
                        return self
                except requests.RequestException:
                    pass
                time.sleep(0.05)
            else:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"filesd did not answer /healthz within {timeout}s:\n{self.stderr_text()[-3000:]}")
        raise AssertionError(f"filesd exited at start (code {self.proc.returncode}):\n{last_err}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Sends `sig` and waits; returns the exit code (kills and fails after `timeout`)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"filesd did not exit within {timeout}s of signal {sig}")
        self.exit_code = self.proc.returncode
        return self.exit_code

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- logs ------------------------------------------------------------------------------------
    def stdout_text(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def stderr_since_start(self) -> str:
        with open(self.stderr_path, "rb") as f:
            f.seek(self._stderr_offset)
            return f.read().decode(errors="replace")

    def log_records(self) -> list[dict]:
        """The JSON lines of stdout (one per request); a non-JSON line fails the caller."""
        out = []
        for line in self.stdout_text().splitlines():
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    raise AssertionError(f"stdout line is not JSON: {line!r}")
        return out

    def wait_for_log(self, pred, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for rec in self.log_records():
                if pred(rec):
                    return rec
            if time.monotonic() > deadline:
                raise AssertionError("no matching request log line on stdout; last lines:\n" +
                                     "\n".join(self.stdout_text().splitlines()[-10:]))
            time.sleep(0.1)

    # -- /proc -----------------------------------------------------------------------------------
    def proc_status_kib(self, field: str) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)

    # -- CLI -------------------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [filesd_bin(), *args, "--data-dir", str(self.data_dir)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("FILESD_")}
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=env)
        if check:
            assert p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
        return p

    def create_key(self, project: str) -> str:
        # Before the first start the data dir does not exist yet: ask for it to be made.
        p = self.cli("keys", "create", "--project", project, "--create-data-dir")
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        assert lines, f"keys create printed nothing:\n{p.stderr}"
        key = lines[-1].strip()
        assert KEY_RE.fullmatch(key), f"last stdout line of keys create is not a key: {key!r}"
        return key

    def list_keys(self) -> list[str]:
        """The lines of `keys list` that describe a key (a header line, if any, is left out)."""
        return [l for l in self.cli("keys", "list").stdout.splitlines() if re.search(r"\b(active|revoked)\b", l)]

    def key_id_of(self, key: str) -> str:
        """The key id of `key` (format fsd_<keyid>_<secret>), cross-checked with `keys list`."""
        key_id, _ = split_key(key)
        listing = "\n".join(self.list_keys())
        if not re.search(r"(^|\s)" + re.escape(key_id) + r"(\s|$)", listing, re.M):
            raise AssertionError(f"key id {key_id} not in `keys list`:\n{listing}")
        return key_id

    def session(self, key: str | None) -> requests.Session:
        s = requests.Session()
        if key is not None:
            s.headers["Authorization"] = f"Bearer {key}"
        s.base = self.url  # type: ignore[attr-defined]
        return s
