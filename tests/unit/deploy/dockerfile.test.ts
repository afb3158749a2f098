import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';

import {
  checkBuildContext,
  checkDockerfile,
  checkEntrypointScript,
  DockerfileSyntaxError,
  isIgnored,
  parseDockerfile,
} from '../../helpers/deploy/dockerfile';
import { ENTRYPOINT, REPO_ROOT } from '../../helpers/deploy/render';

const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const dockerignore = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8');
const entrypoint = fs.readFileSync(ENTRYPOINT, 'utf8');

/** The real Dockerfile with one edit; fails loudly if the edit no longer applies. */
function variant(search: RegExp | string, replacement: string): string {
  const changed = dockerfile.replace(search, replacement);
  if (changed === dockerfile) throw new Error(`variant: ${String(search)} not found in Dockerfile`);
  return changed;
}

const HEALTHCHECK = /^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m;

describe('parseDockerfile', () => {
  it('joins continuations, drops comments inside them and reads flags and the exec form', () => {
    const file = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=node:20',
        'FROM ${BASE} AS Build',
        'RUN npm ci \\',
        '# a comment inside the continuation',
        '',
        '    && npm run build',
        'FROM node:20',
        'COPY --from=build --chown=node:node /app/dist ./dist',
        'HEALTHCHECK --interval=5s CMD ["node", "x.js"]',
        'CMD node x.js',
      ].join('\n'),
    );
    expect(file.directives.get('syntax')).toBe('docker/dockerfile:1');
    expect(file.preamble.map((i) => i.keyword)).toEqual(['ARG']);
    expect(file.stages.map((s) => [s.name, s.base])).toEqual([
      ['build', '${BASE}'],
      [undefined, 'node:20'],
    ]);
    const run = file.stages[0]?.instructions[1];
    expect(run?.body).toBe('npm ci      && npm run build');
    expect(run?.line).toBe(4);
    const [, copy, healthcheck, cmd] = file.stages[1]?.instructions ?? [];
    expect([...(copy?.flags ?? [])]).toEqual([
      ['from', 'build'],
      ['chown', 'node:node'],
    ]);
    expect(copy?.body).toBe('/app/dist ./dist');
    expect(healthcheck?.flags.get('interval')).toBe('5s');
    expect(healthcheck?.body).toBe('CMD ["node", "x.js"]');
    expect(cmd?.json).toBeUndefined();
  });

  it('honours the escape directive', () => {
    const file = parseDockerfile('# escape=`\nFROM scratch\nRUN a `\n  b\\');
    expect(file.stages[0]?.instructions[1]?.body).toBe('a    b\\');
  });

  it('treats a malformed JSON array as the shell form', () => {
    const file = parseDockerfile('FROM scratch\nCMD ["node", x]\nENTRYPOINT ["node"]');
    expect(file.stages[0]?.instructions.map((i) => i.json)).toEqual([undefined, undefined, ['node']]);
  });

  it.each([
    ['FROM scratch\nFROBNICATE x', 'line 2: unknown instruction: FROBNICATE'],
    ['RUN true', 'line 1: no build stage in current context (RUN before FROM)'],
    ['FROM a b', 'line 1: FROM requires either one or three arguments'],
    ['FROM scratch\nUSER', 'line 2: USER requires at least one argument'],
    ['# only a comment', 'line 1: file with no instructions'],
  ])('rejects %j', (text, message) => {
    expect(() => parseDockerfile(text)).toThrow(DockerfileSyntaxError);
    expect(() => parseDockerfile(text)).toThrow(message);
  });

  it('reads the same instruction however its words are split over continuation lines', () => {
    // Words that are not flags (`--name`), which Docker reads apart from the body.
    const word = fc.stringMatching(/^[a-z0-9=./-]{1,8}$/).filter((w) => !/^--[a-z]/.test(w));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), fc.array(fc.boolean()), (words, breaks) => {
        const lines = ['FROM scratch', `RUN ${words[0] ?? ''}`];
        words.slice(1).forEach((w, i) => {
          if (breaks[i] === true) lines.push('# comment', `${lines.pop() ?? ''} \\`, `  ${w}`);
          else lines.push(`${lines.pop() ?? ''} ${w}`);
        });
        const body = parseDockerfile(lines.join('\n')).stages[0]?.instructions[1]?.body;
        expect(body?.split(/\s+/)).toEqual(words);
      }),
    );
  });
});

