import net from 'node:net';

/**
 * Ports this process has handed out. A devnet picks its peers', orderer's, CAs' and chaincode servers'
 * ports before binding them, and the OS may give a port it has just released to the next pick: a chaincode
 * server then held a peer's port and the peer failed with EADDRINUSE (twice in ~50 devnet starts one day).
 */
const handedOut = new Set<number>();
const MAX_PICKS = 50;

/** A port the OS says is free right now on the host, and not handed out by this process before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let pick = 0; pick < MAX_PICKS; pick++) {
    const port = await unusedPort(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`could not find a free port on ${host} not already handed out`);
}

/** Bind to port 0, read the port, release it. */
function unusedPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not allocate a port'));
      });
    });
  });
}
