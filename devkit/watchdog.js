'use strict';
/**
 * The process registry's watchdog, run as `node watchdog.js` beside the process that owns the
 * registry. It reads lines on stdin: `+<pid>` a process to kill, `-<pid>` one that is gone,
 * `d<dir>` a temp dir to remove, `n<name>` a network namespace to delete. When stdin closes,
 * because the owner exited, crashed, was killed or tore down, it SIGKILLs the pids left, removes
 * the dirs and deletes the namespaces.
 *
 * Plain JavaScript with no imports from the devkit, so the same file runs under ts-jest (from
 * devkit/) and compiled (from build/devkit/, copied there by tsconfig.tools.json).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const pids = new Set();
const dirs = new Set();
const namespaces = new Set();
let pending = '';

// Ctrl-C reaches the whole process group: outlive the owner so that its death closes our stdin.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => undefined);

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const arg = line.slice(1);
    if (line[0] === '+') pids.add(Number(arg));
    else if (line[0] === '-') pids.delete(Number(arg));
    else if (line[0] === 'd') dirs.add(arg);
    else if (line[0] === 'n') namespaces.add(arg);
  }
});

process.stdin.on('end', () => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  for (const name of namespaces) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  process.exit(0);
});
