import { DEFAULT_DOWN_AFTER_MS, DEFAULT_FAILOVER_TIMEOUT_MS } from '../config/master-options';

/** Sentinel timers that SENTINEL DEBUG may change at runtime (never persisted). */
export interface Tunables {
  infoPeriod: number;
  pingPeriod: number;
  askPeriod: number;
  publishPeriod: number;
  defaultDownAfter: number;
  defaultFailoverTimeout: number;
  tiltTrigger: number;
  tiltPeriod: number;
  slaveReconfTimeout: number;
  minLinkReconnectPeriod: number;
  electionTimeout: number;
  scriptMaxRuntime: number;
  scriptRetryDelay: number;
}

export function defaultTunables(): Tunables {
  return {
    infoPeriod: 10000,
    pingPeriod: 1000,
    askPeriod: 1000,
    publishPeriod: 2000,
    defaultDownAfter: DEFAULT_DOWN_AFTER_MS,
    defaultFailoverTimeout: DEFAULT_FAILOVER_TIMEOUT_MS,
    tiltTrigger: 2000,
    tiltPeriod: 30000,
    slaveReconfTimeout: 10000,
    minLinkReconnectPeriod: 15000,
    electionTimeout: 10000,
    scriptMaxRuntime: 60000,
    scriptRetryDelay: 30000,
  };
}

/** SENTINEL DEBUG names, in the order SENTINEL DEBUG lists them. */
export const DEBUG_KEYS: readonly (readonly [string, keyof Tunables])[] = [
  ['info-period', 'infoPeriod'],
  ['ping-period', 'pingPeriod'],
  ['ask-period', 'askPeriod'],
  ['publish-period', 'publishPeriod'],
  ['default-down-after', 'defaultDownAfter'],
  ['default-failover-timeout', 'defaultFailoverTimeout'],
  ['tilt-trigger', 'tiltTrigger'],
  ['tilt-period', 'tiltPeriod'],
  ['slave-reconf-timeout', 'slaveReconfTimeout'],
  ['min-link-reconnect-period', 'minLinkReconnectPeriod'],
  ['election-timeout', 'electionTimeout'],
  ['script-max-runtime', 'scriptMaxRuntime'],
  ['script-retry-delay', 'scriptRetryDelay'],
];

/** Fixed limits of redis-sentinel 7.0. */
export const MAX_DESYNC_MS = 1000;
export const MAX_PENDING_COMMANDS = 100;
export const DEFAULT_SLAVE_PRIORITY = 100;
export const HELLO_CHANNEL = '__sentinel__:hello';
