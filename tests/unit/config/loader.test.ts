import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { ConfigError, ConfigStartupError } from '../../../src/config/errors';
import { checkWritable, noConfigFileMessage } from '../../../src/config/file-checks';
import { checkConfig, commandLineOptions, loadConfig } from '../../../src/config/loader';

let tmp: string;

beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-load-')));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function write(name: string, text: string, mode = 0o644): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  return file;
}

function load(text: string, args: string[] = []) {
  return loadConfig(write('sentinel.conf', text), args);
}

/** The error loadConfig throws for `text`. */
function failure(text: string, args: string[] = []): ConfigError {
  try {
    load(text, args);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('config loaded without error');
}

const MONITOR = 'sentinel monitor m 127.0.0.1 6379 2';

describe('server directives', () => {
  it('starts from the sentinel defaults', () => {
    const config = load('');
    expect(config.path).toBe(path.join(tmp, 'sentinel.conf'));
    expect(config.server).toEqual({
      port: 26379,
      bind: [],
      protectedMode: false,
      dir: process.cwd(),
      logfile: '',
      loglevel: 'notice',
      daemonize: false,
      users: [],
      maxclients: 10000,
      timeout: 0,
      tcpKeepalive: 300,
      renameCommands: [],
      tls: {
        port: 0,
        replication: false,
        cluster: false,
        authClients: 'yes',
        preferServerCiphers: false,
        sessionCaching: true,
        sessionCacheSize: 20480,
        sessionCacheTimeout: 300,
      },
    });
    expect(config.sentinel).toEqual({
      currentEpoch: 0n,
      announcePort: 0,
      denyScriptsReconfig: true,
      resolveHostnames: false,
      announceHostnames: false,
      masters: [],
    });
  });

  it('reads the directives a sentinel acts on', () => {
    fs.mkdirSync(path.join(tmp, 'work'));
    const { server } = load(
      [
        'PORT 26380',
        'bind 127.0.0.1 -::1',
        'bind-source-addr 127.0.0.1',
        'protected-mode YES',
        `dir "${tmp}"`,
        'dir work',
        'logfile log.txt',
        'loglevel Verbose',
        'pidfile /tmp/s.pid',
        'daemonize no',
        'requirepass "p w"',
        'user alice on >pw ~* +@all',
        'aclfile ""',
        'maxclients 50',
        'timeout 7',
        'tcp-keepalive 60',
        'unixsocket /tmp/s.sock',
        'rename-command PING ""',
        'rename-command info xinfo',
        'rename-command xinfo yinfo',
      ].join('\n'),
    );
    expect(server).toEqual({
      port: 26380,
      bind: ['127.0.0.1', '-::1'],
      bindSourceAddr: '127.0.0.1',
      protectedMode: true,
      dir: path.join(tmp, 'work'),
      logfile: 'log.txt',
      loglevel: 'verbose',
      pidfile: '/tmp/s.pid',
      daemonize: false,
      requirepass: 'p w',
      users: [['alice', 'on', '>pw', '~*', '+@all']],
      maxclients: 50,
      timeout: 7,
      tcpKeepalive: 60,
      unixsocket: '/tmp/s.sock',
      renameCommands: [
        ['ping', ''],
        ['info', 'yinfo'],
      ],
      // tls-* directives: tests/unit/server/tls.test.ts.
      tls: expect.objectContaining({ port: 0 }),
    });
    // Checking the log file creates nothing.
    expect(fs.readdirSync(path.join(tmp, 'work'))).toEqual([]);
  });

  it('splits a single multi-argument value and treats bind "" as no list', () => {
    expect(load('bind "127.0.0.1 ::1"').server.bind).toEqual(['127.0.0.1', '::1']);
    expect(load('bind 1.2.3.4\nbind ""').server.bind).toEqual([]);
  });

  it('accepts the other redis.conf directives, aliases and deprecated names', () => {
    const text = [
      'appendonly yes',
      'save 900 1',
      'save ""',
      'repl-diskless-sync-delay 0',
      'enable-protected-configs yes',
      'enable-debug-command yes',
      'latency-tracking-info-percentiles 50 99',
      'tls-port 0',
      'supervised no',
      'syslog-enabled no',
      'acllog-max-len 128',
      'acl-pubsub-default resetchannels',
      'slaveof 127.0.0.1 6379',
      'list-max-ziplist-entries 5',
      'sentinel',
    ].join('\n');
    expect(() => load(text)).not.toThrow();
  });

  it.each([
    ['foo bar', 'Bad directive or wrong number of arguments'],
    ['include', 'Bad directive or wrong number of arguments'],
    ['rename-command PING', 'Bad directive or wrong number of arguments'],
    ['list-max-ziplist-entries 5 6', 'Bad directive or wrong number of arguments'],
    ['port', 'wrong number of arguments'],
    ['appendonly yes no', 'wrong number of arguments'],
    ['port abc', "argument couldn't be parsed into an integer"],
    ['port 070', "argument couldn't be parsed into an integer"],
    ['port 70000', 'argument must be between 0 and 65535 inclusive'],
    ['maxclients -1', 'argument must be between 1 and 4294967295 inclusive'],
    ['timeout -1', 'argument must be between 0 and 2147483647 inclusive'],
    ['loglevel nothing', 'argument(s) must be one of the following: debug, verbose, notice, warning'],
    ['protected-mode maybe', "argument must be 'yes' or 'no'"],
    ['bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17', 'Too many bind addresses specified.'],
    ['dir /nonexistent/dir', 'No such file or directory'],
    ['rename-command CONFIG x', 'No such command in rename-command'],
    ['rename-command ping info', 'Target command name already exists'],
    ['foo.bar', 'Module config specified without value'],
    ['sentinel monitor m "127.0.0.1"x 1 2', 'Unbalanced quotes in configuration line'],
    [
      'user a on\nuser a off',
      "Error in user declaration 'a': Duplicate user found. A user can only be defined once in config files",
    ],
  ])('%j fails with %j', (text, message) => {
    const err = failure(`# leading comment\n\n${text}`);
    expect(err.message).toBe(message);
    expect(err.line).toBe(text.split('\n').length + 2);
    expect(err.lineText).toBe(text.split('\n').pop());
    expect(err.file).toBe(path.join(tmp, 'sentinel.conf'));
  });

  it('formats the error exactly as redis-sentinel prints it', () => {
    const err = failure('port 1\n  foo bar  \n');
    expect(err.format()).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments\n",
    );
    expect(err.short()).toBe(
      `${path.join(tmp, 'sentinel.conf')}:2: Bad directive or wrong number of arguments`,
    );
  });

  it('checks the log file relative to dir, as Redis has chdir()ed there', () => {
    fs.mkdirSync(path.join(tmp, 'work'));
    fs.mkdirSync(path.join(tmp, 'work', 'adir'));
    expect(failure(`dir ${tmp}/work\nlogfile adir`).message).toBe("Can't open the log file: Is a directory");
    expect(failure(`dir ${tmp}/work\nlogfile sub/log.txt`).message).toBe(
      "Can't open the log file: No such file or directory",
    );
    expect(() => load(`dir ${tmp}/work\nlogfile adir/log.txt`)).not.toThrow();
  });

  it('reports an unopenable log file without a line', () => {
    const err = failure('logfile /nonexistent/dir/log.txt');
    expect(err.line).toBeUndefined();
    expect(err.format()).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n",
    );
  });

  it('refuses modules, which only Redis itself can load', () => {
    const err = failure('loadmodule /x/mod.so');
    expect(err).toBeInstanceOf(ConfigStartupError);
    expect(err.format()).toBe("Can't load module from /x/mod.so: server aborting");
  });

  it('fails with the Redis log text when the file cannot be opened', () => {
    const missing = path.join(tmp, 'missing.conf');
    expect(() => loadConfig(missing, [])).toThrow(ConfigStartupError);
    expect(() => loadConfig(missing, [])).toThrow(
      `Fatal error, can't open config file '${missing}': No such file or directory`,
    );
  });
});

