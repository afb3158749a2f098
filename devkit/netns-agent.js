'use strict';
/**
 * The door into one network namespace, run there as
 *   ip netns exec <ns> node netns-agent.js <unix-socket-path> <address>
 * It listens on a Unix socket (a file: reachable from every network namespace) and, for each
 * connection, reads a first line `<port>\n` and joins the rest of that connection to TCP
 * <address>:<port> inside the namespace. The test process, which lives in the host namespace
 * and cannot route to the lab, reaches the processes there this way (netns.ts opens a loopback
 * port on the host side of each door). A connection to a port nobody listens on is closed.
 *
 * Plain JavaScript with no imports from the devkit, so the same file runs under ts-jest (from
 * devkit/) and compiled (from build/devkit/, copied there by tsconfig.tools.json).
 */
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const net = require('node:net');

const [socketPath, address] = process.argv.slice(2);
if (socketPath === undefined || address === undefined) {
  process.stderr.write('usage: netns-agent.js <unix-socket-path> <address>\n');
  process.exit(2);
}

const server = net.createServer((door) => {
  let head = Buffer.alloc(0);
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const newline = head.indexOf(10);
    if (newline < 0) return;
    door.off('data', onData);
    door.pause();
    const port = Number(head.subarray(0, newline).toString('latin1'));
    const early = head.subarray(newline + 1);
    const inside = net.connect({ host: address, port }, () => {
      inside.setNoDelay(true);
      if (early.length > 0) inside.write(early);
      door.pipe(inside);
      inside.pipe(door);
      door.resume();
    });
    // Either side ending or failing ends both: the client sees what a refused or reset TCP
    // connection would have given it.
    const end = () => {
      door.destroy();
      inside.destroy();
    };
    inside.on('error', end);
    inside.on('close', end);
    door.on('close', end);
  };
  door.on('data', onData);
  door.on('error', () => door.destroy());
});

fs.rmSync(socketPath, { force: true });
server.listen(socketPath);
