/** The sentinel's memory on disk (§11.3): records built from a loaded config, and the snapshot a flush writes. */
import { pickMasterOptions } from '../config/master-options';
import type { MasterConfig, SentinelConfig } from '../config/types';
import { sameAddress } from './address';
import { createMaster, createPeer, createReplica, currentMasterAddress, makeAddress } from './instances';
import { type CoreState, announceAddr } from './state';

export function loadMaster(state: CoreState, cfg: MasterConfig): void {
  const addr = makeAddress(state, cfg.host, cfg.port, true) ?? { host: cfg.host, ip: '', port: cfg.port };
  const m = createMaster(state, cfg.name, addr, cfg.quorum);
  m.options = pickMasterOptions(cfg);
  m.downAfterMs = cfg.downAfterMs;
  m.configEpoch = cfg.configEpoch;
  m.leaderEpoch = cfg.leaderEpoch;
  if (cfg.configEpoch > state.currentEpoch) state.currentEpoch = cfg.configEpoch;
  for (const kr of cfg.knownReplicas) {
    const a = makeAddress(state, kr.host, kr.port, true);
    if (a) createReplica(state, m, a);
  }
  for (const ks of cfg.knownSentinels) {
    const a = makeAddress(state, ks.host, ks.port, true);
    if (a) createPeer(state, m, ks.runid, a);
  }
}

/** What a flush writes. */
export function snapshot(state: CoreState): SentinelConfig {
  const masters: MasterConfig[] = [];
  for (const m of state.masters.values()) {
    const cur = currentMasterAddress(m);
    masters.push({
      name: m.name,
      host: announceAddr(state, cur),
      port: cur.port,
      ...pickMasterOptions(m.options),
      configEpoch: m.configEpoch,
      leaderEpoch: m.leaderEpoch,
      knownReplicas: [...m.replicas.values()].map((r) => {
        // The promoted replica is recorded under the old master's address.
        const a = sameAddress(r.addr, cur) ? m.addr : r.addr;
        return { host: announceAddr(state, a), port: a.port };
      }),
      knownSentinels: [...m.sentinels.values()]
        .filter((s) => s.runid !== '')
        .map((s) => ({ host: announceAddr(state, s.addr), port: s.addr.port, runid: s.runid })),
    });
  }
  const g = state.settings;
  return {
    myid: state.myid,
    currentEpoch: state.currentEpoch,
    announceIp: g.announceIp,
    announcePort: g.announcePort,
    denyScriptsReconfig: g.denyScriptsReconfig,
    resolveHostnames: g.resolveHostnames,
    announceHostnames: g.announceHostnames,
    sentinelUser: g.sentinelUser,
    sentinelPass: g.sentinelPass,
    masters,
  };
}