describe('sentinel directives', () => {
  it('reads every sentinel option', () => {
    const script = write('notify.sh', '#!/bin/sh\n', 0o755);
    const { sentinel } = load(
      [
        'sentinel myid 0123456789012345678901234567890123456789',
        'sentinel current-epoch 5',
        'sentinel current-epoch 3',
        'sentinel announce-ip 10.0.0.9',
        'sentinel announce-port 26999',
        'sentinel deny-scripts-reconfig no',
        'sentinel resolve-hostnames no',
        'sentinel announce-hostnames YES',
        'sentinel sentinel-user su',
        'sentinel sentinel-pass sp',
        'sentinel monitor m 127.0.0.1 6379 2',
        'sentinel down-after-milliseconds m 5000',
        'sentinel failover-timeout m 60000',
        'sentinel parallel-syncs m 3',
        `sentinel notification-script m ${script}`,
        `sentinel client-reconfig-script m ${script}`,
        'sentinel auth-pass m secret',
        'sentinel auth-user m alice',
        'sentinel master-reboot-down-after-period m 1000',
        'sentinel config-epoch m 9',
        'sentinel leader-epoch m 4',
        'sentinel known-replica m 127.0.0.1 6380',
        'sentinel known-slave m 127.0.0.1 6381',
        'sentinel known-sentinel m 127.0.0.1 26380 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        'sentinel known-sentinel m 127.0.0.1 26381',
        'sentinel rename-command m CONFIG xconfig',
        'sentinel MONITOR other ::1 6400 1',
      ].join('\n'),
    );
    expect(sentinel).toEqual({
      myid: '0123456789012345678901234567890123456789',
      currentEpoch: 9n,
      announceIp: '10.0.0.9',
      announcePort: 26999,
      denyScriptsReconfig: false,
      resolveHostnames: false,
      announceHostnames: true,
      sentinelUser: 'su',
      sentinelPass: 'sp',
      masters: [
        {
          name: 'm',
          host: '127.0.0.1',
          port: 6379,
          quorum: 2,
          downAfterMs: 5000,
          failoverTimeoutMs: 60000,
          parallelSyncs: 3,
          notificationScript: script,
          clientReconfigScript: script,
          authPass: 'secret',
          authUser: 'alice',
          masterRebootDownAfterPeriodMs: 1000,
          renameCommands: [['config', 'xconfig']],
          configEpoch: 9n,
          leaderEpoch: 4n,
          knownReplicas: [
            { host: '127.0.0.1', port: 6380 },
            { host: '127.0.0.1', port: 6381 },
          ],
          knownSentinels: [{ host: '127.0.0.1', port: 26380, runid: 'a'.repeat(40) }],
        },
        expect.objectContaining({ name: 'other', host: '::1', port: 6400, quorum: 1, downAfterMs: 30000 }),
      ],
    });
  });

  it('applies global options, then monitor, then the rest, whatever the file order', () => {
    const { sentinel } = load(
      [
        'sentinel down-after-milliseconds setmaster 20000',
        'sentinel parallel-syncs setmaster 2',
        'sentinel monitor setmaster db.example 30000 2',
        'sentinel resolve-hostnames yes',
      ].join('\n'),
    );
    expect(sentinel.resolveHostnames).toBe(true);
    expect(sentinel.masters[0]).toMatchObject({
      name: 'setmaster',
      host: 'db.example',
      downAfterMs: 20000,
      parallelSyncs: 2,
    });
  });

  it('reports a global option error before an earlier per-master one', () => {
    const err = failure('sentinel down-after-milliseconds nosuch 5\nsentinel myid tooshort');
    expect([err.line, err.message]).toEqual([2, 'Malformed Sentinel id in myid option.']);
  });

  it('ignores empty announce-ip, sentinel-user and sentinel-pass', () => {
    const { sentinel } = load(
      'sentinel announce-ip ""\nsentinel sentinel-user ""\nsentinel sentinel-pass ""',
    );
    expect(sentinel.announceIp).toBeUndefined();
    expect(sentinel.sentinelUser).toBeUndefined();
    expect(sentinel.sentinelPass).toBeUndefined();
  });

  it('reads ports and quorums with atoi leniency', () => {
    const { sentinel } = load('sentinel monitor m 127.0.0.1 6379abc 2x\nsentinel parallel-syncs m -1');
    expect(sentinel.masters[0]).toMatchObject({ port: 6379, quorum: 2, parallelSyncs: -1 });
  });

  it.each([
    ['sentinel foo', 'Unrecognized sentinel configuration statement.'],
    ['sentinel monitor m 127.0.0.1 6379', 'Unrecognized sentinel configuration statement.'],
    ['sentinel monitor m 127.0.0.1 6379 0', 'Quorum must be 1 or greater.'],
    ['sentinel monitor m 127.0.0.1 70000 2', 'Invalid port number.'],
    ['sentinel monitor m localhost 6379 2', "Can't resolve instance hostname."],
    [`${MONITOR}\nsentinel monitor m 127.0.0.2 6379 2`, 'Duplicate master name.'],
    ['sentinel down-after-milliseconds x 5', 'No such master with specified name.'],
    [`${MONITOR}\nsentinel down-after-milliseconds m 0`, 'negative or zero time parameter.'],
    [`${MONITOR}\nsentinel failover-timeout m -5`, 'negative or zero time parameter.'],
    [`${MONITOR}\nsentinel master-reboot-down-after-period m -1`, 'negative time parameter.'],
    [
      `${MONITOR}\nsentinel notification-script m /nonexistent.sh`,
      'Notification script seems non existing or non executable.',
    ],
    [
      `${MONITOR}\nsentinel client-reconfig-script m /nonexistent.sh`,
      'Client reconfiguration script seems non existing or non executable.',
    ],
    ['sentinel myid abc', 'Malformed Sentinel id in myid option.'],
    [
      `${MONITOR}\nsentinel rename-command m CONFIG a\nsentinel rename-command m config b`,
      'Same command renamed multiple times with rename-command.',
    ],
    [
      `${MONITOR}\nsentinel known-replica m 127.0.0.1 7000\nsentinel known-slave m 127.0.0.1 7000`,
      'Duplicate hostname and port for replica.',
    ],
    [`${MONITOR}\nsentinel known-replica m 127.0.0.1 -1`, 'Invalid port number.'],
    [`${MONITOR}\nsentinel known-replica m replica.host 7000`, "Can't resolve instance hostname."],
    [
      `${MONITOR}\nsentinel known-sentinel m 127.0.0.1 1 ${'a'.repeat(40)}\nsentinel known-sentinel m 127.0.0.1 2 ${'a'.repeat(40)}`,
      'Duplicate runid for sentinel.',
    ],
    [
      'sentinel deny-scripts-reconfig maybe',
      'Please specify yes or no for the deny-scripts-reconfig options.',
    ],
    ['sentinel resolve-hostnames 1', 'Please specify yes or no for the resolve-hostnames option.'],
    ['sentinel announce-hostnames 0', 'Please specify yes or no for the announce-hostnames option.'],
  ])('%j fails with %j on its own line', (text, message) => {
    const err = failure(`# comment\n${text}`);
    expect(err.message).toBe(message);
    expect(err.line).toBe(text.split('\n').length + 1);
    expect(err.lineText).toBe(text.split('\n').pop());
  });

  it('checks script paths relative to dir', () => {
    fs.mkdirSync(path.join(tmp, 'work'));
    write('work/n.sh', '#!/bin/sh\n', 0o755);
    write('work/not-exec.sh', '#!/bin/sh\n', 0o644);
    expect(
      load(`dir ${tmp}/work\n${MONITOR}\nsentinel notification-script m n.sh`).sentinel.masters[0],
    ).toMatchObject({ notificationScript: 'n.sh' });
    // As root access(X_OK) still needs an execute bit somewhere.
    expect(failure(`dir ${tmp}/work\n${MONITOR}\nsentinel notification-script m not-exec.sh`).line).toBe(3);
  });
});

