/**
 * The opt-in Prometheus endpoint (`--metrics-port`): `/metrics`, `/healthz`, `/readyz`.
 *
 * Gauges are read from the core's read-only view at scrape time, so they cost nothing between
 * scrapes; counters and the failover phase histogram follow the events as the runtime carries
 * them out. prom-client is loaded only here, and this module only when the flag is given:
 * a sentinel without the flag pays no memory for it.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as Prom from 'prom-client';
import { checkQuorum } from '../core/detection';
import type { EventName, SentinelEvent } from '../core/events';
import type { CoreView, InstanceView, MasterView } from '../core/view';

export interface MetricsOptions {
  port: number;
  /** Address to listen on (127.0.0.1 unless told otherwise). */
  bind: string;
}

/** What the endpoint reads besides the core: the script queue. */
export interface MetricsSource {
  readonly view: CoreView;
  scriptsQueued(): number;
  scriptsRunning(): number;
}

export interface MetricsEndpoint {
  /** The port actually bound. */
  readonly port: number;
  /** Counts one event the runtime carried out. */
  onEvent(event: SentinelEvent): void;
  close(): Promise<void>;
}

/** Master states as the state gauge labels them; exactly one is 1 per master. */
const MASTER_STATES = ['ok', 'sdown', 'odown', 'failover'] as const;

/** The failover phases a leader goes through, each ended by the event that starts the next. */
const PHASE_ENDED_BY: Partial<Record<EventName, { ends: string; next: string | null }>> = {
  '+elected-leader': { ends: 'election', next: 'select_slave' },
  '+selected-slave': { ends: 'select_slave', next: 'promotion' },
  '+promoted-slave': { ends: 'promotion', next: 'reconf_slaves' },
  '+failover-end': { ends: 'reconf_slaves', next: 'switch' },
  '+switch-master': { ends: 'switch', next: null },
};

const ABORT_REASONS: Partial<Record<EventName, string>> = {
  '-failover-abort-not-elected': 'not-elected',
  '-failover-abort-no-good-slave': 'no-good-slave',
  '-failover-abort-slave-timeout': 'slave-timeout',
  '-failover-abort-master-back': 'master-back',
};

/** Seconds: a phase takes milliseconds (election) up to failover-timeout (reconfiguration). */
const PHASE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600];

interface FailoverInProgress {
  phase: string;
  phaseStart: number;
  start: number;
}

/** Starts the HTTP listener; rejects when it cannot bind. */
export async function startMetrics(opts: MetricsOptions, source: MetricsSource): Promise<MetricsEndpoint> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  const counters = defineEventMetrics(prom, registry);
  defineViewGauges(prom, registry, source);
  const failovers = new Map<string, FailoverInProgress>();

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    void answer(req.url ?? '', method, registry, source.view)
      // A collector that throws must cost one scrape, never the sentinel.
      .catch((err: unknown) => ({ status: 500, type: TEXT, body: `${String(err)}\n` }))
      .then(({ status, type, body }) => {
        res.writeHead(status, { 'Content-Type': type });
        res.end(method === 'HEAD' ? undefined : body);
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port, host: opts.bind }, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    onEvent(event) {
      counters.events.inc({ event: event.type });
      countFailover(event, counters, failovers, Date.now());
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

const TEXT = 'text/plain; charset=utf-8';

async function answer(url: string, method: string, registry: Prom.Registry, view: CoreView): Promise<Answer> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, type: TEXT, body: 'method not allowed\n' };
  switch (url.split('?')[0]) {
    case '/metrics':
      return { status: 200, type: registry.contentType, body: await registry.metrics() };
    case '/healthz':
      return { status: 200, type: TEXT, body: 'ok\n' };
    case '/readyz': {
      const lacking = mastersWithoutQuorum(view);
      if (lacking.length === 0) return { status: 200, type: TEXT, body: 'ready\n' };
      return { status: 503, type: TEXT, body: lacking.map((line) => `${line}\n`).join('') };
    }
    default:
      return { status: 404, type: TEXT, body: 'not found: try /metrics, /healthz or /readyz\n' };
  }
}

