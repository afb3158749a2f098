/**
 * A small Dockerfile parser and the rules our image must follow, checked
 * without a Docker engine. Only what the rules need is modelled: parser
 * directives, comments, line continuations, flags, exec (JSON) form and stages.
 */

const KEYWORDS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

export class DockerfileSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'DockerfileSyntaxError';
  }
}

export interface Instruction {
  /** Upper-case keyword. */
  readonly keyword: string;
  /** 1-based line of the keyword. */
  readonly line: number;
  /** Leading `--name=value` options (`--name` alone maps to ''). */
  readonly flags: ReadonlyMap<string, string>;
  /** The arguments after the flags, continuations joined. */
  readonly body: string;
  /** The body as a JSON string array (exec form), if it is one. */
  readonly json: readonly string[] | undefined;
}

export interface Stage {
  readonly index: number;
  /** The `AS` name, lower-cased as Docker compares it. */
  readonly name: string | undefined;
  /** Image or earlier stage the stage starts from. */
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly directives: ReadonlyMap<string, string>;
  /** ARGs before the first FROM. */
  readonly preamble: readonly Instruction[];
  readonly stages: readonly Stage[];
}

const DIRECTIVE = /^#\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/;

/** Parser directives: `# key=value` lines before anything else in the file. */
function readDirectives(lines: readonly string[]): { directives: Map<string, string>; next: number } {
  const directives = new Map<string, string>();
  let next = 0;
  for (; next < lines.length; next++) {
    const match = DIRECTIVE.exec(lines[next] ?? '');
    if (match === null) break;
    directives.set((match[1] ?? '').toLowerCase(), match[2] ?? '');
  }
  return { directives, next };
}

function splitFlags(text: string): { flags: Map<string, string>; body: string } {
  const flags = new Map<string, string>();
  const flag = /^--([A-Za-z][A-Za-z-]*)(?:=(\S*))?(?:\s+|$)/;
  let rest = text.trimStart();
  for (let m = flag.exec(rest); m !== null; m = flag.exec(rest)) {
    flags.set((m[1] ?? '').toLowerCase(), m[2] ?? '');
    rest = rest.slice(m[0].length);
  }
  return { flags, body: rest.trim() };
}

/** The exec form: a JSON array of strings. Anything else is the shell form. */
export function execForm(body: string): string[] | undefined {
  if (!body.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(body);
    if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value;
  } catch {
    // Docker runs a malformed array through the shell, so it is shell form.
  }
  return undefined;
}

function makeInstruction(text: string, line: number): Instruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  const keyword = (match?.[1] ?? '').toUpperCase();
  if (!KEYWORDS.has(keyword))
    throw new DockerfileSyntaxError(line, `unknown instruction: ${match?.[1] ?? text}`);
  const { flags, body } = splitFlags(match?.[2] ?? '');
  if (body === '' && keyword !== 'HEALTHCHECK') {
    throw new DockerfileSyntaxError(line, `${keyword} requires at least one argument`);
  }
  return { keyword, line, flags, body, json: execForm(body) };
}

/** Parses a Dockerfile; throws DockerfileSyntaxError on what Docker would reject. */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split(/\r?\n/);
  const { directives, next } = readDirectives(lines);
  const escape = directives.get('escape') ?? '\\';
  if (escape !== '\\' && escape !== '`') {
    throw new DockerfileSyntaxError(1, `invalid escape token '${escape}' does not validate`);
  }
  const continued = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);

  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  for (let i = next; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    // Comment lines, and empty lines, vanish even inside a continuation.
    if (/^\s*#/.test(raw) || raw.trim() === '') continue;
    if (pending === '') start = i + 1;
    if (continued.test(raw)) {
      pending += `${raw.replace(continued, '')} `;
      continue;
    }
    instructions.push(makeInstruction(pending + raw, start));
    pending = '';
  }
  if (pending.trim() !== '') instructions.push(makeInstruction(pending, start));

  const preamble: Instruction[] = [];
  const stages: { index: number; name: string | undefined; base: string; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    const current = stages[stages.length - 1];
    if (ins.keyword === 'FROM') {
      const words = ins.body.split(/\s+/);
      const hasName = words.length === 3 && words[1]?.toUpperCase() === 'AS';
      if (words.length !== 1 && !hasName) {
        throw new DockerfileSyntaxError(ins.line, 'FROM requires either one or three arguments');
      }
      stages.push({
        index: stages.length,
        name: hasName ? words[2]?.toLowerCase() : undefined,
        base: words[0] ?? '',
        instructions: [ins],
      });
    } else if (current !== undefined) {
      current.instructions.push(ins);
    } else if (ins.keyword === 'ARG') {
      preamble.push(ins);
    } else {
      throw new DockerfileSyntaxError(
        ins.line,
        `no build stage in current context (${ins.keyword} before FROM)`,
      );
    }
  }
  if (stages.length === 0) throw new DockerfileSyntaxError(1, 'file with no instructions');
  return { directives, preamble, stages };
}

