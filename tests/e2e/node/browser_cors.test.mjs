// Real-browser CORS end-to-end test (API.md sections 4 and 8). Headless Chromium (Debian's `chromium`,
// driven by playwright-core) loads a page from one of two loopback origins and runs `fetch` in it, so
// the browser itself enforces CORS against a filesd started with `--cors-origins <allowed origin>`.
// It proves that:
//  - a page from the allowed origin runs the whole pre-signed flow (upload-url with a Bearer key, the
//    PUT of the bytes to the signed URL, confirm-upload) and reads the exposed X-Request-Id header; the
//    stored bytes are then checked server-side, by plain requests without an Origin;
//  - a page from any other origin is stopped by the browser: its upload-url call (preflighted because
//    of Authorization) rejects with a TypeError and creates nothing, and its PUT to a valid signed URL
//    rejects too and leaves the file `pending` without content, while the same URL then works from
//    the allowed origin.
// Run: FILESD_BIN=build/filesd node --test tests/e2e/node/browser_cors.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Filesd } from './filesd_server.mjs';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--no-first-run'];
const TEXT = 'hello from a real browser\n';

// A static HTTP server on 127.0.0.1 (a port of its own, so an origin of its own) serving one page.
async function startPageServer(title) {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><p>${title}</p></body></html>`;
  const srv = http.createServer((req, res) => {
    if (req.url !== '/') { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise((resolve, reject) => { srv.once('error', reject); srv.listen(0, '127.0.0.1', resolve); });
  const origin = `http://127.0.0.1:${srv.address().port}`;
  return { origin, close: () => new Promise((resolve) => srv.close(resolve)) };
}

// Runs `fetch(url, init)` inside the page, i.e. with the page's origin. `bytes` (an array of numbers)
// becomes the body. Answers what the page's script can see: status, readable headers and body text,
// or the error a blocked request rejects with.
function browserFetch(page, url, { bytes, ...init } = {}) {
  return page.evaluate(async ({ url, init, bytes }) => {
    if (bytes) init.body = new Uint8Array(bytes);
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10000) });
      return { status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() };
    } catch (e) {
      return { error: e.name, message: e.message };
    }
  }, { url, init, bytes });
}

// A plain server-side request from Node (no Origin header, so CORS plays no part).
async function serverFetch(url, key, init = {}) {
  const r = await fetch(url, { ...init, headers: { Authorization: `Bearer ${key}`, ...init.headers } });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
}