describe('command-line options', () => {
  it('builds one directive line per --name, quoting values', () => {
    expect(commandLineOptions(['--port', '26380', '--sentinel', 'announce-ip', '1.2.3.4']).text).toBe(
      'port "26380" \nsentinel "announce-ip" "1.2.3.4" ',
    );
    expect(commandLineOptions(['--port 26380', '--save', '--loglevel', 'debug']).text).toBe(
      'port 26380 \nsave ""\nloglevel "debug" ',
    );
    expect(commandLineOptions(['--sentinel', '--port', '1']).text).toBe('sentinel \nport "1" ');
    expect(commandLineOptions(['--port', '1', '-']).fromStdin).toBe(true);
  });

  it('appends them after the file so the last port wins', () => {
    const config = load('port 1000\nport 2000\n', [
      '--port',
      '26380',
      '--sentinel',
      'announce-ip',
      '1.2.3.4',
    ]);
    expect(config.server.port).toBe(26380);
    expect(config.sentinel.announceIp).toBe('1.2.3.4');
  });

  it('numbers option lines after the file and a separator line', () => {
    const err = failure('port 1\n', ['--port', 'abc']);
    expect([err.line, err.lineText, err.message]).toEqual([
      3,
      'port "abc"',
      "argument couldn't be parsed into an integer",
    ]);
    expect(failure('port 1', ['--port', 'abc']).line).toBe(2);
  });
});

