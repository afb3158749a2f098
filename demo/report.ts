/** What the demo prints about the deployment: its topology before and after, and the figures. */
import { command, errorText, type Instance, items, record, replication, text } from '../devkit';
import { DOWN_AFTER_MS, NAME, type Deployment, type Write } from './deployment';
import type { SentinelLabel, Timeline } from './events';
import { duration, paint, print, printTable, relative, type Style } from './format';

export function heading(title: string): void {
  print();
  print(paint('bold', title));
}

interface RedisView {
  role: string;
  state: string;
}

async function redisView(node: Instance, killed: boolean): Promise<RedisView> {
  if (!node.alive) return { role: killed ? 'killed' : 'down', state: killed ? 'kill -9' : 'exited' };
  try {
    const info = await replication(node.port, { timeoutMs: 1000 });
    if (info.role === 'slave') {
      const link = info.master_link_status === 'up' ? 'link up' : `link ${info.master_link_status}`;
      return {
        role: 'replica',
        state: `of 127.0.0.1:${info.master_port}, ${link}, offset ${info.slave_repl_offset}`,
      };
    }
    const n = Number(info.connected_slaves ?? 0);
    return {
      role: 'master',
      state: `${n} replica${n === 1 ? '' : 's'} connected, offset ${info.master_repl_offset}`,
    };
  } catch (e) {
    return { role: '?', state: `no answer: ${errorText(e)}` };
  }
}

export async function printTopology(title: string, d: Deployment, killed?: Instance): Promise<void> {
  heading(title);
  const nodes = [d.master, ...d.replicas];
  const views = await Promise.all(nodes.map((n) => redisView(n, n === killed)));
  const roleStyle = (role: string): Style | undefined =>
    role === 'master' ? 'green' : role === 'killed' || role === 'down' ? 'red' : undefined;
  printTable(
    ['REDIS', 'ROLE', 'ADDRESS', 'PID', 'STATE'],
    nodes.map((n, i) => {
      const v = views[i] ?? { role: '?', state: '' };
      return [
        `redis-${i + 1}`,
        paint(roleStyle(v.role), v.role),
        `127.0.0.1:${n.port}`,
        String(n.pid),
        v.state,
      ];
    }),
  );
  print();
  const rows = await Promise.all(
    d.sentinels.map(async (s, i) => {
      const label = d.labels[i];
      if (label === undefined) return [];
      const peers = items(await command(s.port, ['SENTINEL', 'SENTINELS', NAME])).map(record);
      const knows = peers
        .map((p) => d.labels.find((l) => l.id === p.runid))
        .filter((l): l is SentinelLabel => l !== undefined)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((l) => paint(l.style, l.name))
        .join(' ');
      const view = record(await command(s.port, ['SENTINEL', 'MASTER', NAME]));
      const quorum = await command(s.port, ['SENTINEL', 'CKQUORUM', NAME]);
      const ok = quorum.type !== 'error';
      return [
        paint(label.style, label.name),
        `127.0.0.1:${s.port}`,
        String(s.pid),
        label.id,
        knows,
        `${view.ip}:${view.port}`,
        view['config-epoch'] ?? '?',
        paint(ok ? 'green' : 'red', ok ? 'OK' : text(quorum)),
      ];
    }),
  );
  printTable(['SENTINEL', 'ADDRESS', 'PID', 'ID', 'KNOWS', 'MASTER', 'EPOCH', 'CKQUORUM'], rows);
}

export function printSummary(
  d: Deployment,
  timeline: Timeline,
  killedAt: number,
  write: Write,
  settledAt: number,
): void {
  heading('Failover measured from kill -9');
  const rows: string[][] = [];
  const byTime = [...timeline.switchedAt.entries()].sort((a, b) => a[1] - b[1]);
  const [firstName, firstAt] = byTime[0] ?? ['?', killedAt];
  const label = (name: string): string => {
    const l = d.labels.find((x) => x.name === name);
    return l === undefined ? name : paint(l.style, name);
  };
  rows.push([
    '+switch-master announced',
    paint('bold', duration(firstAt - killedAt)),
    `first by ${label(firstName)}${timeline.leaderNames.includes(firstName) ? ' (the leader)' : ''}`,
  ]);
  const lastAt = byTime[byTime.length - 1]?.[1] ?? firstAt;
  rows.push([
    `+switch-master by all ${byTime.length}`,
    duration(lastAt - killedAt),
    byTime.map(([n, at]) => `${label(n)} ${relative(at, killedAt)}`).join(', '),
  ]);
  rows.push([
    'new master writable',
    paint('bold', duration(write.at - killedAt)),
    `first SET accepted by 127.0.0.1:${write.port}, the address GET-MASTER-ADDR-BY-NAME gave`,
  ]);
  rows.push([
    'failover settled',
    duration(settledAt - killedAt),
    'all sentinels agree, the other replica follows',
  ]);
  printTable(['WHAT', 'AFTER', ''], rows);
  print(
    paint(
      'dim',
      `  (down-after-milliseconds is ${DOWN_AFTER_MS} ms: no sentinel may call the master down earlier.)`,
    ),
  );
  if (timeline.hiddenCount > 0) {
    print(
      paint(
        'dim',
        `  (${timeline.hiddenCount} routine events of the observers not shown; --verbose shows all.)`,
      ),
    );
  }
}
