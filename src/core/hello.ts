/** The `__sentinel__:hello` payload: eight comma-separated fields, no spaces. */
import { isIpLiteral } from '../util/ip';
import { EPOCH_MAX } from './epochs';

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

/** What a run ID looks like: redis-sentinel and we both write 40 hex digits. */
export const RUNID_PATTERN = /^[0-9a-fA-F]{40}$/;

/**
 * An epoch field: plain decimal up to 2^63-1. redis-sentinel reads it with strtoull, so "-1"
 * would become 2^64-1 and spread through gossip; its peers then refuse every vote request.
 */
function parseEpoch(s: string): bigint | null {
  if (!/^[0-9]{1,19}$/.test(s)) return null;
  const n = BigInt(s);
  return n <= EPOCH_MAX ? n : null;
}

function parsePort(s: string): number | null {
  if (!/^[0-9]{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : null;
}

/** An address one could connect to: not empty, not the unspecified 0.0.0.0 or ::. */
function usableHost(host: string): boolean {
  if (host === '' || /\s/.test(host)) return false;
  return !(isIpLiteral(host) && /^[0:.]+$/.test(host));
}

/** The hello, or why it is refused (a text for the log). */
export function checkHello(payload: string): Hello | string {
  const t = payload.split(',');
  if (t.length !== 8) return `${t.length} fields instead of 8`;
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
  const sentinelPort = parsePort(port);
  const masterPort = parsePort(mport);
  if (currentEpoch === null) return `current epoch '${epoch}' is not a decimal up to 2^63-1`;
  if (masterConfigEpoch === null) return `config epoch '${mepoch}' is not a decimal up to 2^63-1`;
  // A config epoch is the current epoch of the failover that set it: never ahead of its sender.
  if (masterConfigEpoch > currentEpoch) return `config epoch ${mepoch} above current epoch ${epoch}`;
  if (!usableHost(ip) || sentinelPort === null) return `sentinel address '${ip}:${port}' is not usable`;
  if (!usableHost(mhost) || masterPort === null) return `master address '${mhost}:${mport}' is not usable`;
  if (!RUNID_PATTERN.test(runid)) return `run ID '${runid}' is not 40 hex digits`;
  if (name === '') return 'empty master name';
  return {
    sentinelIp: ip,
    sentinelPort,
    runid,
    currentEpoch,
    masterName: name,
    masterHost: mhost,
    masterPort,
    masterConfigEpoch,
  };
}

/** Null for anything `checkHello` refuses. */
export function parseHello(payload: string): Hello | null {
  const h = checkHello(payload);
  return typeof h === 'string' ? null : h;
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