describe('include', () => {
  it('reads included files in place, relative to the current dir', () => {
    fs.mkdirSync(path.join(tmp, 'conf.d'));
    write('conf.d/a.conf', 'port 3000\nsentinel monitor m 127.0.0.1 6379 2\n');
    write('conf.d/b.conf', 'sentinel down-after-milliseconds m 1234\n');
    write('base.conf', 'maxclients 77\n');
    const config = load(`port 1\ndir ${tmp}\ninclude base.conf\ninclude conf.d/*.conf\nport 4000\n`);
    expect(config.server.maxclients).toBe(77);
    expect(config.server.port).toBe(4000);
    expect(config.sentinel.masters[0]).toMatchObject({ name: 'm', downAfterMs: 1234 });
  });

  it('reports errors at the line of the included file', () => {
    const inc = write('inc.conf', '# c\nbogus directive\n');
    const err = failure(`port 1\ninclude ${inc}\n`);
    expect([err.file, err.line, err.lineText]).toEqual([inc, 2, 'bogus directive']);
  });

  it('ignores a pattern that matches nothing but fails on a missing file', () => {
    expect(() => load(`include ${tmp}/none/*.conf`)).not.toThrow();
    const err = failure(`dir ${tmp}\ninclude missing.conf`);
    expect(err).toBeInstanceOf(ConfigStartupError);
    expect(err.format()).toBe(
      "Fatal error, can't open config file 'missing.conf': No such file or directory",
    );
  });
});

