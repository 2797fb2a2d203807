import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort } from './ports';

void test('freePort never hands out the same port twice, though the OS reuses released ports', async () => {
  // 400 picks from Linux's ~14,000 ports for bind(0) repeat one with a probability of ~99.7 %.
  const ports: number[] = [];
  for (let i = 0; i < 400; i++) ports.push(await freePort());
  assert.equal(new Set(ports).size, ports.length);
});

void test('a port from freePort can be bound at once', async () => {
  const port = await freePort();
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  assert.equal((server.address() as net.AddressInfo).port, port);
  await new Promise((resolve) => server.close(resolve));
});