export interface DockerfileRules {
  /** Directory of the config the sentinel rewrites; must be a VOLUME. */
  readonly configDir: string;
  readonly port: number;
}

const DEFAULT_RULES: DockerfileRules = { configDir: '/data', port: 26379 };

const all = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((ins) => ins.keyword === keyword);

/** VOLUME and EXPOSE take a JSON array or space-separated words. */
const words = (ins: Instruction): readonly string[] => ins.json ?? ins.body.split(/\s+/);

const isRootUser = (user: string): boolean => {
  const name = user.split(':')[0] ?? '';
  return name === 'root' || name === '0';
};

const runsNpmBuild = (stage: Stage): boolean =>
  all(stage, 'RUN').some((ins) => /\bnpm\s+ci\b/.test(ins.body)) &&
  all(stage, 'RUN').some((ins) => /\bnpm\s+run\s+build\b/.test(ins.body));

const omitsDev = (command: string): boolean => /--omit[=\s]+dev\b/.test(command);

function checkStages(file: Dockerfile): string[] {
  const problems: string[] = [];
  const final = file.stages[file.stages.length - 1];
  if (final === undefined || file.stages.length < 2) {
    return ['not a multi-stage build: expected a build stage and a runtime stage'];
  }
  const earlier = file.stages.slice(0, -1);
  const builders = earlier.filter(runsNpmBuild);
  if (builders.length === 0)
    problems.push('no build stage: no stage before the last runs "npm ci" and "npm run build"');
  const stageNames = new Set(earlier.map((s) => s.name ?? String(s.index)));
  if (stageNames.has(final.base.toLowerCase())) {
    problems.push(`runtime stage is based on stage "${final.base}" and inherits its dev dependencies`);
  }

  const installs = all(final, 'RUN').filter((ins) => /\bnpm\s+(ci|install|i)\b/.test(ins.body));
  if (!installs.some((ins) => /\bnpm\s+ci\b/.test(ins.body) && omitsDev(ins.body))) {
    problems.push('runtime stage does not install production dependencies with "npm ci --omit=dev"');
  }
  if (installs.some((ins) => !omitsDev(ins.body))) {
    problems.push('runtime stage installs dev dependencies (npm ci/install without --omit=dev)');
  }
  let copiesDist = false;
  for (const ins of [...all(final, 'COPY'), ...all(final, 'ADD')]) {
    const from = ins.flags.get('from');
    const sources = (ins.json ?? ins.body.split(/\s+/)).slice(0, -1);
    if (sources.some((s) => /(^|\/)node_modules(\/|$)/.test(s))) {
      problems.push(
        from === undefined
          ? `runtime stage copies node_modules from the build context (line ${ins.line})`
          : `runtime stage copies node_modules from stage "${from}" (line ${ins.line}); ` +
              'install production dependencies with "npm ci --omit=dev" instead',
      );
    }
    if (from !== undefined && sources.some((s) => /(^|\/)dist\/?$/.test(s))) copiesDist = true;
  }
  if (!copiesDist) problems.push('runtime stage does not copy dist/ from the build stage');
  return problems;
}

