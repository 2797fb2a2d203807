// `npm start` as a user runs it: the API's CLI starts the devnet as a child process and the API in front of
// it, prints the URL and demo keys, serves the dashboard, and on Ctrl+C (SIGINT) stops both and exits 0,
// leaving no process behind (Apollo's own signal handlers once raced this shutdown and hung it).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir, removeDir } from '../integration/helpers';

const CLI = path.resolve(__dirname, '..', '..', 'api', 'src', 'cli.js');
/** The devnet's peer0.org1 port (the test-network's), free again once the devnet has stopped. */
const PEER_PORT = 7051;

const dir = makeTempDir('api-start-');
after(() => removeDir(dir));

function withoutNodeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_ENV'];
  return env;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

void test('start serves the API and the dashboard, and SIGINT stops the API and the devnet with exit code 0', async () => {
  assert.equal(await portOpen(PEER_PORT), false, `port ${PEER_PORT} must be free for this test`);
  const child = spawn(
    process.execPath,
    [
      CLI,
      'start',
      '--devnet-dir',
      path.join(dir, 'devnet'),
      '--data-dir',
      path.join(dir, 'api'),
      '--port',
      '0',
    ],
    // Without NODE_ENV=test, as a user runs it (Apollo installs its own signal handlers only then).
    // In a process group of its own, so that SIGINT goes to the whole group, as a terminal's Ctrl+C does.
    { stdio: ['ignore', 'pipe', 'pipe'], env: withoutNodeEnv(), detached: true },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    const deadline = Date.now() + 120_000;
    while (!/supplier\s+Org2MSP:supplier\s+Authorization: Bearer msq_/.test(out)) {
      if (child.exitCode !== null) assert.fail(`start exited early (${child.exitCode}):\n${out}`);
      if (Date.now() > deadline) assert.fail(`start printed no keys within 120 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = /GraphQL API\s+(http:\/\/\S+\/graphql)/.exec(out)?.[1];
    assert.ok(url, 'the API URL is printed');
    const page = await fetch(url.replace(/\/graphql$/, '/'));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>MANU-SQUARE/, 'the dashboard is served at /');
    assert.equal(await portOpen(PEER_PORT), true, 'the devnet is up');

    const [outBefore, errBefore] = [out.length, err.length];
    process.kill(-(child.pid as number), 'SIGINT');
    const code = await Promise.race([
      exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000)),
    ]);
    assert.equal(code, 0, 'exit code 0 within 20 s of SIGINT');
    assert.equal(await portOpen(PEER_PORT), false, 'the devnet stopped with the API');
    const shutdown = out.slice(outBefore) + err.slice(errBefore);
    assert.doesNotMatch(
      shutdown,
      /restarting|stream closed/,
      'a deliberate stop restarts and mourns nothing',
    );
  } finally {
    if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
  }
});
