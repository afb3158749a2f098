/** Free loopback ports for the processes and servers the tests, the demo and the benchmarks start. */
import * as net from 'node:net';

export const LOOPBACK = '127.0.0.1';

const handedOut = new Set<number>();

/**
 * A port on 127.0.0.1 that was free a moment ago. The OS picks it (bind to port 0); a port is
 * never handed out twice by this process, even after the probe socket released it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await bindEphemeral();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`No free port found on ${LOOPBACK}`);
}

function bindEphemeral(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('listen gave no port'))));
    });
  });
}
