import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { ConfigError } from '../../../src/config/errors';
import { loadConfig } from '../../../src/config/loader';
import { parseMemory } from '../../../src/config/server-directives';

let tmp: string;

beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-server-')));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function load(text: string, args: string[] = []) {
  const file = path.join(tmp, 'sentinel.conf');
  fs.writeFileSync(file, text);
  return loadConfig(file, args);
}

function failure(text: string): string {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('config loaded without error');
}

describe('client-output-buffer-limit', () => {
  it('keeps the normal and pubsub classes, with memtoull units', () => {
    const { server } = load(
      'client-output-buffer-limit pubsub 1mb 256kb 5\nclient-output-buffer-limit "normal 10k 0 0 replica 1gb 1gb 0"\n',
    );
    expect(server.outputBufferLimits).toEqual({
      normal: { hardBytes: 10000, softBytes: 0, softSeconds: 0 },
      pubsub: { hardBytes: 1024 * 1024, softBytes: 256 * 1024, softSeconds: 5 },
    });
  });

  it('defaults to redis-sentinel 7.0 limits', () => {
    expect(load('').server.outputBufferLimits.pubsub).toEqual({
      hardBytes: 32 * 1024 * 1024,
      softBytes: 8 * 1024 * 1024,
      softSeconds: 60,
    });
  });

  it.each([
    ['pubsub 1mb 1mb', 'Wrong number of arguments in buffer limit configuration.'],
    ['master 1mb 1mb 1', 'Invalid client class specified in buffer limit configuration.'],
    ['pubsub 1.5mb 1mb 1', 'Error in hard, soft or soft_seconds setting in buffer limit configuration.'],
    ['pubsub -1 1mb 1', 'Error in hard, soft or soft_seconds setting in buffer limit configuration.'],
    ['pubsub 1mb 1mb -1', 'Error in hard, soft or soft_seconds setting in buffer limit configuration.'],
  ])('refuses `%s` with Redis text', (value, message) => {
    expect(failure(`client-output-buffer-limit ${value}\n`)).toBe(message);
  });

  it('parses memory values like memtoull', () => {
    expect([
      parseMemory('5'),
      parseMemory('2K'),
      parseMemory('2kb'),
      parseMemory('3G'),
      parseMemory(''),
    ]).toEqual([5, 2000, 2048, 3e9, 0]);
    expect([parseMemory('1 mb'), parseMemory('1tb'), parseMemory('+1')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('other server directives', () => {
  it('reads tcp-backlog and unixsocketperm (octal)', () => {
    const { server } = load('tcp-backlog 100\nunixsocketperm 0770\n');
    expect(server.tcpBacklog).toBe(100);
    expect(server.unixsocketperm).toBe(0o770);
    expect(failure('unixsocketperm 800\n')).toBe("argument couldn't be parsed as an octal number");
    expect(failure('unixsocketperm 1000\n')).toBe('argument must be between 0 and 777 inclusive');
  });

  it('names each directive redis-sentinel acts on and we do not, once, unless set to its neutral value', () => {
    const { server } = load(
      'syslog-enabled yes\nsyslog-enabled yes\nsupervised systemd\nhz 50\nmaxmemory 1gb\nio-threads 1\nacllog-max-len 5\nacllog-max-len 128\n',
      ['--socket-mark-id', '3'],
    );
    // hz is overridden by the sentinel timer in redis-sentinel too; maxmemory only matters to data.
    expect(server.unhonoured).toEqual(['syslog-enabled', 'supervised', 'socket-mark-id']);
  });
});