function checkRuntime(final: Stage, rules: DockerfileRules): string[] {
  const problems: string[] = [];
  const user = all(final, 'USER').pop();
  if (user === undefined || isRootUser(user.body)) {
    problems.push(
      `final stage runs as root${user === undefined ? '' : ` (USER ${user.body})`}: add a non-root USER`,
    );
  }

  const healthcheck = all(final, 'HEALTHCHECK').pop();
  if (healthcheck === undefined) {
    problems.push('no HEALTHCHECK in the final stage');
  } else if (/^NONE$/i.test(healthcheck.body)) {
    problems.push('HEALTHCHECK NONE disables the health check');
  } else {
    const command = healthcheck.body.replace(/^CMD\s+/i, '');
    if (/\bredis-cli\b/.test(command))
      problems.push('HEALTHCHECK uses redis-cli, which the image does not contain');
    if (!/dist\/cli\.js\b[\s\S]*--healthcheck\b/.test(command)) {
      problems.push('HEALTHCHECK does not run "dist/cli.js --healthcheck"');
    }
  }

  const starts = [...all(final, 'ENTRYPOINT'), ...all(final, 'CMD')];
  if (starts.length === 0) problems.push('no ENTRYPOINT or CMD in the final stage');
  for (const ins of starts) {
    if (ins.json === undefined) {
      problems.push(
        `${ins.keyword} uses the shell form (line ${ins.line}): ` +
          'use the exec form (JSON array) so SIGTERM reaches the daemon',
      );
    }
  }

  const volumes = all(final, 'VOLUME').flatMap(words);
  const configDir = rules.configDir.replace(/\/+$/, '');
  if (!volumes.some((v) => v.replace(/\/+$/, '') === configDir)) {
    problems.push(`no VOLUME ${configDir}, where the sentinel rewrites its config`);
  }
  const exposed = all(final, 'EXPOSE').flatMap(words);
  if (!exposed.some((p) => p === String(rules.port) || p === `${rules.port}/tcp`)) {
    problems.push(`port ${rules.port} is not EXPOSEd`);
  }
  const stop = all(final, 'STOPSIGNAL').pop();
  if (stop !== undefined && !/^(SIGTERM|TERM|15)$/i.test(stop.body)) {
    problems.push(`STOPSIGNAL ${stop.body}: the daemon flushes its config and exits on SIGTERM`);
  }
  return problems;
}

/** Every rule the Dockerfile breaks, as messages; [] when it follows them all. */
export function checkDockerfile(text: string, rules: DockerfileRules = DEFAULT_RULES): string[] {
  let file: Dockerfile;
  try {
    file = parseDockerfile(text);
  } catch (err) {
    if (err instanceof DockerfileSyntaxError) return [`Dockerfile ${err.message}`];
    throw err;
  }
  const final = file.stages[file.stages.length - 1];
  return final === undefined ? [] : [...checkStages(file), ...checkRuntime(final, rules)];
}

/** The entrypoint script must end by exec'ing its command, so node (not sh) gets SIGTERM. */
export function checkEntrypointScript(text: string): string[] {
  const problems: string[] = [];
  if (!text.startsWith('#!')) problems.push('entrypoint script has no #! line');
  if (!/^\s*exec\s+"\$@"\s*$/m.test(text)) {
    problems.push('entrypoint script does not exec "$@": sh would stay PID 1 and keep SIGTERM from node');
  }
  return problems;
}

interface IgnoreRule {
  readonly negated: boolean;
  readonly pattern: RegExp;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') {
      source += '[^/]*';
    } else if (c === '?') {
      source += '[^/]';
    } else {
      source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const glob = (negated ? line.slice(1) : line).trim().replace(/^\/+|\/+$/g, '');
      return { negated, pattern: globToRegExp(glob) };
    });
}

/**
 * Whether .dockerignore keeps `file` (relative to the context) out. As in
 * Docker, the last matching line wins, and a line matching a parent directory
 * matches everything below it.
 */
export function isIgnored(dockerignore: string, file: string): boolean {
  const parts = file.replace(/^\.?\/+|\/+$/g, '').split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of parseDockerignore(dockerignore)) {
    if (prefixes.some((p) => rule.pattern.test(p))) ignored = !rule.negated;
  }
  return ignored;
}

/** The context sources COPY/ADD need must be in the context; host build output must not. */
export function checkBuildContext(dockerfileText: string, dockerignore: string): string[] {
  const problems: string[] = [];
  for (const dir of ['node_modules', 'dist', '.git']) {
    if (!isIgnored(dockerignore, `${dir}/x`)) problems.push(`.dockerignore does not exclude ${dir}`);
  }
  const file = parseDockerfile(dockerfileText);
  for (const stage of file.stages) {
    for (const ins of stage.instructions) {
      if ((ins.keyword !== 'COPY' && ins.keyword !== 'ADD') || ins.flags.has('from')) continue;
      for (const source of (ins.json ?? ins.body.split(/\s+/)).slice(0, -1)) {
        if (isIgnored(dockerignore, source)) {
          problems.push(`${ins.keyword} source "${source}" (line ${ins.line}) is excluded by .dockerignore`);
        }
      }
    }
  }
  return problems;
}