/** One line per master that SENTINEL CKQUORUM would refuse, saying what it misses. */
export function mastersWithoutQuorum(view: CoreView): string[] {
  const lines: string[] = [];
  for (const [name, master] of view.masters) {
    const q = checkQuorum(master);
    if (q.quorumReachable && q.majorityReachable) continue;
    const missing = [q.quorumReachable ? null : 'quorum', q.majorityReachable ? null : 'majority'];
    lines.push(
      `${name}: ${q.usable} usable sentinels, not enough for the ${missing.filter(Boolean).join(' and ')}`,
    );
  }
  return lines;
}

interface EventMetrics {
  events: Prom.Counter<'event'>;
  started: Prom.Counter<'master'>;
  succeeded: Prom.Counter<'master'>;
  aborted: Prom.Counter<'master' | 'reason'>;
  switches: Prom.Counter<'master'>;
  phases: Prom.Histogram<'phase'>;
}

function defineEventMetrics(prom: typeof Prom, registers: Prom.Registry): EventMetrics {
  const r = { registers: [registers] };
  return {
    events: new prom.Counter({
      ...r,
      name: 'ts_sentinel_events_total',
      help: 'Sentinel events published, by event name',
      labelNames: ['event'],
    }),
    started: new prom.Counter({
      ...r,
      name: 'ts_sentinel_failovers_started_total',
      help: 'Failovers this sentinel tried to lead (+try-failover)',
      labelNames: ['master'],
    }),
    succeeded: new prom.Counter({
      ...r,
      name: 'ts_sentinel_failovers_succeeded_total',
      help: 'Failovers this sentinel led to the end (+failover-end)',
      labelNames: ['master'],
    }),
    aborted: new prom.Counter({
      ...r,
      name: 'ts_sentinel_failovers_aborted_total',
      help: 'Failovers this sentinel gave up, by reason (-failover-abort-*)',
      labelNames: ['master', 'reason'],
    }),
    switches: new prom.Counter({
      ...r,
      name: 'ts_sentinel_master_switches_total',
      help: 'Master address changes, led here or learned from a peer (+switch-master)',
      labelNames: ['master'],
    }),
    phases: new prom.Histogram({
      ...r,
      name: 'ts_sentinel_failover_phase_duration_seconds',
      help: 'Duration of each phase of the failovers this sentinel led (total: +try-failover to +switch-master)',
      labelNames: ['phase'],
      buckets: PHASE_BUCKETS,
    }),
  };
}

function countFailover(
  event: SentinelEvent,
  m: EventMetrics,
  failovers: Map<string, FailoverInProgress>,
  now: number,
): void {
  const master = masterNameOf(event);
  if (master === null) return;
  if (event.type === '+try-failover') {
    m.started.inc({ master });
    failovers.set(master, { phase: 'election', phaseStart: now, start: now });
    return;
  }
  const reason = ABORT_REASONS[event.type];
  if (reason !== undefined) {
    m.aborted.inc({ master, reason });
    failovers.delete(master);
    return;
  }
  if (event.type === '+failover-end') m.succeeded.inc({ master });
  if (event.type === '+switch-master') m.switches.inc({ master });
  const step = PHASE_ENDED_BY[event.type];
  const running = failovers.get(master);
  // A switch learned from a peer, or a step of a failover that started before we listened.
  if (step === undefined || running === undefined || running.phase !== step.ends) return;
  m.phases.observe({ phase: step.ends }, (now - running.phaseStart) / 1000);
  if (step.next === null) {
    m.phases.observe({ phase: 'total' }, (now - running.start) / 1000);
    failovers.delete(master);
  } else {
    running.phase = step.next;
    running.phaseStart = now;
  }
}

/**
 * The master an event is about, from its payload (`master <name> <ip> <port>`, `... @ <name>
 * <ip> <port>`, or +switch-master's `<name> <old ip> <old port> <new ip> <new port>`). Names may
 * hold spaces; addresses never do, so the address tokens are cut from the end.
 */
export function masterNameOf(event: SentinelEvent): string | null {
  const { type, payload } = event;
  if (type === '+switch-master') return payload.split(' ').slice(0, -4).join(' ') || null;
  const at = payload.lastIndexOf(' @ ');
  if (at >= 0)
    return (
      payload
        .slice(at + 3)
        .split(' ')
        .slice(0, -2)
        .join(' ') || null
    );
  if (!payload.startsWith('master ')) return null;
  // Only failover steps are asked about here, and those carry no text after the address.
  return payload.slice('master '.length).split(' ').slice(0, -2).join(' ') || null;
}

