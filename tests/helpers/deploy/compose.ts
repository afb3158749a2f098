/**
 * Checks of docker-compose.yml without a Docker engine: a YAML parse, a small
 * schema of the Compose keys we use (the fallback when no docker-compose binary
 * can validate the file), and the rules of our sentinel deployment.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';

import { configTextLines, splitArgs } from '../../../src/config/tokenizer';

const TOP_LEVEL_KEYS = new Set([
  'version',
  'name',
  'services',
  'networks',
  'volumes',
  'configs',
  'secrets',
  'include',
]);

// Compose specification service keys; anything else is most likely a typo.
const SERVICE_KEYS = new Set(
  (
    'annotations attach build blkio_config cap_add cap_drop cgroup cgroup_parent command configs container_name ' +
    'cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares cpus cpuset ' +
    'credential_spec depends_on deploy develop device_cgroup_rules devices dns dns_opt dns_search domainname ' +
    'entrypoint env_file environment expose extends external_links extra_hosts gpus group_add healthcheck ' +
    'hostname image init ipc isolation labels links logging mac_address mem_limit mem_reservation ' +
    'mem_swappiness memswap_limit network_mode networks oom_kill_disable oom_score_adj pid pids_limit platform ' +
    'ports post_start pre_stop privileged profiles pull_policy read_only restart runtime scale secrets ' +
    'security_opt shm_size stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits user ' +
    'userns_mode uts volumes volumes_from working_dir'
  ).split(' '),
);

export const RESTART = /^(no|always|unless-stopped|on-failure(:\d+)?)$/;

const stringOrList = z.union([z.string(), z.array(z.string())]);
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const duration = z
  .string()
  .regex(/^(\d+(\.\d+)?(us|ms|s|m|h))+$/, 'expected a duration such as 10s or 1m30s');

const serviceSchema = z.looseObject({
  image: z.string().optional(),
  build: z
    .union([z.string(), z.looseObject({ context: z.string().optional(), dockerfile: z.string().optional() })])
    .optional(),
  command: stringOrList.optional(),
  entrypoint: stringOrList.optional(),
  environment: z.union([z.record(z.string(), scalar), z.array(z.string())]).optional(),
  depends_on: z
    .union([
      z.array(z.string()),
      z.record(
        z.string(),
        z.strictObject({
          condition: z
            .enum(['service_started', 'service_healthy', 'service_completed_successfully'])
            .optional(),
          restart: z.boolean().optional(),
          required: z.boolean().optional(),
        }),
      ),
    ])
    .optional(),
  healthcheck: z
    .strictObject({
      test: stringOrList.optional(),
      interval: duration.optional(),
      timeout: duration.optional(),
      retries: z.number().int().nonnegative().optional(),
      start_period: duration.optional(),
      start_interval: duration.optional(),
      disable: z.boolean().optional(),
    })
    .optional(),
  volumes: z
    .array(z.union([z.string(), z.looseObject({ source: z.string().optional(), target: z.string() })]))
    .optional(),
  init: z.boolean().optional(),
  restart: z.string().regex(RESTART).optional(),
});

export type Service = z.infer<typeof serviceSchema>;

const composeSchema = z.looseObject({
  services: z.record(z.string(), serviceSchema),
  volumes: z.record(z.string(), z.union([z.null(), z.looseObject({})])).optional(),
});

export type Compose = z.infer<typeof composeSchema>;

interface Parsed {
  readonly compose?: Compose;
  readonly problems: string[];
}

/** YAML parse (merge keys on, as Compose has them) and the schema check. */
export function parseCompose(text: string): Parsed {
  const doc = parseDocument(text, { merge: true });
  const error = doc.errors[0];
  if (error !== undefined) return { problems: [`not valid YAML: ${error.message.split('\n')[0] ?? ''}`] };
  const value: unknown = doc.toJS();
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: ['schema: the top level must be a mapping'] };
  }
  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL_KEYS.has(key) && !key.startsWith('x-')) {
      problems.push(`schema: unknown top-level key "${key}"`);
    }
  }
  const result = composeSchema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(`schema: ${issue.path.join('.')}: ${issue.message}`);
    }
    return { problems };
  }
  const compose = result.data;
  const declaredVolumes = new Set(Object.keys(compose.volumes ?? {}));
  for (const [name, service] of Object.entries(compose.services)) {
    for (const key of Object.keys(service)) {
      if (!SERVICE_KEYS.has(key) && !key.startsWith('x-')) {
        problems.push(`schema: services.${name}: unknown key "${key}"`);
      }
    }
    if (service.image === undefined && service.build === undefined) {
      problems.push(`schema: services.${name}: needs an image or a build`);
    }
    for (const dependency of dependsOn(service)) {
      if (compose.services[dependency] === undefined) {
        problems.push(`schema: services.${name} depends on undefined service "${dependency}"`);
      }
    }
    for (const mount of mounts(service)) {
      if (mount.named && !declaredVolumes.has(mount.source)) {
        problems.push(`schema: services.${name} uses undeclared volume "${mount.source}"`);
      }
    }
  }
  return { compose, problems };
}

