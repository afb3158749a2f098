/** The `__sentinel__:hello` payload: eight comma-separated fields, no spaces. */
import { atoi } from './info';

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

/** strtoull as Redis applies it to hello epochs: garbage reads as 0. */
function parseEpoch(s: string): bigint {
  const m = /^\s*\+?(\d+)/.exec(s);
  if (!m?.[1]) return 0n;
  const n = BigInt(m[1]);
  return n > 0xffffffffffffffffn ? 0xffffffffffffffffn : n;
}

/** Returns null for anything that is not exactly eight fields; Redis drops such messages silently. */
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
  return {
    sentinelIp: ip,
    sentinelPort: atoi(port),
    runid,
    currentEpoch: parseEpoch(epoch),
    masterName: name,
    masterHost: mhost,
    masterPort: atoi(mport),
    masterConfigEpoch: parseEpoch(mepoch),
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
