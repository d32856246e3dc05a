// Shared by the Node end-to-end tests: a filesd (FILESD_BIN, else build/filesd) on a free loopback
// port with a temporary data dir, keys made with the `filesd keys create` CLI, logs kept for failures.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The tests run on the pinned Node of tools/node (scripts/npm-install.sh installs it); on another
// Node they fail here, loudly, rather than midway through a test.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 22) {
  throw new Error(`the JavaScript tests need Node.js 22 (tools/node); this is ${process.version}`);
}
export const BIN = process.env.FILESD_BIN || path.resolve(here, '../../../build/filesd');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The environment without FILESD_* variables, so only the flags given here configure filesd.
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FILESD_')));

// One filesd process with its own data dir; logs go to files in that dir and are printed on failure.
export class Filesd {
  constructor(prefix = 'filesd-e2e-') {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dataDir = path.join(this.dir, 'data');
  }

  cli(...args) {
    return execFileSync(BIN, [...args, '--data-dir', this.dataDir], { encoding: 'utf8', env: cleanEnv() });
  }

  createKey(project) {
    // Before the first start the data dir does not exist yet: ask for it to be made.
    const lines = this.cli('keys', 'create', '--project', project, '--create-data-dir')
      .split('\n').filter((l) => l.trim());
    const key = lines.at(-1).trim();
    assert.match(key, /^fsd_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/);
    return key;
  }

  // extraArgs: more `serve` flags, e.g. ['--cors-origins', 'http://127.0.0.1:1234'].
  async start(extraArgs = []) {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    const out = fs.openSync(path.join(this.dir, 'stdout.log'), 'a');
    const err = fs.openSync(path.join(this.dir, 'stderr.log'), 'a');
    this.proc = spawn(BIN,
      ['serve', '--listen', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir, ...extraArgs],
      { stdio: ['ignore', out, err], env: cleanEnv() });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) break;
      try {
        const r = await fetch(`${this.url}/healthz`);
        if (r.status === 200) return;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    throw new Error(`filesd did not start:\n${this.logs()}`);
  }

  async stop() {
    if (!this.proc) return { code: 0 };
    if (this.proc.exitCode !== null) return { code: this.proc.exitCode };
    this.proc.kill('SIGTERM');
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve({ code: 'timeout' }), 10000); });
    const res = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (res.code === 'timeout') this.proc.kill('SIGKILL');
    return res;
  }

  logs() {
    const read = (f) => { try { return fs.readFileSync(path.join(this.dir, f), 'utf8'); } catch { return ''; } };
    return `--- stderr ---\n${read('stderr.log').slice(-3000)}\n--- stdout ---\n${read('stdout.log').slice(-3000)}`;
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  // Runs fn; if it throws, prints this server's logs first.
  async withLogs(fn) {
    try {
      return await fn();
    } catch (e) {
      console.error(this.logs());
      throw e;
    }
  }
}
