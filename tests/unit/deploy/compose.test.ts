import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';

import { checkCompose, type ComposeRules, parseCompose, RESTART } from '../../helpers/deploy/compose';
import { renderSentinelConfig, REPO_ROOT } from '../../helpers/deploy/render';

const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const compose = fs.readFileSync(COMPOSE_FILE, 'utf8');

let tmp: string;
let rendered = 0;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-compose-'));
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function rules(template?: string): ComposeRules {
  return {
    render: (env) => {
      rendered += 1;
      return fs.readFileSync(renderSentinelConfig(env, path.join(tmp, `${rendered}.conf`), template), 'utf8');
    },
    configDir: '/data',
    sentinels: 3,
    replicas: 2,
  };
}

/** The real compose file with one edit; fails loudly if the edit no longer applies. */
function variant(search: RegExp | string, replacement: string): string {
  const changed = compose.replace(search, replacement);
  if (changed === compose) throw new Error(`variant: ${String(search)} not found in docker-compose.yml`);
  return changed;
}

/** `docker-compose` (v1) or `docker compose` (v2), whichever can run here. */
function composeCommand(): string[] | undefined {
  for (const command of [['docker-compose'], ['docker', 'compose']]) {
    const [bin = '', ...args] = command;
    if (spawnSync(bin, [...args, 'version'], { stdio: 'ignore' }).status === 0) return command;
  }
  return undefined;
}

const cli = composeCommand();

/** `compose config -q` on `file`; without a compose CLI the test fails here, naming the fix. */
function composeConfig(file: string) {
  if (cli === undefined) {
    throw new Error(
      'neither `docker-compose` nor `docker compose` runs here: `npm test` installs docker-compose ' +
        '(node scripts/ensure-redis.js --compose, as root on Debian/Ubuntu); install it and run again',
    );
  }
  const [bin = '', ...args] = cli;
  return spawnSync(bin, [...args, '-f', file, 'config', '-q'], { encoding: 'utf8', cwd: path.dirname(file) });
}