const jsonPost = (key, body) => ({
  method: 'POST',
  headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

const uploadUrlBody = (data) => ({ filename: 'hello.txt', purpose: 'user_data', file_size: data.length,
  content_type: 'text/plain' });

const signedPut = (data) => ({ method: 'PUT', headers: { 'Content-Type': 'text/plain' }, bytes: [...data] });

function assertBlocked(res, what) {
  assert.equal(res.error, 'TypeError', `${what} should be blocked by the browser, got ${JSON.stringify(res)}`);
}

function assertOk(res, what) {
  assert.ok(!res.error, `${what} failed in the browser: ${JSON.stringify(res)}`);
  assert.equal(res.status, 200, `${what}: ${res.status} ${res.body}`);
  // X-Request-Id is not a CORS-safelisted header: the page sees it only through Expose-Headers.
  assert.match(res.headers['x-request-id'] ?? '', /^\S+$/, `${what}: X-Request-Id not readable from JS`);
  return JSON.parse(res.body);
}

describe('CORS in a real browser', { timeout: 60000 }, () => {
  const server = new Filesd('filesd-cors-');
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'filesd-chromium-'));
  let allowed, other, context, allowedPage, otherPage, key, otherKey;

  const openPage = async (site) => {
    const page = await context.newPage();
    await page.goto(`${site.origin}/`);
    assert.equal(await page.evaluate(() => location.origin), site.origin);
    return page;
  };

  before(async () => {
    allowed = await startPageServer('allowed origin');
    other = await startPageServer('other origin');
    key = server.createKey('cors-allowed');
    otherKey = server.createKey('cors-other');
    await server.start(['--cors-origins', allowed.origin]);
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000,
    });
    allowedPage = await openPage(allowed);
    otherPage = await openPage(other);
  }, { timeout: 45000 });

  after(async () => {
    await context?.close().catch((e) => console.error(`closing chromium: ${e}`));
    await allowed?.close();
    await other?.close();
    const res = await server.stop();
    fs.rmSync(profileDir, { recursive: true, force: true });
    if (res.code !== 0) {
      console.error(server.logs());
      assert.fail(`filesd exited ${JSON.stringify(res)} after SIGTERM`);
    }
    server.cleanup();
  }, { timeout: 20000 });

  test('the allowed origin runs upload-url, PUT and confirm-upload from the page', () => server.withLogs(async () => {
    const data = Buffer.from(TEXT);
    const created = assertOk(await browserFetch(allowedPage, `${server.url}/v1/files/upload-url`,
      jsonPost(key, uploadUrlBody(data))), 'upload-url');
    assert.equal(created.success, true);

    assertOk(await browserFetch(allowedPage, created.upload_url, signedPut(data)), 'PUT to the signed URL');

    const confirmed = assertOk(await browserFetch(allowedPage, `${server.url}/v1/files/confirm-upload`,
      jsonPost(key, { file_id: created.file_id, filename: 'hello.txt', file_size: data.length })), 'confirm-upload');
    assert.equal(confirmed.success, true);
    assert.equal(confirmed.file_id, created.file_id);

    // The real state, asked server-side: the file holds exactly the bytes the page sent.
    const content = await serverFetch(`${server.url}/v1/files/${created.file_id}/content`, key);
    assert.equal(content.status, 200);
    assert.ok(content.body.equals(data), `stored content differs: ${JSON.stringify(content.body.toString())}`);
    const file = JSON.parse((await serverFetch(`${server.url}/v1/files/${created.file_id}`, key)).body);
    assert.equal(file.status, 'processed');
    assert.equal(file.bytes, data.length);
  }));

  test('another origin cannot call the API: the preflighted upload-url is blocked', () => server.withLogs(async () => {
    const res = await browserFetch(otherPage, `${server.url}/v1/files/upload-url`,
      jsonPost(otherKey, uploadUrlBody(Buffer.from(TEXT))));
    assertBlocked(res, 'upload-url from the other origin');
    // The browser never sent the POST: the other project has no file at all.
    const list = JSON.parse((await serverFetch(`${server.url}/v1/files`, otherKey)).body);
    assert.deepEqual(list.data, []);
  }));

  test('another origin cannot PUT to a valid signed URL; the allowed origin then can', () => server.withLogs(async () => {
    const data = Buffer.from(TEXT);
    const created = await serverFetch(`${server.url}/v1/files/upload-url`, otherKey,
      jsonPost(otherKey, uploadUrlBody(data)));
    assert.equal(created.status, 200, created.body.toString());
    const { file_id: id, upload_url: uploadUrl } = JSON.parse(created.body);

    assertBlocked(await browserFetch(otherPage, uploadUrl, signedPut(data)), 'PUT from the other origin');
    const file = JSON.parse((await serverFetch(`${server.url}/v1/files/${id}`, otherKey)).body);
    assert.equal(file.status, 'pending');
    assert.equal(file.bytes, 0);
    assert.equal((await serverFetch(`${server.url}/v1/files/${id}/content`, otherKey)).status, 404);

    // Control: the URL itself was fine; only the origin made the difference.
    assertOk(await browserFetch(allowedPage, uploadUrl, signedPut(data)), 'PUT from the allowed origin');
    const content = await serverFetch(`${server.url}/v1/files/${id}/content`, otherKey);
    assert.equal(content.status, 200);
    assert.ok(content.body.equals(data));
  }));
});
