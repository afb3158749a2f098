'use strict';
/**
 * A failover wave: N masters, each a real redis-server with one replica, watched by three
 * sentinels (quorum 2). Every master is killed with SIGKILL at once; we time, from the kill,
 * the first and the median name switched on all sentinels and the last one, the longest PING
 * reply of the first sentinel during the wave, and its RSS before and after.
 * Used by scale.js (`--wave N`); each implementation gets a fresh topology.
 */
const fs = require('node:fs');
const lib = require('./lib');
const { replyWatch } = require('./reply-watch');

const { devkit, now } = lib;
const { command, items, record, sleep, startMasterAndReplicas, startSentinel, waitFor } = devkit;

const SENTINELS = 3;
const QUORUM = 2;
const TIMING = { downAfterMs: 1000, failoverTimeoutMs: 10000 };
const POLL_MS = 50;

function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

/** name -> port GET-MASTER-ADDR-BY-NAME would give, from one SENTINEL MASTERS. */
async function masterPorts(port) {
  const masters = items(await command(port, ['SENTINEL', 'MASTERS'], { timeoutMs: 5000 })).map(record);
  return new Map(masters.map((m) => [m.name, { port: Number(m.port), record: m }]));
}

async function wave(impl, n) {
  const reg = lib.newRegistry();
  try {
    const pairs = [];
    // A few at a time: 2N redis-servers starting at once would only measure the start-up.
    for (let i = 0; i < n; i += 8) {
      const batch = Array.from({ length: Math.min(8, n - i) }, () =>
        startMasterAndReplicas({ replicas: 1, syncTimeoutMs: 20000, registry: reg }),
      );
      pairs.push(...(await Promise.all(batch)));
    }
    const conf = pairs.map((p, i) => devkit.monitorConf(`m${i}`, p.master.port, QUORUM, TIMING)).join('\n');
    const sentinels = [];
    for (let i = 0; i < SENTINELS; i++)
      sentinels.push(await startSentinel({ conf, bin: impl.argv, registry: reg }));
    for (const s of sentinels) {
      await waitFor(
        async () => {
          const ms = await masterPorts(s.port);
          return (
            ms.size === n &&
            [...ms.values()].every(
              ({ record: m }) =>
                m['num-slaves'] === '1' && m['num-other-sentinels'] === String(SENTINELS - 1),
            )
          );
        },
        { timeoutMs: 60000, intervalMs: 500, what: `${impl.label} ${s.port} to know every replica and peer` },
      );
    }
    // Steady state, as in failover.js: the reconnect throttle of start-up has passed.
    await sleep(2000 + Math.random() * 1000);
    const rssBefore = rssMiB(sentinels[0].pid);
    const oldPort = new Map(pairs.map((p, i) => [`m${i}`, p.master.port]));

    const pings = replyWatch(sentinels[0].port, () => ['PING']);
    const killedAt = now();
    await Promise.all(pairs.map((p) => p.master.kill9()));
    const switchedAt = new Map();
    const deadline = killedAt + 120000;
    while (switchedAt.size < n) {
      if (now() > deadline) throw new Error(`only ${switchedAt.size}/${n} names switched within 120 s`);
      const views = await Promise.all(sentinels.map((s) => masterPorts(s.port)));
      const t = now() - killedAt;
      for (const [name, old] of oldPort) {
        if (switchedAt.has(name)) continue;
        const ports = views.map((v) => v.get(name)?.port);
        if (ports.every((p) => p !== undefined && p !== old && p === ports[0])) switchedAt.set(name, t);
      }
      await sleep(POLL_MS);
    }
    const { longest: longestPing } = await pings.stop();
    const times = [...switchedAt.values()].sort((a, b) => a - b);
    return {
      first: times[0],
      median: lib.median(times),
      last: times[times.length - 1],
      longestPing,
      rssBefore,
      rssAfter: rssMiB(sentinels[0].pid),
    };
  } finally {
    await lib.teardown(reg);
  }
}

module.exports = { wave, SENTINELS, QUORUM, TIMING };
