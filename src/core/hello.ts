/** The `__sentinel__:hello` payload: eight comma-separated fields, no spaces. */
import { atoi } from '../util/redis-parsing';

export interface Hello {
  sentinelIp: string;
  sentinelPort: number;
  runid: string;
  currentEpoch: bigint;
  masterName: string;
  masterHost: string;
  masterPort: number;
  masterConfigEpoch: bigint;
}

const UINT64_MAX = 0xffffffffffffffffn;

/**
 * An epoch field: plain decimal within 64 bits. redis-sentinel reads it with strtoull, so
 * "-1" would become 2^64-1 and spread through gossip; such a hello is dropped instead.
 */
function parseEpoch(s: string): bigint | null {
  if (!/^[0-9]{1,20}$/.test(s)) return null;
  const n = BigInt(s);
  return n <= UINT64_MAX ? n : null;
}

/** Null for anything but eight fields with valid epochs; such messages are dropped silently, as Redis does. */
export function parseHello(payload: string): Hello | null {
  const t = payload.split(',');
  if (t.length !== 8) return null;
  const [ip, port, runid, epoch, name, mhost, mport, mepoch] = t as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const currentEpoch = parseEpoch(epoch);
  const masterConfigEpoch = parseEpoch(mepoch);
  if (currentEpoch === null || masterConfigEpoch === null) return null;
  return {
    sentinelIp: ip,
    sentinelPort: atoi(port),
    runid,
    currentEpoch,
    masterName: name,
    masterHost: mhost,
    masterPort: atoi(mport),
    masterConfigEpoch,
  };
}

export function formatHello(h: Hello): string {
  return [
    h.sentinelIp,
    h.sentinelPort,
    h.runid,
    h.currentEpoch,
    h.masterName,
    h.masterHost,
    h.masterPort,
    h.masterConfigEpoch,
  ].join(',');
}
