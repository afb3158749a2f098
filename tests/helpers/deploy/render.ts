/**
 * Renders docker/sentinel.conf the way a container does on first start: by
 * running docker/entrypoint.sh itself (with `true` as the command, so only the
 * config is written), rather than a second implementation of its substitution.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { REPO_ROOT } from '../../../devkit';

export { REPO_ROOT };
export const ENTRYPOINT = path.join(REPO_ROOT, 'docker/entrypoint.sh');

/**
 * Runs the entrypoint with `env` (as a container's environment) and
 * SENTINEL_CONFIG=`config`; returns `config`, or throws with the script's stderr.
 */
export function renderSentinelConfig(env: Record<string, string>, config: string, template?: string): string {
  const result = spawnSync('sh', [ENTRYPOINT, 'true'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...env,
      SENTINEL_CONFIG: config,
      ...(template === undefined ? {} : { SENTINEL_TEMPLATE: template }),
    },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`entrypoint failed (${result.status}): ${result.stderr.trim()}`);
  return config;
}
