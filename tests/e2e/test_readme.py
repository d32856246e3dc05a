"""The README's shell blocks run as written, in order, after `make run`: the same commands a new user
copies, against a real server, in one shell so that variables carry from block to block.

The block that holds `make run` itself is the setup this test stands in for; every other ```sh block
runs. The commands find the server at $BASE (the README sets `BASE=${BASE:-http://127.0.0.1:8080}`)
and the `build/filesd` CLI and the `data` directory relative to the working directory, as from the
repository after `make run`; here `build` and `data` are links to the binary's directory and the
server's data dir, so nothing is written into the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from filesd_server import REPO, filesd_bin

BLOCK_RE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def readme_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [b for b in BLOCK_RE.findall(text) if "make run" not in b]


def test_readme_has_runnable_blocks():
    blocks = readme_blocks()
    assert len(blocks) >= 5, "the README's shell blocks were not found"
    # Every variable the blocks read was set earlier in them (BASE is set by the first one too).
    script = "\n".join(blocks)
    first_set = {}
    for m in re.finditer(r"^\s*([A-Z_][A-Z0-9_]*)=", script, re.M):
        first_set.setdefault(m.group(1), m.start())
    for m in re.finditer(r"\$\{?([A-Z_][A-Z0-9_]*)", script):
        assert first_set.get(m.group(1), len(script)) < m.start(), f"${m.group(1)} is read before it is set"


def test_readme_shell_blocks_run_as_written(server_factory, tmp_path):
    assert shutil.which("jq"), "jq is missing: scripts/deps.sh installs it (the README uses it)"
    srv = server_factory()
    work = tmp_path / "user"
    work.mkdir()
    (work / "build").symlink_to(Path(filesd_bin()).resolve().parent)
    (work / "data").symlink_to(srv.data_dir)

    script = ["set -euo pipefail"]
    for i, block in enumerate(readme_blocks(), 1):
        script.append(f"echo '>>> README block {i}'")
        script.append(block)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILESD_")}
    env["BASE"] = srv.url
    run = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env,
                         capture_output=True, text=True, timeout=300)
    out = run.stdout
    assert run.returncode == 0, f"README blocks failed (exit {run.returncode}):\n{out}\n{run.stderr}"

    # What a user reads in the output: the first upload was analysed and came back byte for byte,
    # the session and the parts completed, the retried upload was replayed, the revoked key refused.
    assert "the same bytes came back" in out
    assert '"status": "processed"' in out
    assert "CSV file with 2 rows" in out
    assert out.count('"status": "completed"') >= 2, out
    assert '"bytes": 3000000' in out
    assert '"bytes": 11' in out  # "hello " + "world"
    assert re.search(r"(?im)^idempotent-replayed: true", out)
    assert re.search(r"(?m)^403$", out)
    # Nothing the blocks fetched was an error body, and nothing landed outside the work dir.
    assert (work / "fruit-copy.csv").read_bytes() == (work / "fruit.csv").read_bytes()
