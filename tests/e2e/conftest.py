"""Fixtures of the end-to-end suite: the built `filesd` binary (env FILESD_BIN) on a free loopback port
with its own temporary data dir, driven only over HTTP and through its CLI.

- `server`: one shared server for the whole session (most tests; each test uses its own project, so
  they do not see each other's files).
- `server_factory`: starts servers with particular flags (small body limit, short timeouts, janitor
  settings); every server it started is stopped with SIGTERM at teardown and must exit 0.
- `module_server_factory`: the same, for servers shared by the tests of one module.
- `new_key` / `api`: a key for a fresh project on the shared server, and a requests.Session using it.

When a test fails, the tail of each server's stdout (the JSON request log) and stderr is attached to
the report. Measured figures (1 GiB throughput, peak RSS) are printed in the terminal summary.

Run: FILESD_BIN=build/filesd /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e
     (add -m "not slow" to leave out the 1 GiB upload; CTest runs it as e2e_http)."""

from __future__ import annotations

import os
import shutil

import pytest
import requests

from e2e_util import FIGURES, unique_project
from filesd_server import Server, filesd_bin

# ------------------------------------------------------------------------------------------------
# Reports: attach the servers' logs to a failing test (the test's own servers, and every server that
# is still running, such as the shared one and module-scoped ones).

_LIVE: list[Server] = []


def _attach(item, srv: Server):
    servers = getattr(item, "_filesd_servers", None)
    if servers is None:
        servers = item._filesd_servers = []
    if srv not in servers:
        servers.append(srv)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        servers = list(getattr(item, "_filesd_servers", []))
        servers += [s for s in _LIVE if s.alive() and s not in servers]
        for srv in servers:
            out = srv.stdout_text().splitlines()[-15:]
            err = srv.stderr_text().splitlines()[-25:]
            report.sections.append((f"filesd :{srv.port} ({srv.workdir.name}) stdout tail", "\n".join(out)))
            report.sections.append((f"filesd :{srv.port} ({srv.workdir.name}) stderr tail", "\n".join(err)))


def pytest_terminal_summary(terminalreporter):
    for line in FIGURES:
        terminalreporter.write_line(f"filesd e2e: {line}")


def pytest_configure(config):
    b = filesd_bin()
    config.addinivalue_line("markers", "slow: long test (1 GiB upload)")
    if not (os.path.isfile(b) and os.access(b, os.X_OK)):
        raise pytest.UsageError(f"FILESD_BIN={b!r} is not an executable: build filesd first")


# ------------------------------------------------------------------------------------------------
# Fixtures

class _Factory:
    """Starts servers; `finish()` stops those still running with SIGTERM and reports any that did not
    exit 0, then removes their blobs (large files must not pile up in pytest's kept temp dirs)."""

    def __init__(self, base, item=None):
        self.base = base
        self.item = item
        self.started: list[Server] = []

    def __call__(self, flags: dict | None = None, start: bool = True, **kw) -> Server:
        srv = Server(self.base / f"srv{len(self.started)}", flags, **kw)
        self.started.append(srv)
        _LIVE.append(srv)
        if self.item is not None:
            _attach(self.item, srv)
        return srv.start() if start else srv

    def finish(self) -> list[str]:
        problems = []
        for srv in self.started:
            if srv.proc is not None and srv.exit_code is None and srv.proc.poll() is None:
                try:
                    code = srv.stop()
                    if code != 0:
                        problems.append(f"filesd on port {srv.port} exited {code} after SIGTERM:\n"
                                        + srv.stderr_text()[-2000:])
                except AssertionError as e:
                    problems.append(str(e))
            if srv in _LIVE:
                _LIVE.remove(srv)
            shutil.rmtree(srv.data_dir / "blobs", ignore_errors=True)
            shutil.rmtree(srv.data_dir / "tmp", ignore_errors=True)
        return problems


SHARED_FLAGS = {
    "max-header-bytes": 16384,
    "read-timeout": 10,
    "max-file-bytes": 64 << 20,
}


@pytest.fixture(scope="session")
def _shared_server(tmp_path_factory):
    f = _Factory(tmp_path_factory.mktemp("shared"))
    srv = f(SHARED_FLAGS)
    yield srv
    # Whatever the suite did to it (uploads up to 3 MiB, hostile multipart bodies, 8 clients at once),
    # the shared server's memory stayed flat.
    hwm_kib = srv.proc_status_kib("VmHWM") if srv.alive() else 0
    problems = f.finish()
    assert hwm_kib < 64 * 1024, f"the shared filesd peaked at {hwm_kib / 1024:.1f} MiB RSS (limit 64 MiB)"
    FIGURES.append(f"shared server peak RSS over the suite {hwm_kib / 1024:.1f} MiB")
    assert not problems, "; ".join(problems)


@pytest.fixture
def server(_shared_server, request) -> Server:
    assert _shared_server.alive(), "the shared filesd died:\n" + _shared_server.stderr_text()[-3000:]
    _attach(request.node, _shared_server)
    return _shared_server


@pytest.fixture
def server_factory(tmp_path, request):
    """server_factory(flags={...}, start=True, env=..., data_dir=..., use_env_for_listen=...) -> Server."""
    f = _Factory(tmp_path, request.node)
    yield f
    problems = f.finish()
    assert not problems, "; ".join(problems)


@pytest.fixture(scope="module")
def module_server_factory(tmp_path_factory, request):
    """Like server_factory, for servers shared by the tests of one module."""
    f = _Factory(tmp_path_factory.mktemp(request.module.__name__))
    yield f
    problems = f.finish()
    assert not problems, "; ".join(problems)


@pytest.fixture
def new_key(server):
    """Makes a key for a fresh project on the shared server: new_key() or new_key('name')."""
    def make(project: str | None = None) -> str:
        return server.create_key(project or unique_project())
    return make


@pytest.fixture
def api(server, new_key) -> requests.Session:
    """A session authenticated as a fresh project on the shared server."""
    s = server.session(new_key())
    yield s
    s.close()

