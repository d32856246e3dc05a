// End-to-end: the official `openai` npm SDK against a filesd it starts itself (FILESD_BIN) on a free
// loopback port with a temporary data dir (see filesd_server.mjs).
// Run: node --test tests/e2e/node/openai_sdk.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { toFile, AuthenticationError, PermissionDeniedError, NotFoundError, BadRequestError } from 'openai';
import { Filesd } from './filesd_server.mjs';

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

describe('openai SDK against filesd', () => {
  const server = new Filesd('filesd-sdk-');
  let key, otherKey, client, other, workDir;
  const requested = [];  // every URL the main client fetched

  before(async () => {
    key = server.createKey('sdk');
    otherKey = server.createKey('sdk-other');
    await server.start();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'filesd-sdk-files-'));
    client = new OpenAI({
      apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 60000,
      fetch: (url, init) => { requested.push(String(url)); return fetch(url, init); },
    });
    other = new OpenAI({ apiKey: otherKey, baseURL: `${server.url}/v1`, maxRetries: 0 });
  });

  after(async (t) => {
    const res = await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
    if (res.code !== 0) {
      console.error(server.logs());
      assert.fail(`filesd exited ${JSON.stringify(res)} after SIGTERM`);
    }
    server.cleanup();
  });

  function writeTemp(name, data) {
    const p = path.join(workDir, name);
    fs.writeFileSync(p, data);
    return p;
  }

  async function withLogs(fn) {
    try {
      return await fn();
    } catch (e) {
      console.error(server.logs());
      throw e;
    }
  }

  test('files.create from a read stream, retrieve, content byte-exact', () => withLogs(async () => {
    const data = crypto.randomBytes(300_001);
    const p = writeTemp('payload.bin', data);
    const created = await client.files.create({ file: fs.createReadStream(p), purpose: 'user_data' });
    assert.equal(created.object, 'file');
    assert.match(created.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(created.bytes, data.length);
    assert.equal(created.filename, 'payload.bin');
    assert.equal(created.purpose, 'user_data');
    assert.equal(created.sha256, sha256(data));
    assert.equal(typeof created.created_at, 'number');

    const got = await client.files.retrieve(created.id);
    assert.equal(got.id, created.id);
    assert.equal(got.bytes, data.length);
    assert.equal(got.filename, 'payload.bin');

    const res = await client.files.content(created.id);
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.length, data.length);
    assert.ok(body.equals(data), 'content differs from the uploaded bytes');
    assert.equal(res.headers.get('etag'), `"${sha256(data)}"`);
  }));

  test('files.create with toFile and a non-ASCII filename', () => withLogs(async () => {
    const name = 'résumé 東京.txt';
    const data = Buffer.from('bonjour 東京\n', 'utf8');
    const created = await client.files.create({ file: await toFile(data, name), purpose: 'assistants' });
    assert.equal(created.filename, name);
    assert.equal(created.purpose, 'assistants');
    const res = await client.files.content(created.id);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(data));
    const cd = res.headers.get('content-disposition');
    assert.match(cd, /^attachment/);
    const star = /filename\*=UTF-8''([^;\s]+)/i.exec(cd);
    assert.ok(star, `no filename* in ${cd}`);
    assert.equal(decodeURIComponent(star[1]), name);
  }));

  test('files.list auto-paginates with after, only own files', () => withLogs(async () => {
    const c = new OpenAI({
      apiKey: server.createKey('sdk-list'), baseURL: `${server.url}/v1`, maxRetries: 0,
      fetch: (url, init) => { requested.push(String(url)); return fetch(url, init); },
    });
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const f = await c.files.create({ file: await toFile(Buffer.from(`file ${i}`), `f${i}.txt`), purpose: 'user_data' });
      ids.push(f.id);
    }
    await other.files.create({ file: await toFile(Buffer.from('other'), 'other.txt'), purpose: 'user_data' });

    const first = await c.files.list({ limit: 2 });
    assert.equal(first.data.length, 2);
    assert.equal(first.has_more, true);

    requested.length = 0;
    const seen = [];
    for await (const f of c.files.list({ limit: 2 })) seen.push(f.id);
    assert.deepEqual([...seen].sort(), [...ids].sort(), 'auto-paging must visit each own file once');
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(requested.some((u) => new URL(u).searchParams.get('after')), 'the SDK paged with `after`');
    assert.equal(requested.length, 3, `expected 3 page requests for 5 files by 2, got ${requested.length}`);

    const asc = [];
    for await (const f of c.files.list({ limit: 2, order: 'asc' })) asc.push(f.id);
    assert.deepEqual(asc, [...seen].reverse());

    const all = await c.files.list();
    assert.equal(all.data.length, 5);
    assert.equal(all.has_more, false);
  }));

  test('a files.create retried by the SDK with an Idempotency-Key creates one file', () => withLogs(async () => {
    // The connection is lost after filesd answered the first attempt (simulated in `fetch`), so
    // the SDK retries the upload; the key makes the retry answer the same file instead of a copy.
    let posts = 0;
    const c = new OpenAI({
      apiKey: server.createKey('sdk-retry'), baseURL: `${server.url}/v1`, maxRetries: 2,
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        if (init.method === 'POST' && posts++ === 0) {
          await res.arrayBuffer();
          throw new TypeError('fetch failed (simulated: connection lost after the answer was sent)');
        }
        return res;
      },
    });
    const data = crypto.randomBytes(100_000);
    const created = await c.files.create(
      { file: await toFile(data, 'retried.bin'), purpose: 'user_data' },
      { headers: { 'Idempotency-Key': `retry-${crypto.randomUUID()}` } });
    assert.equal(posts, 2, 'the SDK retried the upload once');
    assert.equal(created.bytes, data.length);
    const all = await c.files.list();
    assert.deepEqual(all.data.map((f) => f.id), [created.id]);
  }));

  test('files.delete, then 404s as NotFoundError', () => withLogs(async () => {
    const f = await client.files.create({ file: await toFile(Buffer.from('bye'), 'bye.txt'), purpose: 'user_data' });
    const del = typeof client.files.delete === 'function' ? client.files.delete.bind(client.files)
      : client.files.del.bind(client.files);
    const res = await del(f.id);
    assert.deepEqual({ id: res.id, object: res.object, deleted: res.deleted }, { id: f.id, object: 'file', deleted: true });
    await assert.rejects(client.files.retrieve(f.id), (e) => e instanceof NotFoundError && e.status === 404);
    await assert.rejects(client.files.content(f.id), (e) => e instanceof NotFoundError && e.status === 404);
    await assert.rejects(del(f.id), (e) => e instanceof NotFoundError && e.status === 404);
    for await (const x of client.files.list()) assert.notEqual(x.id, f.id);
  }));

  test('NotFoundError for unknown, malformed and other projects\' ids', () => withLogs(async () => {
    await assert.rejects(client.files.retrieve(crypto.randomUUID()), (e) => e instanceof NotFoundError && e.status === 404);
    await assert.rejects(client.files.retrieve('not-a-uuid'), (e) => e instanceof NotFoundError && e.status === 404);
    const mine = await client.files.create({ file: await toFile(Buffer.from('mine'), 'mine.txt'), purpose: 'user_data' });
    await assert.rejects(other.files.retrieve(mine.id), (e) => e instanceof NotFoundError && e.status === 404);
    await assert.rejects(other.files.content(mine.id), (e) => e instanceof NotFoundError);
    await assert.rejects(other.files.delete(mine.id), (e) => e instanceof NotFoundError);
    assert.equal((await client.files.retrieve(mine.id)).id, mine.id);
  }));

  test('AuthenticationError (401) without a Bearer key', () => withLogs(async () => {
    const c = new OpenAI({
      apiKey: 'unused', baseURL: `${server.url}/v1`, maxRetries: 0,
      defaultHeaders: { Authorization: 'Basic Zm9vOmJhcg==' },
    });
    await assert.rejects(c.files.list(), (e) => {
      assert.ok(e instanceof AuthenticationError, `got ${e?.constructor?.name}: ${e}`);
      assert.equal(e.status, 401);
      assert.equal(e.code, 'missing_api_key');
      return true;
    });
  }));

  test('PermissionDeniedError (403) for an unknown key', () => withLogs(async () => {
    const c = new OpenAI({ apiKey: 'fsd_nosuchkey_0000000000000000000000', baseURL: `${server.url}/v1`, maxRetries: 0 });
    for (const call of [() => c.files.list(), () => c.files.retrieve(crypto.randomUUID()),
      async () => c.files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'user_data' })]) {
      await assert.rejects(call(), (e) => {
        assert.ok(e instanceof PermissionDeniedError, `got ${e?.constructor?.name}: ${e}`);
        assert.equal(e.status, 403);
        assert.equal(e.code, 'invalid_api_key');
        return true;
      });
    }
  }));

  test('uploads: create, parts in parallel, complete with part_ids and md5, done.file', () => withLogs(async () => {
    const pieces = [crypto.randomBytes(150_000), crypto.randomBytes(1), crypto.randomBytes(70_003), Buffer.from('tail\n')];
    const whole = Buffer.concat(pieces);
    const upload = await client.uploads.create({
      filename: 'parts.bin', purpose: 'user_data', bytes: whole.length, mime_type: 'application/octet-stream',
    });
    assert.equal(upload.object, 'upload');
    assert.equal(upload.status, 'pending');
    assert.equal(upload.file, null);
    assert.equal(upload.filename, 'parts.bin');
    assert.equal(upload.purpose, 'user_data');
    assert.equal(typeof upload.created_at, 'number');
    assert.ok(upload.expires_at > upload.created_at);
    assert.equal((await client.files.retrieve(upload.id)).status, 'uploading');

    // All parts at once; the ids are listed in content order whatever order they land in.
    const parts = await Promise.all(pieces.map(async (p, i) =>
      client.uploads.parts.create(upload.id, { data: await toFile(p, `part-${i}`) })));
    for (const part of parts) {
      assert.equal(part.object, 'upload.part');
      assert.equal(part.upload_id, upload.id);
      assert.match(part.id, /^part_/);
    }
    const md5 = crypto.createHash('md5').update(whole).digest('hex');
    const done = await client.uploads.complete(upload.id, { part_ids: parts.map((p) => p.id), md5 });
    assert.equal(done.object, 'upload');
    assert.equal(done.id, upload.id);
    assert.equal(done.status, 'completed');
    assert.equal(done.bytes, whole.length);
    assert.equal(done.file.object, 'file');
    assert.equal(done.file.bytes, whole.length);
    assert.equal(done.file.sha256, sha256(whole));

    const got = await client.files.retrieve(done.file.id);
    assert.deepEqual(got, done.file, 'done.file is the file object GET /v1/files/{id} answers');
    const res = await client.files.content(done.file.id);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(whole), 'content differs from the parts joined in order');

    // A completed upload takes no more parts.
    await assert.rejects(client.uploads.parts.create(upload.id, { data: await toFile(Buffer.from('late'), 'late') }),
      (e) => e.status === 409);
  }));

  test('uploads: a wrong md5 is refused and the upload stays open', () => withLogs(async () => {
    const data = Buffer.from('checked');
    const upload = await client.uploads.create({ filename: 'md5.txt', purpose: 'user_data', bytes: data.length, mime_type: 'text/plain' });
    const part = await client.uploads.parts.create(upload.id, { data: await toFile(data, 'p') });
    await assert.rejects(client.uploads.complete(upload.id, { part_ids: [part.id], md5: '0'.repeat(32) }),
      (e) => e instanceof BadRequestError && e.status === 400);
    const done = await client.uploads.complete(upload.id, { part_ids: [part.id] });
    assert.equal(done.status, 'completed');
    assert.equal(done.file.bytes, data.length);
  }));

  test('uploads: cancel', () => withLogs(async () => {
    const upload = await client.uploads.create({ filename: 'never.bin', purpose: 'user_data', bytes: 3, mime_type: 'application/octet-stream' });
    await client.uploads.parts.create(upload.id, { data: await toFile(Buffer.from('abc'), 'p') });
    const cancelled = await client.uploads.cancel(upload.id);
    assert.equal(cancelled.object, 'upload');
    assert.equal(cancelled.id, upload.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.file, null);
    await assert.rejects(client.files.retrieve(upload.id), (e) => e instanceof NotFoundError);
    await assert.rejects(client.uploads.complete(upload.id, { part_ids: [] }), (e) => e instanceof NotFoundError);
  }));

  // Names must round-trip byte-exactly, in the file object and in the download's Content-Disposition.
  // The SDK sends them through fetch's FormData (WHATWG form encoding: '"' as %22, backslash as is),
  // but its getName() keeps only what follows the last '/' or '\' of a name; names with a backslash
  // therefore go through fetch's FormData directly, which is what the SDK and browsers use to encode.
  async function expectRoundTrip(id, name, data) {
    const got = await client.files.retrieve(id);
    assert.equal(got.filename, name);
    const res = await client.files.content(id);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(data));
    const cd = res.headers.get('content-disposition');
    assert.match(cd, /^attachment; filename="[^"\\]*"/, cd);
    const star = /filename\*=UTF-8''([^;\s]+)/i.exec(cd);
    assert.ok(star, `no filename* in ${cd}`);
    assert.equal(decodeURIComponent(star[1]), name);
  }

  for (const name of ['Résumé "final".pdf', 'a"b.txt', '"quoted"', 'emoji 📄🎉.txt', '100% sure.txt']) {
    test(`filename round trip with the SDK: ${JSON.stringify(name)}`, () => withLogs(async () => {
      const data = Buffer.from(`named ${name}`, 'utf8');
      const created = await client.files.create({ file: await toFile(data, name), purpose: 'user_data' });
      assert.equal(created.filename, name);
      await expectRoundTrip(created.id, name, data);
    }));
  }

  for (const name of ['Résumé "final" \\ draft.pdf', 'back\\slash.csv', 'two\\\\back.txt', 'x\\"y.txt', 'end\\']) {
    test(`filename round trip with fetch's FormData: ${JSON.stringify(name)}`, () => withLogs(async () => {
      const data = Buffer.from(`named ${name}`, 'utf8');
      const form = new FormData();
      form.append('purpose', 'user_data');
      form.append('file', new Blob([data]), name);
      const res = await fetch(`${server.url}/v1/files`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${key}` } });
      const created = await res.json();
      assert.equal(res.status, 200, JSON.stringify(created));
      assert.equal(created.filename, name);
      await expectRoundTrip(created.id, name, data);
    }));
  }

  test('BadRequestError (400) for an unknown purpose', () => withLogs(async () => {
    await assert.rejects(
      client.files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'not-a-purpose' }),
      (e) => e instanceof BadRequestError && e.status === 400 && /purpose/.test(`${e.param} ${e.message}`));
  }));
});
