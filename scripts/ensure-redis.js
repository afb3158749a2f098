#!/usr/bin/env node
// Makes sure redis-server, redis-sentinel and redis-cli are on PATH before tests and the demo.
// Installs them with apt-get when running as root on Debian/Ubuntu; otherwise explains how.
// With --compose (the tests) it also adds Debian's docker-compose, which validates
// docker-compose.yml without a Docker engine; the compose test needs it and fails without it.
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawnSync } = require('child_process');

const BINARIES = ['redis-server', 'redis-sentinel', 'redis-cli'];
const PACKAGES = ['redis-server', 'redis-sentinel', 'redis-tools'];
// Where Debian's packages start their services; our tests and demo never use these ports.
const SERVICES = [
  { unit: 'redis-server', port: 6379 },
  { unit: 'redis-sentinel', port: 26379 },
];

function onPath(name) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function run(command, args) {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function explainAndExit(missing) {
  console.error(
    [
      `ts-sentinel needs ${missing.join(', ')} on PATH (Redis 7.0 or newer) for its tests and demo.`,
      'Install them with:',
      '  Debian/Ubuntu:  sudo apt-get install -y redis-server redis-sentinel redis-tools',
      '  macOS:          brew install redis',
      'then run the command again.',
    ].join('\n'),
  );
  process.exit(1);
}

// The package scripts start services; stop only those that were not running before we installed.
function stopService(unit) {
  const systemd = fs.existsSync('/run/systemd/system') && onPath('systemctl');
  if (systemd) spawnSync('systemctl', ['stop', unit], { stdio: 'inherit' });
  else if (fs.existsSync(`/etc/init.d/${unit}`))
    spawnSync(`/etc/init.d/${unit}`, ['stop'], { stdio: 'inherit' });
}

const canApt = () => typeof process.getuid === 'function' && process.getuid() === 0 && onPath('apt-get');
let aptUpdated = false;

function aptUpdateOnce() {
  if (aptUpdated) return;
  run('apt-get', ['update']);
  aptUpdated = true;
}

async function ensureRedis() {
  const missing = BINARIES.filter((name) => !onPath(name));
  if (missing.length === 0) return;
  if (!canApt()) explainAndExit(missing);

  const before = await Promise.all(SERVICES.map((s) => listening(s.port)));
  aptUpdateOnce();
  run('apt-get', ['install', '-y', ...PACKAGES]);
  for (const [i, service] of SERVICES.entries()) {
    if (before[i] || !(await listening(service.port))) continue;
    console.log(`Stopping the ${service.unit} service the install started on port ${service.port}.`);
    stopService(service.unit);
    if (await listening(service.port)) {
      console.warn(
        `warning: something still listens on ${service.port}; ts-sentinel does not use that port.`,
      );
    }
  }
  const stillMissing = BINARIES.filter((name) => !onPath(name));
  if (stillMissing.length > 0) explainAndExit(stillMissing);
}

/** The compose test validates docker-compose.yml with Debian's docker-compose CLI. */
function ensureCompose() {
  if (onPath('docker-compose')) return;
  if (!canApt()) {
    console.error(
      'ensure-redis: docker-compose is missing and apt-get cannot run here (needs root on Debian/Ubuntu).\n' +
        'Install it with: sudo apt-get install -y --no-install-recommends docker-compose',
    );
    process.exit(1);
  }
  aptUpdateOnce();
  // Without recommends: the CLI alone, not the Docker engine it would pull in.
  run('apt-get', ['install', '-y', '--no-install-recommends', 'docker-compose']);
  if (!onPath('docker-compose')) {
    console.error('ensure-redis: apt-get did not put docker-compose on PATH; the compose test needs it.');
    process.exit(1);
  }
}

async function main() {
  await ensureRedis();
  if (process.argv.includes('--compose')) ensureCompose();
}

main().catch((e) => {
  console.error(`ensure-redis: ${e.message}`);
  process.exit(1);
});
