// Runs the official Dropbox JavaScript SDK against the dropbox-post
// emulator. The SDK builds every request and parses every response as it
// would with Dropbox; only the origin is rewritten, by the fetch given to
// it. internal/emulator/interop_test.go starts the emulator and runs
// this with:
//
//   EMULATOR_URL   the emulator's base URL
//   DROPBOX_TOKEN  an access token the emulator accepts
//   APP_KEY        an app key, and REFRESH_TOKEN a refresh token for it
//
// It prints one line per check and exits non-zero when one fails.

import assert from 'node:assert/strict';
import { Dropbox, DropboxAuth } from 'dropbox';

const base = process.env.EMULATOR_URL;
for (const name of ['EMULATOR_URL', 'DROPBOX_TOKEN', 'APP_KEY', 'REFRESH_TOKEN']) {
  if (!process.env[name]) {
    console.error(`interop: ${name} is not set`);
    process.exit(2);
  }
}

// Send https://api.dropboxapi.com, https://content.dropboxapi.com (and the
// OAuth token endpoint) to the emulator.
const fetchViaEmulator = (url, options) =>
  globalThis.fetch(String(url).replace(/^https:\/\/[a-z0-9.-]*dropboxapi\.com/, base), options);

const dbx = new Dropbox({ accessToken: process.env.DROPBOX_TOKEN, fetch: fetchViaEmulator });

const checks = [];
const check = (name, fn) => checks.push({ name, fn });

check('small upload (with the SDK content_hash)', async () => {
  const res = await dbx.filesUpload({ path: '/Interop/small.txt', contents: Buffer.from('hello from js') });
  assert.equal(res.status, 200);
  assert.equal(res.result.path_display, '/Interop/small.txt');
  assert.equal(res.result.size, 13);
  assert.match(res.result.content_hash, /^[0-9a-f]{64}$/);
});

check('session upload: start, append_v2, finish', async () => {
  const parts = ['first part, ', 'second part, ', 'last part'].map((s) => Buffer.from(s));
  const start = await dbx.filesUploadSessionStart({ contents: parts[0] });
  const id = start.result.session_id;
  assert.ok(id);
  await dbx.filesUploadSessionAppendV2({ cursor: { session_id: id, offset: parts[0].length }, contents: parts[1] });
  const fin = await dbx.filesUploadSessionFinish({
    cursor: { session_id: id, offset: parts[0].length + parts[1].length },
    commit: { path: '/Interop/session.txt', mode: 'add' },
    contents: parts[2],
  });
  assert.equal(fin.result.size, Buffer.concat(parts).length);
});

check('batch commit with finish_batch_v2', async () => {
  const entries = [];
  for (let i = 0; i < 3; i++) {
    const data = Buffer.from(`batch file ${i}`);
    const start = await dbx.filesUploadSessionStart({ close: true, contents: data });
    entries.push({
      cursor: { session_id: start.result.session_id, offset: data.length },
      commit: { path: `/Interop/batch/${i}.txt`, mode: { '.tag': 'add' } },
    });
  }
  const res = await dbx.filesUploadSessionFinishBatchV2({ entries });
  assert.deepEqual(res.result.entries.map((e) => e['.tag']), ['success', 'success', 'success']);
  assert.equal(res.result.entries[2].path_display, '/Interop/batch/2.txt');
});

check('recursive listing in pages', async () => {
  const want = [];
  for (let i = 0; i < 7; i++) {
    const path = `/Interop/tree/d${i % 2}/f${i}.txt`;
    await dbx.filesUpload({ path, contents: Buffer.from(path) });
    want.push(path);
  }
  let res = await dbx.filesListFolder({ path: '/interop/tree', recursive: true, limit: 4 });
  const seen = [];
  let pages = 1;
  for (;;) {
    assert.ok(res.result.entries.length <= 4);
    for (const e of res.result.entries) seen.push(`${e['.tag']}:${e.path_display}`);
    if (!res.result.has_more) break;
    res = await dbx.filesListFolderContinue({ cursor: res.result.cursor });
    pages++;
  }
  assert.ok(pages >= 3, `${pages} pages`);
  for (const p of want) assert.ok(seen.includes(`file:${p}`), `${p} missing from ${seen}`);
  assert.ok(seen.includes('folder:/Interop/tree/d0'));
});

check('download', async () => {
  const res = await dbx.filesDownload({ path: '/interop/SMALL.txt' });
  assert.equal(res.result.name, 'small.txt');
  assert.equal(Buffer.from(res.result.fileBinary).toString(), 'hello from js');
});

check('not found is a 409 the SDK parses', async () => {
  await assert.rejects(dbx.filesGetMetadata({ path: '/Interop/missing.txt' }), (err) => {
    assert.equal(err.status, 409);
    assert.match(err.error.error_summary, /^path\/not_found\//);
    assert.equal(err.error.error['.tag'], 'path');
    assert.equal(err.error.error.path['.tag'], 'not_found');
    return true;
  });
});

check('refresh token exchange with DropboxAuth', async () => {
  const auth = new DropboxAuth({
    clientId: process.env.APP_KEY,
    refreshToken: process.env.REFRESH_TOKEN,
    fetch: fetchViaEmulator,
  });
  await auth.refreshAccessToken();
  const token = auth.getAccessToken();
  assert.ok(token && token !== process.env.DROPBOX_TOKEN);
  assert.ok(auth.getAccessTokenExpiresAt() > new Date());
  const account = await new Dropbox({ auth, fetch: fetchViaEmulator }).usersGetCurrentAccount();
  assert.match(account.result.account_id, /^dbid:/);
});

let failed = 0;
for (const { name, fn } of checks) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (err) {
    failed++;
    console.log(`not ok - ${name}: ${err && err.stack ? err.stack : JSON.stringify(err)}`);
  }
}
console.log(`interop: ${checks.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
