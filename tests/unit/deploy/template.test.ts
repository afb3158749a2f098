import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { checkConfig, loadConfig } from '../../../src/config/loader';
import { environmentOf, parseCompose, sentinelServices } from '../../helpers/deploy/compose';
import { renderSentinelConfig, REPO_ROOT } from '../../helpers/deploy/render';

const TEMPLATE = path.join(REPO_ROOT, 'docker/sentinel.conf');

let tmp: string;

beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-template-')));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Each sentinel service of docker-compose.yml with its environment. */
function composeSentinels(): [string, Record<string, string>][] {
  const { compose, problems } = parseCompose(
    fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'),
  );
  if (compose === undefined) throw new Error(problems.join('\n'));
  return sentinelServices(compose).map(([name, service]) => [name, environmentOf(service)]);
}

describe('docker/sentinel.conf rendered by the entrypoint', () => {
  it('is accepted by our config loader for every sentinel of docker-compose.yml', () => {
    const sentinels = composeSentinels();
    expect(sentinels.map(([name]) => name)).toEqual(['sentinel-1', 'sentinel-2', 'sentinel-3']);
    for (const [name, env] of sentinels) {
      const file = renderSentinelConfig(env, path.join(tmp, `${name}.conf`));
      expect(checkConfig(file, [])).toEqual([]);
      const config = loadConfig(file, []);
      expect(config.sentinel).toMatchObject({
        resolveHostnames: true,
        announceHostnames: true,
        announceIp: name,
      });
      expect(config.sentinel.masters).toEqual([
        expect.objectContaining({ name: 'mymaster', host: 'redis-master', port: 6379, quorum: 2 }),
      ]);
      expect(config.sentinel.masters[0]).toMatchObject({ downAfterMs: 5000, failoverTimeoutMs: 60000 });
    }
  });

  it('is accepted with the defaults alone', () => {
    const config = loadConfig(renderSentinelConfig({}, path.join(tmp, 'sentinel.conf')), []);
    expect(config.sentinel.masters).toEqual([
      expect.objectContaining({ name: 'mymaster', host: '127.0.0.1', port: 6379, quorum: 2 }),
    ]);
    expect(config.sentinel.announceIp).toBeUndefined();
  });

  it('is rejected by the loader without resolve-hostnames (the check can fail)', () => {
    const template = path.join(tmp, 'template.conf');
    fs.writeFileSync(
      template,
      fs.readFileSync(TEMPLATE, 'utf8').replace('resolve-hostnames yes', 'resolve-hostnames no'),
    );
    const file = renderSentinelConfig(
      { MASTER_HOST: 'redis-master' },
      path.join(tmp, 'sentinel.conf'),
      template,
    );
    // The monitor line fails, and with it the lines naming its master.
    expect(checkConfig(file, []).map((err) => err.short())).toEqual([
      expect.stringMatching(/sentinel\.conf:\d+: Can't resolve instance hostname\.$/),
      ...Array(3).fill(expect.stringMatching(/: No such master with specified name\.$/)),
    ]);
  });

  it('leaves comment lines alone, so the rendered file still documents the placeholders', () => {
    const text = fs.readFileSync(
      renderSentinelConfig({ MASTER_HOST: 'redis-master' }, path.join(tmp, 's.conf')),
      'utf8',
    );
    expect(text).toContain('#   ${MASTER_HOST}');
    expect(text).toMatch(/^sentinel monitor mymaster redis-master 6379 2$/m);
  });
});

describe('docker/entrypoint.sh', () => {
  const config = () => path.join(tmp, 'sentinel.conf');

  it('never overwrites an existing config: it is the sentinel memory', () => {
    renderSentinelConfig({ MASTER_HOST: 'first' }, config());
    fs.appendFileSync(config(), 'sentinel myid 0123456789012345678901234567890123456789\n');
    const before = fs.readFileSync(config(), 'utf8');
    renderSentinelConfig({ MASTER_HOST: 'second' }, config());
    expect(fs.readFileSync(config(), 'utf8')).toBe(before);
    expect(before).toMatch(/^sentinel monitor mymaster first /m);
  });

  it('refuses values that could break the config line, and writes nothing', () => {
    expect(() => renderSentinelConfig({ MASTER_HOST: 'redis-master 6380' }, config())).toThrow(
      "MASTER_HOST='redis-master 6380': only A-Z a-z 0-9 . _ : - are allowed",
    );
    expect(() => renderSentinelConfig({ ANNOUNCE_IP: 'x"\nsentinel myid' }, config())).toThrow(
      'ANNOUNCE_IP=',
    );
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('refuses a template with placeholders it does not know, and writes nothing', () => {
    const template = path.join(tmp, 'template.conf');
    fs.writeFileSync(template, 'sentinel monitor mymaster ${MASTER_HOST} ${MASTER_PORTT} 2\n');
    expect(() => renderSentinelConfig({}, config(), template)).toThrow(
      `${template} has placeholders other than: MASTER_NAME`,
    );
    expect(fs.readdirSync(tmp)).toEqual(['template.conf']);
  });

  it('refuses a missing template or a config directory it cannot write to', () => {
    expect(() => renderSentinelConfig({}, config(), path.join(tmp, 'missing.conf'))).toThrow(
      `no config at ${config()} and no template at ${path.join(tmp, 'missing.conf')}`,
    );
    const nowhere = path.join(tmp, 'missing-dir');
    expect(() => renderSentinelConfig({}, path.join(nowhere, 'sentinel.conf'))).toThrow(
      `${nowhere} is not writable by uid`,
    );
  });
});