describe('docker-compose.yml', () => {
  it('follows our deployment rules', () => {
    expect(checkCompose(compose, rules())).toEqual([]);
  });

  it('is accepted by docker compose config', () => {
    const result = composeConfig(COMPOSE_FILE);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('makes docker compose config fail on a broken file (the CLI check can fail)', () => {
    const file = path.join(tmp, 'docker-compose.yml');
    fs.writeFileSync(file, 'services:\n  a:\n    image: redis:latest\n    depends_on: [nowhere]\n');
    const result = composeConfig(file);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/nowhere/);
  });

  it('has a client script that is valid sh once compose has unescaped $$', () => {
    const parsed: unknown = parse(compose, { merge: true });
    const command = (parsed as { services: { client: { command: string[] } } }).services.client.command;
    const script = (command[2] ?? '').replace(/\$\$/g, '$');
    expect(script).toMatch(/SENTINEL get-master-addr-by-name mymaster/);
    // A lone `$` would be interpolated by compose, not left for the shell.
    expect((command[2] ?? '').replace(/\$\$/g, '')).not.toContain('$');
    const result = spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('compose rules fail on broken variants', () => {
  it('a sentinel without announce-ip', () => {
    const broken = variant(/^(\s+)ANNOUNCE_IP: sentinel-2\n/m, '');
    expect(checkCompose(broken, rules())).toEqual([
      'sentinel-2: sentinel announce-ip is "", expected its service name "sentinel-2"',
    ]);
  });

  it('a sentinel announcing another name', () => {
    const broken = variant('ANNOUNCE_IP: sentinel-3', 'ANNOUNCE_IP: 172.18.0.5');
    expect(checkCompose(broken, rules())).toEqual([
      'sentinel-3: sentinel announce-ip is "172.18.0.5", expected its service name "sentinel-3"',
    ]);
  });

  it('a template without the hostname settings', () => {
    const template = path.join(tmp, 'no-hostnames.conf');
    const text = fs.readFileSync(path.join(REPO_ROOT, 'docker/sentinel.conf'), 'utf8');
    fs.writeFileSync(template, text.replace(/^sentinel (resolve|announce)-hostnames yes$/gm, ''));
    const problems = checkCompose(compose, rules(template));
    expect(problems).toHaveLength(6);
    expect(problems).toContain('sentinel-1: sentinel resolve-hostnames is not yes');
    expect(problems).toContain('sentinel-3: sentinel announce-hostnames is not yes');
  });

  it('broken YAML', () => {
    expect(checkCompose(variant('  sentinel-1:\n', '  sentinel-1:\n   bad: [\n'), rules())).toEqual([
      expect.stringMatching(/^not valid YAML: /),
    ]);
    expect(checkCompose('services: [a, b]\n', rules())).toEqual([
      expect.stringMatching(/^schema: services: /),
    ]);
  });

  it('a monitor line that does not name the master service', () => {
    const broken = variant('MASTER_HOST: redis-master', 'MASTER_HOST: 10.0.0.1');
    const problems = checkCompose(broken, rules());
    expect(problems).toContain(
      'sentinel-1: monitors 10.0.0.1:6379, which is not a Redis service of this file',
    );
    expect(problems).toContain(
      'redis-replica-1: replicaof redis-master 6379, expected the master service "10.0.0.1"',
    );
    expect(checkCompose(variant("MASTER_PORT: '6379'", "MASTER_PORT: '6380'"), rules())).toContain(
      'sentinel-2: monitors redis-master:6380, but redis-master listens on another port',
    );
    expect(checkCompose(variant("QUORUM: '2'", "QUORUM: '4'"), rules())).toContain(
      'sentinel-1: quorum 4 is not between 1 and the 3 sentinels',
    );
  });

  it('sentinels sharing a volume, or keeping their config in the container', () => {
    expect(checkCompose(variant('- sentinel-2-data:/data', '- sentinel-1-data:/data'), rules())).toEqual([
      'sentinel-1 and sentinel-2 share volume "sentinel-1-data"',
    ]);
    expect(checkCompose(variant('- sentinel-3-data:/data', '- sentinel-3-data:/var/lib'), rules())).toEqual([
      'sentinel-3: no volume mounted at /data, where its config is rewritten',
    ]);
    expect(checkCompose(variant('- sentinel-3-data:/data', '- /data'), rules())).toEqual([
      'sentinel-3: the volume at /data is anonymous; a recreated container loses its config',
    ]);
    expect(checkCompose(variant('- sentinel-3-data:/data', '- sentinel-4-data:/data'), rules())).toEqual([
      'schema: services.sentinel-3 uses undeclared volume "sentinel-4-data"',
    ]);
  });

  it('Redis services on another image, or not announcing their service name', () => {
    expect(
      checkCompose(variant(/(redis-replica-2:\n\s+image: )redis:latest/, '$1redis:7.0'), rules()),
    ).toEqual(['redis-replica-2: image is "redis:7.0", expected redis:latest']);
    expect(checkCompose(variant(", '--replica-announce-ip', 'redis-replica-1'", ''), rules())).toEqual([
      'redis-replica-1: does not announce its service name (--replica-announce-ip redis-replica-1)',
    ]);
    expect(
      checkCompose(
        variant("['redis-server', '--replica-announce-ip', 'redis-master']", "['redis-server']"),
        rules(),
      ),
    ).toEqual(['redis-master: does not announce its service name (--replica-announce-ip redis-master)']);
  });

  it('missing services', () => {
    const noReplica = variant(/^ {2}redis-replica-2:\n(?: {4}.*\n| {6}.*\n)+/m, '');
    expect(checkCompose(noReplica, rules())).toEqual(['expected at least 2 replicas (--replicaof), found 1']);
    const noSentinel = variant(/^ {2}sentinel-3:\n(?: {4,}.*\n)+/m, '').replace(
      /^ {6}sentinel-3:\n {8}.*\n/m,
      '',
    );
    expect(checkCompose(noSentinel, rules())).toEqual([
      'expected 3 sentinel services built from the Dockerfile, found 2',
    ]);
    expect(checkCompose(variant('get-master-addr-by-name', 'master mymaster'), rules())).toEqual([
      'no client service asking the sentinels for the master (SENTINEL get-master-addr-by-name)',
    ]);
  });

  it('schema errors: unknown keys, wrong types, undefined dependencies', () => {
    // Both edits land in the x-sentinel anchor, so all three sentinels carry them.
    const sentinels = ['sentinel-1', 'sentinel-2', 'sentinel-3'];
    expect(checkCompose(variant('restart: unless-stopped', 'restart: sometimes'), rules())).toEqual(
      sentinels.map(
        (s) => `schema: services.${s}.restart: Invalid string: must match pattern ${String(RESTART)}`,
      ),
    );
    expect(parseCompose(variant('init: true', 'init: yes please')).problems).toEqual(
      sentinels.map((s): unknown =>
        expect.stringMatching(new RegExp(`^schema: services\\.${s}\\.init: Invalid input: expected boolean`)),
      ),
    );
    expect(
      parseCompose(variant(/^(\s+)restart: unless-stopped$/m, '$1restart: always\n$1imagee: redis')).problems,
    ).toEqual([
      'schema: services.sentinel-1: unknown key "imagee"',
      'schema: services.sentinel-2: unknown key "imagee"',
      'schema: services.sentinel-3: unknown key "imagee"',
    ]);
    expect(
      parseCompose(variant(/^(\s+)sentinel-3:\n(\s+)condition/m, '$1sentinel-9:\n$2condition')).problems,
    ).toEqual(['schema: services.client depends on undefined service "sentinel-9"']);
    expect(parseCompose(`${compose}\nnetwork:\n  default: {}\n`).problems).toEqual([
      'schema: unknown top-level key "network"',
    ]);
  });
});
