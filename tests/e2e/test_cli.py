"""The operator's command line, run as the real `filesd` binary in subprocesses: a mistyped --data-dir
is refused (nothing created) unless --create-data-dir; `keys revoke` by id or by the whole key (whose
secret must match); `keys create --quiet`; --version; `projects list`; sizes with units in flags, the
environment and config files; the first key of a new data dir, written to a 0600 file when stdout is
not a terminal and printed, with runnable first commands, when it is."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from e2e_util import upload, upload_ok
from filesd_server import KEY_RE, REPO, filesd_bin, free_port, split_key


def run(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`filesd ARGS` with no FILESD_* setting inherited from the caller (plus `env`)."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("FILESD_")}
    e.update(env or {})
    return subprocess.run([filesd_bin(), *args], capture_output=True, text=True, timeout=30, env=e, cwd=cwd)


def key_state(srv, key_id: str) -> str:
    lines = [l for l in srv.list_keys() if l.split()[0] == key_id]
    assert len(lines) == 1, srv.list_keys()
    return "revoked" if "revoked" in lines[0] else "active"


def status_with(srv, key: str) -> int:
    return requests.get(srv.url + "/v1/files", headers={"Authorization": f"Bearer {key}"}, timeout=5).status_code


# ---- the data dir ------------------------------------------------------------------------------------

ADMIN_COMMANDS = [
    ("keys", "list"),
    ("keys", "create", "--project", "p"),
    ("keys", "revoke", "abcdefghijkl"),
    ("projects", "list"),
    ("projects", "show", "default"),
    ("projects", "set-quota", "p", "--files", "3"),
]


@pytest.mark.parametrize("command", ADMIN_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_mistyped_data_dir_is_refused_and_nothing_is_created(tmp_path, command):
    missing = tmp_path / "dtaa"
    p = run(*command, "--data-dir", str(missing))
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert f"data directory {missing} does not exist" in p.stderr, p.stderr
    assert "--create-data-dir" in p.stderr, "the error says how to proceed"
    assert not missing.exists(), "a refused command created the data dir"
    # The same through the environment.
    p = run(*command, env={"FILESD_DATA_DIR": str(missing)})
    assert p.returncode == 1 and "does not exist" in p.stderr, p.stderr
    assert not missing.exists()
    # A directory that exists but holds no filesd database (filesd.db) is refused too, left empty.
    empty = tmp_path / "empty"
    empty.mkdir()
    p = run(*command, "--data-dir", str(empty))
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert f"data directory {empty} holds no filesd database (filesd.db)" in p.stderr, p.stderr
    assert list(empty.iterdir()) == [], "a refused command wrote into the directory"


def test_create_data_dir_makes_a_data_dir_a_server_then_uses(server_factory, tmp_path):
    data = tmp_path / "new" / "data"
    p = run("keys", "create", "--project", "first", "--data-dir", str(data), "--create-data-dir", "--quiet")
    assert p.returncode == 0, p.stderr
    assert KEY_RE.fullmatch(p.stdout.strip()) and p.stdout.endswith("\n") and p.stdout.count("\n") == 1, \
        f"--quiet prints only the key: {p.stdout!r}"
    key = p.stdout.strip()
    assert (data / "filesd.db").is_file()
    assert data.stat().st_mode & 0o777 == 0o700
    p = run("projects", "set-quota", "second", "--files", "2", "--data-dir", str(tmp_path / "other"),
            "--create-data-dir")
    assert p.returncode == 0 and "quota_files  2" in p.stdout, (p.stdout, p.stderr)
    # Now an existing database: the commands without the flag work on it, and the server uses it.
    assert run("keys", "list", "--data-dir", str(data)).returncode == 0
    srv = server_factory(data_dir=data)
    assert status_with(srv, key) == 200
    assert not (data / "initial-api-key").exists(), "a key existed: no first key is made"


# ---- keys ----------------------------------------------------------------------------------------------

def test_keys_create_quiet_prints_only_the_key(server):
    p = server.cli("keys", "create", "--project", "quiet-cli", "--quiet")
    assert KEY_RE.fullmatch(p.stdout.rstrip("\n")), repr(p.stdout)
    assert p.stdout.count("\n") == 1 and p.stderr == ""
    assert status_with(server, p.stdout.strip()) == 200


def test_revoke_by_the_whole_key(server):
    key = server.create_key("revoke-by-key")
    key_id, secret = split_key(key)
    assert status_with(server, key) == 200
    p = server.cli("keys", "revoke", key)
    assert f"Revoked key {key_id}." in p.stdout
    assert secret not in p.stdout + p.stderr, "the secret was printed back"
    assert key_state(server, key_id) == "revoked"
    assert status_with(server, key) == 403
    # Revoking again by key is accepted (the secret still matches); the key stays revoked.
    assert server.cli("keys", "revoke", key, check=False).returncode == 0


def test_revoke_by_id(server):
    key = server.create_key("revoke-by-id")
    key_id, _ = split_key(key)
    p = server.cli("keys", "revoke", key_id)
    assert f"Revoked key {key_id}." in p.stdout
    assert status_with(server, key) == 403
    p = server.cli("keys", "revoke", "aaaaaaaaaaaa", check=False)
    assert p.returncode == 1 and "no key has id aaaaaaaaaaaa" in p.stderr, p.stderr


def test_revoke_refuses_a_key_whose_secret_does_not_match(server):
    key = server.create_key("revoke-wrong-secret")
    key_id, secret = split_key(key)
    wrong_secret = ("B" if secret[0] != "B" else "C") + secret[1:]
    wrong = f"fsd_{key_id}_{wrong_secret}"
    p = server.cli("keys", "revoke", wrong, check=False)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "nothing was revoked" in p.stderr and key_id in p.stderr, p.stderr
    assert wrong_secret not in p.stdout + p.stderr and secret not in p.stdout + p.stderr
    assert key_state(server, key_id) == "active"
    assert status_with(server, key) == 200
    # Neither a key id nor a key: refused without echoing what was given (it may be a secret).
    for given in ("not-a-key", "fsd_garbage_but_secret_looking_text"):
        p = server.cli("keys", "revoke", given, check=False)
        assert p.returncode == 1 and "nothing was revoked" in p.stderr, p.stderr
        assert given not in p.stderr


# ---- version, projects list ----------------------------------------------------------------------------

def test_version_is_the_one_of_cmake_project():
    version = re.search(r"project\(filesd VERSION ([0-9.]+)", (REPO / "CMakeLists.txt").read_text()).group(1)
    for args in (["--version"], ["version"]):
        p = run(*args)
        assert p.returncode == 0 and p.stdout == f"filesd {version}\n", (args, p.stdout, p.stderr)


def test_projects_list_shows_every_project_aligned(server):
    a_key = server.create_key("plist-a")
    server.create_key("plist-b")
    server.cli("projects", "set-quota", "plist-b", "--bytes", "1MiB", "--files", "10")
    upload_ok(server.session(a_key), b"x" * 1234)
    lines = server.cli("projects", "list").stdout.splitlines()
    assert lines[0].split() == ["PROJECT", "ID", "FILES", "BYTES", "QUOTA_FILES", "QUOTA_BYTES"], lines[0]
    rows = {l.split()[0]: l for l in lines[1:]}
    a, b = rows["plist-a"].split(), rows["plist-b"].split()
    assert re.fullmatch(r"[0-9a-f-]{36}", a[1]) and a[2:] == ["1", "1234", "none", "none"], a
    assert b[2:] == ["0", "0", "10", str(1 << 20)], b
    show = server.cli("projects", "show", "plist-a").stdout
    assert f"id           {a[1]}" in show
    # Aligned: text columns start, and number columns end, at the same offset on every line.
    spans = {tuple((m.start() if i < 2 else m.end()) for i, m in enumerate(re.finditer(r"\S+", l)))
             for l in lines}
    assert len(spans) == 1, "columns are not aligned:\n" + "\n".join(lines)


# ---- sizes with units ----------------------------------------------------------------------------------

def test_serve_takes_sizes_with_units(server_factory, tmp_path):
    for flags, env in (({"max-file-bytes": "1KB"}, {}),                       # flag
                       ({}, {"FILESD_MAX_FILE_BYTES": "1 kB"})):              # environment
        srv = server_factory(flags, env=env, start=False)
        key = srv.create_key("units")
        srv.start()
        s = srv.session(key)
        assert upload(s, b"a" * 1000).status_code == 200, "1KB is 1000 bytes"
        assert upload(s, b"a" * 2000).status_code == 413
        assert srv.stop() == 0
    conf = tmp_path / "units.ini"
    conf.write_text("max-file-bytes = 1KiB\nmax-header-bytes = 16KiB\nprocess-memory-bytes = 1GiB\n")
    srv = server_factory({"config": str(conf)}, start=False)
    key = srv.create_key("units")
    srv.start()
    assert upload(srv.session(key), b"a" * 1024).status_code == 200, "1KiB is 1024 bytes"
    assert upload(srv.session(key), b"a" * 1025).status_code == 413


@pytest.mark.parametrize("value,message", [
    ("10XB", "unknown unit 'XB'"),
    ("10M", "unknown unit 'M'"),
    ("-5", "negative"),
    ("1.5GB", "fractions are not accepted"),
    ("99999999TiB", "more than 18446744073709551615 bytes"),
    ("lots", "'lots' is not a size"),
])
def test_serve_refuses_bad_sizes(tmp_path, value, message):
    data = tmp_path / "data"
    for args, env in ((["--max-file-bytes", value], {}),
                      ([], {"FILESD_MAX_TEXT_BYTES": value})):
        p = run("serve", "--data-dir", str(data), "--listen", "127.0.0.1:0", *args, env=env)
        assert p.returncode == 2, (p.returncode, p.stderr)
        assert message in p.stderr and "e.g. 10MB or 8GiB" in p.stderr, p.stderr
        assert not data.exists()


def test_help_shows_size_defaults_readably():
    p = run("serve", "--help")
    assert p.returncode == 0
    assert re.search(r"--max-file-bytes SIZE=8GiB", p.stdout), p.stdout
    assert re.search(r"--max-header-bytes SIZE=16KiB", p.stdout), p.stdout


def test_set_quota_bytes_takes_units_and_none(server):
    server.create_key("quota-units")
    show = server.cli("projects", "set-quota", "quota-units", "--bytes", "2GB").stdout
    assert "quota_bytes  2000000000" in show, show
    show = server.cli("projects", "set-quota", "quota-units", "--bytes", "1 GiB").stdout
    assert f"quota_bytes  {1 << 30}" in show, show
    show = server.cli("projects", "set-quota", "quota-units", "--bytes", "none").stdout
    assert "quota_bytes  none" in show, show
    p = server.cli("projects", "set-quota", "quota-units", "--bytes", "12QB", check=False)
    assert p.returncode == 1 and "unknown unit 'QB'" in p.stderr and "'none'" in p.stderr, p.stderr
    p = server.cli("projects", "set-quota", "never-made", "--bytes", "-1", check=False)
    assert p.returncode == 1 and "negative" in p.stderr
    assert "never-made" not in server.cli("projects", "list").stdout, "a refused set-quota made the project"


# ---- the first key -------------------------------------------------------------------------------------

def test_first_key_goes_to_a_private_file_when_stdout_is_not_a_terminal(server_factory):
    srv = server_factory()
    key_file = srv.data_dir / "initial-api-key"
    assert key_file.exists(), f"no {key_file} at first start:\n{srv.stderr_text()[-2000:]}"
    assert key_file.stat().st_mode & 0o777 == 0o600
    text = key_file.read_text()
    assert KEY_RE.fullmatch(text.rstrip("\n")) and text.endswith("\n"), "the file holds the key and a newline"
    key = text.strip()
    err, out = srv.stderr_text(), srv.stdout_text()
    assert str(key_file) in err, "the log says where the key is"
    assert key not in err and key not in out and not KEY_RE.findall(err + out), "a key is in a log"
    assert split_key(key)[1] not in err + out
    assert status_with(srv, key) == 200
    listing = srv.list_keys()
    assert len(listing) == 1 and "default" in listing[0] and "active" in listing[0], listing
    # A restart makes no other key and leaves the file alone.
    assert srv.stop() == 0
    srv.start()
    assert "initial-api-key" not in srv.stderr_since_start()
    assert key_file.read_text() == text and len(srv.list_keys()) == 1


def read_until(fd: int, done, timeout: float = 20.0) -> bytes:
    """What the terminal `fd` shows, read until done(output) holds."""
    out = b""
    deadline = time.monotonic() + timeout
    while not done(out):
        left = deadline - time.monotonic()
        assert left > 0, f"not printed in time; got:\n{out.decode(errors='replace')}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the process closed the terminal
                chunk = b""
            assert chunk, f"output ended early:\n{out.decode(errors='replace')}"
            out += chunk
    return out


def test_first_key_is_printed_with_runnable_commands_on_a_terminal(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILESD_")}
    with open(tmp_path / "stderr.log", "wb") as err:
        proc = subprocess.Popen([filesd_bin(), "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data)],
                                stdin=subprocess.DEVNULL, stdout=slave, stderr=err, env=env)
    os.close(slave)
    try:
        raw = read_until(master, lambda out: re.search(rb"More keys:[^\n]*\n", out))
        text = raw.decode().replace("\r\n", "\n")  # the terminal turns \n into \r\n
        # Every line printed ends with a newline: no \n without the terminal's \r before it.
        assert raw.count(b"\n") == raw.count(b"\r\n"), raw
        keys = KEY_RE.findall(text)
        assert len(keys) >= 1 and len(set(keys)) == 1, text
        key = keys[0]
        assert not (data / "initial-api-key").exists(), "on a terminal the key is shown, not filed"
        assert key not in (tmp_path / "stderr.log").read_text(), "the key is in the log (stderr)"
        assert f"filesd keys create --project NAME --data-dir {data}" in text, text
        # The commands run as printed, copied from BASE= to the last curl line.
        lines = text.splitlines()
        first = next(i for i, l in enumerate(lines) if l.startswith("BASE="))
        block = []
        for line in lines[first:]:
            if not line.strip():
                break
            block.append(line)
        assert block[1] == f"KEY={key}" and any(l.startswith("curl") for l in block), block
        for _ in range(100):
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        workdir = tmp_path / "elsewhere"
        workdir.mkdir()
        shell = subprocess.run(["bash", "-e", "-c", "\n".join(block) + "\n"], capture_output=True, text=True,
                               timeout=30, cwd=workdir)
        assert shell.returncode == 0, (block, shell.stdout, shell.stderr)
        assert '"filename":"hello.txt"' in shell.stdout.replace(" ", ""), shell.stdout
        assert shell.stdout.endswith("\n")
        assert list(workdir.iterdir()) == [], "the printed commands wrote files into the current directory"
    finally:
        proc.send_signal(signal.SIGTERM)
        # Drain the terminal so the server never blocks writing its request log.
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    os.read(master, 4096)
                except OSError:
                    break
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
    assert proc.returncode == 0