describe('Dockerfile rules', () => {
  it('accepts our Dockerfile', () => {
    expect(checkDockerfile(dockerfile)).toEqual([]);
  });

  it('requires a non-root USER in the final stage', () => {
    expect(checkDockerfile(variant(/^USER node$/m, 'USER root'))).toEqual([
      'final stage runs as root (USER root): add a non-root USER',
    ]);
    expect(checkDockerfile(variant(/^USER node$/m, 'USER 0:0'))).toEqual([
      'final stage runs as root (USER 0:0): add a non-root USER',
    ]);
    expect(checkDockerfile(variant(/^USER node\n/m, ''))).toEqual([
      'final stage runs as root: add a non-root USER',
    ]);
  });

  it('requires a HEALTHCHECK that uses the daemon, not redis-cli', () => {
    expect(checkDockerfile(variant(HEALTHCHECK, ''))).toEqual(['no HEALTHCHECK in the final stage']);
    expect(checkDockerfile(variant(HEALTHCHECK, 'HEALTHCHECK CMD redis-cli -p 26379 ping\n'))).toEqual([
      'HEALTHCHECK uses redis-cli, which the image does not contain',
      'HEALTHCHECK does not run "dist/cli.js --healthcheck"',
    ]);
    expect(checkDockerfile(variant(HEALTHCHECK, 'HEALTHCHECK NONE\n'))).toEqual([
      'HEALTHCHECK NONE disables the health check',
    ]);
  });

  it('requires a build stage and a runtime stage', () => {
    const single =
      'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nUSER node\nCMD ["node", "dist/cli.js"]';
    expect(checkDockerfile(single)).toEqual([
      'not a multi-stage build: expected a build stage and a runtime stage',
      expect.stringContaining('HEALTHCHECK'),
      'no VOLUME /data, where the sentinel rewrites its config',
      'port 26379 is not EXPOSEd',
    ]);
    expect(checkDockerfile(variant(/^RUN npm run build$/m, 'RUN npx tsc'))).toEqual([
      'no build stage: no stage before the last runs "npm ci" and "npm run build"',
    ]);
  });

  it('keeps dev dependencies out of the runtime stage', () => {
    expect(
      checkDockerfile(
        variant(/^RUN npm ci --omit=dev.*$/m, 'COPY --from=build /app/node_modules ./node_modules'),
      ),
    ).toEqual([
      'runtime stage does not install production dependencies with "npm ci --omit=dev"',
      expect.stringMatching(/^runtime stage copies node_modules from stage "build" \(line \d+\)/),
    ]);
    expect(checkDockerfile(variant(/^RUN npm ci --omit=dev/m, 'RUN npm ci'))).toEqual([
      'runtime stage does not install production dependencies with "npm ci --omit=dev"',
      'runtime stage installs dev dependencies (npm ci/install without --omit=dev)',
    ]);
    expect(
      checkDockerfile(variant(/^FROM node:20-bookworm-slim AS runtime$/m, 'FROM build AS runtime')),
    ).toEqual(['runtime stage is based on stage "build" and inherits its dev dependencies']);
    expect(checkDockerfile(variant(/^COPY --from=build \/app\/dist \.\/dist$/m, ''))).toEqual([
      'runtime stage does not copy dist/ from the build stage',
    ]);
  });

  it('requires the exec form for ENTRYPOINT and CMD', () => {
    expect(checkDockerfile(variant(/^ENTRYPOINT .*$/m, 'ENTRYPOINT /app/docker/entrypoint.sh'))).toEqual([
      expect.stringMatching(/^ENTRYPOINT uses the shell form \(line \d+\): use the exec form/),
    ]);
    expect(checkDockerfile(variant(/^CMD .*$/m, 'CMD node /app/dist/cli.js /data/sentinel.conf'))).toEqual([
      expect.stringMatching(/^CMD uses the shell form/),
    ]);
    expect(checkDockerfile(variant(/^ENTRYPOINT .*\nCMD .*$/m, ''))).toEqual([
      'no ENTRYPOINT or CMD in the final stage',
    ]);
  });

  it('requires the config volume, the sentinel port and SIGTERM', () => {
    expect(checkDockerfile(variant(/^VOLUME \/data$/m, 'VOLUME /tmp'))).toEqual([
      'no VOLUME /data, where the sentinel rewrites its config',
    ]);
    expect(checkDockerfile(variant(/^VOLUME \/data$/m, 'VOLUME ["/data/"]'))).toEqual([]);
    expect(checkDockerfile(variant(/^EXPOSE 26379$/m, 'EXPOSE 6379'))).toEqual(['port 26379 is not EXPOSEd']);
    expect(checkDockerfile(variant(/^EXPOSE 26379$/m, 'EXPOSE 26379/tcp'))).toEqual([]);
    expect(checkDockerfile(variant(/^STOPSIGNAL SIGTERM$/m, 'STOPSIGNAL SIGKILL'))).toEqual([
      'STOPSIGNAL SIGKILL: the daemon flushes its config and exits on SIGTERM',
    ]);
    // Docker's default stop signal is SIGTERM.
    expect(checkDockerfile(variant(/^STOPSIGNAL SIGTERM\n/m, ''))).toEqual([]);
  });

  it('reports a syntax error instead of rules', () => {
    expect(checkDockerfile(`${dockerfile}\nEXPOSED 1`)).toEqual([
      expect.stringMatching(/^Dockerfile line \d+: unknown instruction: EXPOSED$/),
    ]);
  });
});