describe('checkConfig', () => {
  it('lists every error with file and line', () => {
    const file = write(
      'sentinel.conf',
      'port x\nsentinel down-after-milliseconds nosuch 5\nfoo\nsentinel myid short\nlogfile /nonexistent/l\n',
    );
    expect(checkConfig(file, []).map((e) => e.short())).toEqual([
      `${file}:1: argument couldn't be parsed into an integer`,
      `${file}:3: Bad directive or wrong number of arguments`,
      `${file}: Can't open the log file: No such file or directory`,
      `${file}:4: Malformed Sentinel id in myid option.`,
      `${file}:2: No such master with specified name.`,
    ]);
  });

  it('returns nothing for a good file', () => {
    expect(checkConfig(write('ok.conf', `${MONITOR}\n`), [])).toEqual([]);
  });
});

describe('file checks', () => {
  it('accepts a writable file and explains an unwritable one', () => {
    const file = write('sentinel.conf', '');
    expect(checkWritable(file)).toBeNull();
    const missing = path.join(tmp, 'nope', 'sentinel.conf');
    expect(checkWritable(missing)).toBe(
      `Sentinel config file ${missing} is not writable: No such file or directory. Exiting...`,
    );
    expect(noConfigFileMessage()).toBe('Sentinel needs config file on disk to save state. Exiting...');
  });
});
