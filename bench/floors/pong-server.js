'use strict';
/**
 * The floor under a Node RESP server's PING throughput: a plain net server that answers every
 * PING with +PONG without parsing anything. It counts line ends (an inline PING is one line, a
 * multibulk one three, known from a connection's first byte) and writes all the answers a read
 * brought in with one write. Only PING is answered correctly. Prints "ready"; runs until killed.
 */
const net = require('node:net');
const { parseArgs } = require('node:util');

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const port = Number(values.port);
const PONG = '+PONG\r\n';
const NEWLINE = 10;
const MULTIBULK = 42; // '*'

const server = net.createServer({ noDelay: true }, (socket) => {
  let linesPerPing = 0;
  let pendingLines = 0;
  socket.on('data', (chunk) => {
    if (linesPerPing === 0) linesPerPing = chunk[0] === MULTIBULK ? 3 : 1;
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) pendingLines++;
    const pings = Math.floor(pendingLines / linesPerPing);
    pendingLines -= pings * linesPerPing;
    if (pings > 0) socket.write(pings === 1 ? PONG : PONG.repeat(pings));
  });
  socket.on('error', () => {});
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