describe('entrypoint script', () => {
  it('execs its command and is executable', () => {
    expect(checkEntrypointScript(entrypoint)).toEqual([]);
    // COPY keeps the mode; without the x bit ENTRYPOINT fails with "permission denied".
    expect(fs.statSync(ENTRYPOINT).mode & 0o111).toBe(0o111);
  });

  it('fails a script that runs the daemon as its child', () => {
    expect(checkEntrypointScript(entrypoint.replace(/^exec "\$@"$/m, '"$@"'))).toEqual([
      'entrypoint script does not exec "$@": sh would stay PID 1 and keep SIGTERM from node',
    ]);
  });
});

describe('.dockerignore', () => {
  it('lets in what COPY needs and keeps host build output out', () => {
    expect(checkBuildContext(dockerfile, dockerignore)).toEqual([]);
  });

  it('matches like Docker: last rule wins, a directory rule covers its contents', () => {
    const rules = '*\n!src\nsrc/**/*.test.ts\n# comment\n';
    expect(isIgnored(rules, 'node_modules/yaml/package.json')).toBe(true);
    expect(isIgnored(rules, '.git')).toBe(true);
    expect(isIgnored(rules, 'src/cli.ts')).toBe(false);
    expect(isIgnored(rules, './src/config/loader.ts')).toBe(false);
    expect(isIgnored(rules, 'src/config/loader.test.ts')).toBe(true);
    expect(isIgnored('', 'anything')).toBe(false);
  });

  it('fails when a COPY source is excluded or node_modules is let in', () => {
    expect(checkBuildContext(dockerfile, dockerignore.replace(/^!src$/m, ''))).toEqual([
      expect.stringMatching(/^COPY source "src" \(line \d+\) is excluded by \.dockerignore$/),
    ]);
    expect(checkBuildContext(dockerfile, '')).toEqual([
      '.dockerignore does not exclude node_modules',
      '.dockerignore does not exclude dist',
      '.dockerignore does not exclude .git',
    ]);
  });
});
