import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLogger, redisTimestamp } from '../../../src/log';

describe('redisTimestamp', () => {
  it('formats local time like Redis, zero-padded, with milliseconds', () => {
    expect(redisTimestamp(new Date(2026, 10, 3, 9, 8, 7, 5))).toBe('03 Nov 2026 09:08:07.005');
    expect(redisTimestamp(new Date(2027, 0, 23, 19, 48, 14, 934))).toBe('23 Jan 2027 19:48:14.934');
  });
});

describe('createLogger', () => {
  let dir: string;
  let logfile: string;
  const lines = () => fs.readFileSync(logfile, 'utf8').split('\n').slice(0, -1);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-test-'));
    logfile = path.join(dir, 'log.txt');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('appends Redis-style lines with the level character, synchronously', () => {
    fs.writeFileSync(logfile, 'previous line\n');
    const logger = createLogger({ logfile, level: 'debug', format: 'redis' });
    logger.log('warning', 'Sentinel ID is abc');
    // No await: the line is on disk when log() returns.
    expect(lines()).toHaveLength(2);
    logger.log('notice', 'Sentinel new configuration saved on disk');
    logger.event({
      level: 'verbose',
      type: '+role-change',
      payload: 'slave 1:2 1 2 @ m 1 3 new reported role is master',
    });
    logger.event({ level: 'debug', type: '+script-child', payload: '1234' });
    const stamp = String.raw`\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3}`;
    const got = lines();
    expect(got[0]).toBe('previous line');
    expect(got[1]).toMatch(new RegExp(`^${process.pid}:X ${stamp} # Sentinel ID is abc$`));
    expect(got[2]).toMatch(
      new RegExp(`^${process.pid}:X ${stamp} \\* Sentinel new configuration saved on disk$`),
    );
    expect(got[3]).toMatch(
      new RegExp(`^${process.pid}:X ${stamp} - \\+role-change slave 1:2 1 2 @ m 1 3 new`),
    );
    expect(got[4]).toMatch(new RegExp(`^${process.pid}:X ${stamp} \\. \\+script-child 1234$`));
  });

  it('writes signal messages the way Redis logs from its signal handler', () => {
    const logger = createLogger({ logfile, level: 'notice', format: 'redis' });
    const before = Math.floor(Date.now() / 1000);
    logger.signal('Received SIGTERM scheduling shutdown...');
    const match = /^(\d+):signal-handler \((\d+)\) Received SIGTERM scheduling shutdown\.\.\.$/.exec(
      lines()[0] ?? '',
    );
    expect(match?.[1]).toBe(String(process.pid));
    expect(Number(match?.[2])).toBeGreaterThanOrEqual(before);
    expect(Number(match?.[2])).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    // A warning: loglevel nothing silences it, like every other line.
    logger.setLevel('nothing');
    logger.signal('Received SIGINT scheduling shutdown...');
    expect(lines()).toHaveLength(1);
  });

  it('filters by loglevel and follows runtime changes, including nothing', () => {
    const logger = createLogger({ logfile, level: 'notice', format: 'redis' });
    logger.log('debug', 'd1');
    logger.log('verbose', 'v1');
    logger.log('notice', 'n1');
    logger.log('warning', 'w1');
    logger.setLevel('warning');
    logger.log('notice', 'n2');
    logger.log('warning', 'w2');
    logger.setLevel('nothing');
    logger.log('warning', 'w3');
    logger.setLevel('debug');
    logger.log('debug', 'd2');
    expect(lines().map((l) => l.split(' ').slice(-1)[0])).toEqual(['n1', 'w1', 'w2', 'd2']);
  });

  it('starts silent with loglevel nothing', () => {
    const logger = createLogger({ logfile, level: 'nothing', format: 'redis' });
    logger.log('warning', 'never');
    expect(fs.existsSync(logfile)).toBe(false);
  });

  it('writes one JSON object per line, with the event split out', () => {
    const logger = createLogger({ logfile, level: 'verbose', format: 'json' });
    logger.event({ level: 'warning', type: '+sdown', payload: 'master mymaster 127.0.0.1 6379' });
    logger.log('notice', 'Sentinel new configuration saved on disk');
    const [event, plain] = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(event).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'warning',
      pid: process.pid,
      message: '+sdown master mymaster 127.0.0.1 6379',
      event: '+sdown',
      payload: 'master mymaster 127.0.0.1 6379',
    });
    expect(plain).toEqual({
      time: expect.any(String),
      level: 'notice',
      pid: process.pid,
      message: 'Sentinel new configuration saved on disk',
    });
  });

  it('takes a relative logfile from the current directory and writes to stdout when empty', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      createLogger({ logfile: 'log.txt', level: 'notice', format: 'redis' }).log('warning', 'relative');
    } finally {
      process.chdir(cwd);
    }
    expect(lines()[0]).toMatch(/ # relative$/);

    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      createLogger({ logfile: '', level: 'notice', format: 'redis' }).log('warning', 'to stdout');
      expect(write).toHaveBeenCalledWith(
        expect.stringMatching(new RegExp(`^${process.pid}:X .* # to stdout\n$`)),
      );
    } finally {
      write.mockRestore();
    }
  });

  it('keeps going when the log file cannot be written', () => {
    const logger = createLogger({
      logfile: path.join(dir, 'missing', 'log.txt'),
      level: 'notice',
      format: 'redis',
    });
    expect(() => logger.log('warning', 'lost')).not.toThrow();
  });
});
