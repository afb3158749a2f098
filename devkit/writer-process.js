'use strict';
/**
 * A client that writes to one Redis without pause and says which writes were acknowledged:
 *   node writer-process.js <host> <port> <key-prefix> <pause-ms> [password]
 * It sends `SET <prefix>:<n> <n>` for n = 1, 2, ... one at a time and prints one line per write
 * on stdout, with the time of the reply (Date.now()):
 *   `+ <n> <ms>`            the write was acknowledged (+OK)
 *   `- <n> <ms> <error>`    refused (e.g. READONLY once the master was demoted)
 *   `? <n> <ms> <why>`      no reply: the connection failed or 2 s passed; outcome unknown
 * It reconnects after a failed connection and runs until killed. writer.ts is its handle; it
 * is a separate process so that it can run inside a network namespace beside its master.
 *
 * Plain JavaScript with no imports from the devkit, so the same file runs under ts-jest (from
 * devkit/) and compiled (from build/devkit/, copied there by tsconfig.tools.json).
 */
const { Buffer } = require('node:buffer');
const net = require('node:net');
const { clearTimeout, setTimeout } = require('node:timers');

const REPLY_TIMEOUT_MS = 2000;
const RECONNECT_PAUSE_MS = 100;

const [host, portText, prefix, pauseText, password] = process.argv.slice(2);
if (host === undefined || portText === undefined || prefix === undefined || pauseText === undefined) {
  process.stderr.write('usage: writer-process.js <host> <port> <key-prefix> <pause-ms> [password]\n');
  process.exit(2);
}
const port = Number(portText);
const pauseMs = Number(pauseText);

function bulk(s) {
  return `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
}

function encode(args) {
  return `*${args.length}\r\n${args.map(bulk).join('')}`;
}

/** The first line of `buffer` if it is a whole simple reply (+ or -), else undefined. */
function simpleReply(buffer) {
  const end = buffer.indexOf('\r\n');
  return end < 0 ? undefined : buffer.slice(0, end);
}

let seq = 0;

function report(mark, n, detail) {
  process.stdout.write(`${mark} ${n} ${Date.now()}${detail === undefined ? '' : ` ${detail}`}\n`);
}

function connect() {
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  socket.setEncoding('latin1');
  let pending;
  let buffer = '';

  const giveUp = (why) => {
    if (pending !== undefined) {
      clearTimeout(pending.timer);
      report('?', pending.n, why);
      pending = undefined;
    }
    socket.destroy();
  };

  const sendNext = () => {
    if (socket.destroyed) return;
    seq += 1;
    const n = seq;
    pending = { n, timer: setTimeout(() => giveUp('timeout'), REPLY_TIMEOUT_MS) };
    socket.write(encode(['SET', `${prefix}:${n}`, String(n)]));
  };

  const authed = () => {
    socket.on('data', (chunk) => {
      buffer += chunk;
      const line = simpleReply(buffer);
      if (line === undefined || pending === undefined) return;
      buffer = buffer.slice(line.length + 2);
      clearTimeout(pending.timer);
      if (line === '+OK') report('+', pending.n);
      else report('-', pending.n, line.slice(1));
      pending = undefined;
      if (pauseMs > 0) setTimeout(sendNext, pauseMs);
      else sendNext();
    });
    sendNext();
  };

  socket.once('connect', () => {
    if (password === undefined) return authed();
    socket.write(encode(['AUTH', password]));
    socket.once('data', (chunk) => {
      if (!chunk.startsWith('+OK')) {
        process.stderr.write(`AUTH refused: ${chunk}`);
        process.exit(1);
      }
      authed();
    });
  });
  socket.on('error', (e) => giveUp(e.code ?? e.message));
  socket.on('close', () => {
    giveUp('closed');
    setTimeout(connect, RECONNECT_PAUSE_MS);
  });
}

connect();