const dependsOn = (service: Service): string[] =>
  Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});

const argv = (command: string | string[] | undefined): string[] =>
  command === undefined ? [] : Array.isArray(command) ? command : command.trim().split(/\s+/);

/** Service environment as the container sees it (a null value comes from the host: left out). */
export function environmentOf(service: Service): Record<string, string> {
  const env: Record<string, string> = {};
  if (Array.isArray(service.environment)) {
    for (const entry of service.environment) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
  } else {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (value !== null) env[key] = String(value);
    }
  }
  return env;
}

interface Mount {
  readonly source: string;
  readonly target: string;
  /** A named volume rather than a host path. */
  readonly named: boolean;
}

function mounts(service: Service): Mount[] {
  return (service.volumes ?? []).flatMap((volume): Mount[] => {
    const [source, target] =
      typeof volume === 'string'
        ? volume.includes(':')
          ? volume.split(':')
          : ['', volume]
        : [volume.source ?? '', volume.target];
    if (target === undefined) return [];
    return [
      {
        source: source ?? '',
        target: target.replace(/\/+$/, ''),
        named: /^[A-Za-z0-9][\w.-]*$/.test(source ?? ''),
      },
    ];
  });
}

/** The value after `flag` in a redis-server command line. */
function option(args: readonly string[], flag: string, count = 1): string[] | undefined {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args.slice(at + 1, at + 1 + count);
}

const isRedisImage = (image: string | undefined): boolean =>
  image !== undefined && /^(.*\/)?redis(:|@|$)/.test(image);

const isBuiltHere = (service: Service): boolean => {
  const context = typeof service.build === 'string' ? service.build : service.build?.context;
  return context !== undefined && /^\.\/?$/.test(context);
};

/** `sentinel <option> ...` lines of a rendered config, keyed by lower-cased option. */
function sentinelOptions(configText: string): Map<string, string[][]> {
  const options = new Map<string, string[][]>();
  for (const line of configTextLines(configText)) {
    const args = splitArgs(line.text);
    if (args === null || args[0]?.toLowerCase() !== 'sentinel' || args[1] === undefined) continue;
    const key = args[1].toLowerCase();
    options.set(key, [...(options.get(key) ?? []), args.slice(2)]);
  }
  return options;
}

/** The sentinels: services built from our Dockerfile. */
export function sentinelServices(compose: Compose): [string, Service][] {
  return Object.entries(compose.services).filter(([, s]) => isBuiltHere(s));
}

export interface ComposeRules {
  /** The sentinel config a service's environment produces (docker/sentinel.conf rendered by the entrypoint). */
  readonly render: (env: Record<string, string>) => string;
  /** Where the image keeps the config; each sentinel needs its own volume there. */
  readonly configDir: string;
  readonly sentinels: number;
  readonly replicas: number;
}

