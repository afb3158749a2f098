'use strict';
/**
 * The floor under a sentinel's idle CPU: a Node process that keeps the links of M master names
 * (a command and a pub/sub connection each; name i on the (i mod K)-th of the K ports given)
 * and sends what a sentinel sends on them, with nothing else: a PING per name every second,
 * an INFO every 10 s and a hello PUBLISH every 2 s, spread over a 100 ms timer. Replies and
 * hellos are read and dropped.
 * `--mode net` writes pre-encoded frames on plain sockets and never parses; `--mode ioredis`
 * sends the same commands through ioredis, which decodes every reply and message.
 * Prints "ready" once every connection is up; runs until killed.
 */
const { Buffer } = require('node:buffer');
const net = require('node:net');
const { setInterval } = require('node:timers');
const { parseArgs } = require('node:util');

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    masters: { type: 'string', default: '50' },
    mode: { type: 'string', default: 'net' },
  },
});
const ports = String(values.port).split(',').map(Number);
const masters = Number(values.masters);
const CHANNEL = '__sentinel__:hello';

function encode(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

function portOf(i) {
  return ports[i % ports.length];
}

function hello(i) {
  return `127.0.0.1,26379,${'a'.repeat(40)},0,m${i},127.0.0.1,${portOf(i)},0`;
}

function rawLinks() {
  const links = [];
  for (let i = 0; i < masters; i++) {
    const cmd = net.connect(portOf(i), '127.0.0.1');
    const sub = net.connect(portOf(i), '127.0.0.1');
    for (const s of [cmd, sub]) s.on('data', () => {});
    sub.write(encode(['SUBSCRIBE', CHANNEL]));
    const frames = {
      ping: encode(['PING']),
      info: encode(['INFO']),
      hello: encode(['PUBLISH', CHANNEL, hello(i)]),
    };
    links.push({
      ready: () => new Promise((resolve) => (cmd.connecting ? cmd.once('connect', resolve) : resolve())),
      ping: () => cmd.write(frames.ping),
      info: () => cmd.write(frames.info),
      hello: () => cmd.write(frames.hello),
    });
  }
  return links;
}

function ioredisLinks() {
  const { Redis } = require('ioredis');
  const links = [];
  for (let i = 0; i < masters; i++) {
    const options = { port: portOf(i), host: '127.0.0.1', retryStrategy: () => null };
    const cmd = new Redis(options);
    const sub = new Redis(options);
    void sub.subscribe(CHANNEL);
    sub.on('message', () => {});
    const ignore = () => {};
    links.push({
      ready: () =>
        new Promise((resolve) => (cmd.status === 'ready' ? resolve() : cmd.once('ready', resolve))),
      ping: () => cmd.ping().catch(ignore),
      info: () => cmd.info().catch(ignore),
      hello: () => cmd.publish(CHANNEL, hello(i)).catch(ignore),
    });
  }
  return links;
}

async function main() {
  if (
    !ports.every(Number.isInteger) ||
    !Number.isInteger(masters) ||
    !['net', 'ioredis'].includes(values.mode)
  ) {
    throw new Error('usage: idle-links.js --port P[,P...] [--masters M] [--mode net|ioredis]');
  }
  const links = values.mode === 'net' ? rawLinks() : ioredisLinks();
  await Promise.all(links.map((l) => l.ready()));
  let tick = 0;
  setInterval(() => {
    tick++;
    links.forEach((l, i) => {
      if (tick % 10 === i % 10) l.ping();
      if (tick % 100 === i % 100) l.info();
      if (tick % 20 === i % 20) l.hello();
    });
  }, 100);
  process.stdout.write('ready\n');
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