function defineViewGauges(prom: typeof Prom, registers: Prom.Registry, source: MetricsSource): void {
  const { view } = source;
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (g: Prom.Gauge<L>) => void,
  ) =>
    new prom.Gauge<L>({
      registers: [registers],
      name,
      help,
      labelNames,
      collect() {
        this.reset();
        read(this);
      },
    });
  const perMaster = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (g: Prom.Gauge<L | 'master'>, master: MasterView, name: string) => void,
  ) =>
    gauge<L | 'master'>(name, help, ['master', ...labelNames], (g) => {
      for (const [masterName, master] of view.masters) read(g, master, masterName);
    });

  gauge('ts_sentinel_masters', 'Masters monitored', [], (g) => g.set(view.masters.size));
  gauge('ts_sentinel_current_epoch', 'Current epoch', [], (g) => g.set(Number(view.currentEpoch)));
  gauge('ts_sentinel_tilt', '1 while in TILT mode', [], (g) => g.set(view.tilt ? 1 : 0));
  gauge('ts_sentinel_scripts_queued', 'Scripts waiting to run', [], (g) => g.set(source.scriptsQueued()));
  gauge('ts_sentinel_scripts_running', 'Scripts running', [], (g) => g.set(source.scriptsRunning()));
  gauge('ts_sentinel_ready', '1 when every master has its quorum reachable (/readyz)', [], (g) =>
    g.set(mastersWithoutQuorum(view).length === 0 ? 1 : 0),
  );
  perMaster('ts_sentinel_master_state', 'Master state: 1 for the current one', ['state'], (g, m, master) => {
    const current = masterState(m);
    for (const state of MASTER_STATES) g.set({ master, state }, state === current ? 1 : 0);
  });
  perMaster(
    'ts_sentinel_master_info',
    'Master address as clients are told it, and the role it reports',
    ['role', 'ip', 'port'],
    (g, m, master) => {
      const addr = view.currentMasterAddress(m);
      g.set({ master, role: m.roleReported, ip: view.announceAddr(addr), port: String(addr.port) }, 1);
    },
  );
  perMaster('ts_sentinel_master_replicas', 'Replicas known', [], (g, m, master) =>
    g.set({ master }, m.replicas.size),
  );
  perMaster('ts_sentinel_master_sentinels', 'Other sentinels known', [], (g, m, master) =>
    g.set({ master }, m.sentinels.size),
  );
  perMaster('ts_sentinel_master_quorum', 'Configured quorum', [], (g, m, master) =>
    g.set({ master }, m.options.quorum),
  );
  perMaster(
    'ts_sentinel_master_usable_sentinels',
    'Sentinels reachable, this one included (CKQUORUM)',
    [],
    (g, m, master) => g.set({ master }, checkQuorum(m).usable),
  );
  perMaster('ts_sentinel_master_config_epoch', 'Config epoch', [], (g, m, master) =>
    g.set({ master }, Number(m.configEpoch)),
  );
  perMaster(
    'ts_sentinel_master_failover_epoch',
    'Epoch of the last failover started here',
    [],
    (g, m, master) => g.set({ master }, Number(m.failoverEpoch)),
  );
  perMaster(
    'ts_sentinel_link_latency_seconds',
    'Round trip of the last PING answered; while one is unanswered, how long it has waited',
    ['kind', 'instance'],
    (g, m, master) => {
      const now = view.now();
      for (const inst of [m, ...m.replicas.values(), ...m.sentinels.values()]) {
        const latency = pingLatencyMs(inst, now);
        if (latency !== null) g.set({ master, kind: inst.kind, instance: inst.name }, latency / 1000);
      }
    },
  );
}

function masterState(m: MasterView): (typeof MASTER_STATES)[number] {
  if (m.failoverInProgress) return 'failover';
  if (m.oDown) return 'odown';
  return m.sDown ? 'sdown' : 'ok';
}

/** Null before the first PING was answered. */
function pingLatencyMs(inst: InstanceView, now: number): number | null {
  const { link } = inst;
  if (link.actPingTime !== 0 && link.lastPingTime !== 0) return now - link.actPingTime;
  if (link.lastPingTime === 0 || link.lastPongTime < link.lastPingTime) return null;
  return link.lastPongTime - link.lastPingTime;
}