/** Every rule the compose file breaks, as messages; [] when it follows them all. */
export function checkCompose(text: string, rules: ComposeRules): string[] {
  const { compose, problems } = parseCompose(text);
  if (compose === undefined) return problems;
  const services = Object.entries(compose.services);

  for (const [name, service] of services) {
    if (isRedisImage(service.image) && service.image !== 'redis:latest') {
      problems.push(`${name}: image is "${service.image ?? ''}", expected redis:latest`);
    }
  }

  const sentinels = sentinelServices(compose);
  if (sentinels.length !== rules.sentinels) {
    problems.push(
      `expected ${rules.sentinels} sentinel services built from the Dockerfile, found ${sentinels.length}`,
    );
  }
  const monitored = new Set<string>();
  const volumeOwners = new Map<string, string>();
  for (const [name, service] of sentinels) {
    const options = sentinelOptions(rules.render(environmentOf(service)));
    for (const flag of ['resolve-hostnames', 'announce-hostnames']) {
      const value = options.get(flag)?.pop()?.[0];
      if (value?.toLowerCase() !== 'yes') problems.push(`${name}: sentinel ${flag} is not yes`);
    }
    const announceIp = options.get('announce-ip')?.pop()?.[0] ?? '';
    if (announceIp !== name) {
      problems.push(`${name}: sentinel announce-ip is "${announceIp}", expected its service name "${name}"`);
    }
    const monitors = options.get('monitor') ?? [];
    if (monitors.length === 0) problems.push(`${name}: no sentinel monitor line`);
    for (const [masterName = '', host = '', port = '', quorum = ''] of monitors) {
      monitored.add(`${masterName} ${host} ${port}`);
      const master = compose.services[host];
      if (master === undefined || !isRedisImage(master.image)) {
        problems.push(`${name}: monitors ${host}:${port}, which is not a Redis service of this file`);
      } else if (port !== (option(argv(master.command), '--port')?.[0] ?? '6379')) {
        problems.push(`${name}: monitors ${host}:${port}, but ${host} listens on another port`);
      }
      const q = Number(quorum);
      if (!Number.isInteger(q) || q < 1 || q > sentinels.length) {
        problems.push(`${name}: quorum ${quorum} is not between 1 and the ${sentinels.length} sentinels`);
      }
    }
    const data = mounts(service).find((m) => m.target === rules.configDir);
    if (data === undefined) {
      problems.push(`${name}: no volume mounted at ${rules.configDir}, where its config is rewritten`);
    } else if (data.source === '') {
      problems.push(
        `${name}: the volume at ${rules.configDir} is anonymous; a recreated container loses its config`,
      );
    } else {
      const owner = volumeOwners.get(data.source);
      if (owner !== undefined) problems.push(`${owner} and ${name} share volume "${data.source}"`);
      volumeOwners.set(data.source, name);
    }
  }
  if (monitored.size > 1)
    problems.push(`the sentinels monitor different masters: ${[...monitored].join(', ')}`);

  const masterName = [...monitored][0]?.split(' ')[1];
  const replicas = services.filter(
    ([, s]) => isRedisImage(s.image) && argv(s.command).includes('--replicaof'),
  );
  if (replicas.length < rules.replicas) {
    problems.push(`expected at least ${rules.replicas} replicas (--replicaof), found ${replicas.length}`);
  }
  for (const [name, service] of replicas) {
    const [host = '', port = ''] = option(argv(service.command), '--replicaof', 2) ?? [];
    if (masterName !== undefined && host !== masterName) {
      problems.push(`${name}: replicaof ${host} ${port}, expected the master service "${masterName}"`);
    }
  }
  const master = masterName === undefined ? undefined : compose.services[masterName];
  if (master !== undefined && argv(master.command).includes('--replicaof')) {
    problems.push(`${masterName ?? ''}: the monitored master is started as a replica (--replicaof)`);
  }
  // The master too: after a failover it is a replica, listed under what it announces.
  const dataNodes = masterName === undefined ? replicas : [...replicas, [masterName, master] as const];
  for (const [name, service] of dataNodes) {
    if (service !== undefined && option(argv(service.command), '--replica-announce-ip')?.[0] !== name) {
      problems.push(`${name}: does not announce its service name (--replica-announce-ip ${name})`);
    }
  }

  if (!services.some(([, s]) => /get-master-addr-by-name/i.test(argv(s.command).join(' ')))) {
    problems.push('no client service asking the sentinels for the master (SENTINEL get-master-addr-by-name)');
  }
  return problems;
}
