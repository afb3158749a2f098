'use strict';
/**
 * How long a sentinel takes to answer while it works: one connection sends a command, waits
 * for the reply, rests a few ms and sends the next, until stopped. The longest reply and the
 * 99th percentile show the event-loop stalls a client of that sentinel would meet.
 * Used by wave.js (PING during a failover wave) and scale.js (replies while idle).
 */
const lib = require('./lib');

const { devkit, now } = lib;
const { RespClient, sleep } = devkit;

const REST_MS = 10;

/** `argvOf(i)` gives the i-th command to send, so a probe can walk over many names. */
function replyWatch(port, argvOf) {
  let stop = false;
  const times = [];
  // Settles with what stopped the probe early, so a failure waits for stop() to be reported.
  const failure = (async () => {
    const client = await RespClient.connect(port);
    try {
      for (let i = 0; !stop; i++) {
        const t = now();
        const reply = await client.call(argvOf(i), 10000);
        if (reply.type === 'error') throw new Error(`${argvOf(i).join(' ')}: ${reply.value}`);
        times.push(now() - t);
        await sleep(REST_MS);
      }
    } finally {
      client.close();
    }
  })().then(
    () => undefined,
    (e) => e,
  );
  return {
    /** { count, median, p99, longest } in ms, or throws what the probe met. */
    async stop() {
      stop = true;
      const e = await failure;
      if (e !== undefined) throw e;
      const sorted = [...times].sort((a, b) => a - b);
      return {
        count: sorted.length,
        median: lib.median(sorted),
        p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))],
        longest: sorted[sorted.length - 1],
      };
    },
  };
}

module.exports = { replyWatch };
