/**
 * The lifecycle of a real redis-server handle: kill -9, SIGSTOP/SIGCONT, restart on the same
 * port, and a start that cannot succeed.
 */
import { command, freePort, startRedis, teardownAfterAll } from '../../helpers/devkit';

teardownAfterAll();

describe('a redis-server handle', () => {
  test('survives kill -9, SIGSTOP/SIGCONT and restarts on the same port', async () => {
    const redis = await startRedis({ password: 'pw' });
    expect(await command(redis.port, ['CONFIG', 'GET', 'bind'], { password: 'pw' })).toMatchObject({
      items: [{ value: 'bind' }, { value: '127.0.0.1' }],
    });

    redis.sigstop();
    await expect(command(redis.port, ['PING'], { password: 'pw', timeoutMs: 300 })).rejects.toThrow(
      /no reply/,
    );
    redis.sigcont();
    expect(await command(redis.port, ['PING'], { password: 'pw' })).toEqual({
      type: 'simple',
      value: 'PONG',
    });

    const firstPid = redis.pid;
    await redis.kill9();
    expect(redis.alive).toBe(false);
    await expect(command(redis.port, ['PING'])).rejects.toThrow(/ECONNREFUSED/);

    await redis.restart();
    expect(redis.pid).not.toBe(firstPid);
    expect(await command(redis.port, ['PING'], { password: 'pw' })).toEqual({
      type: 'simple',
      value: 'PONG',
    });
    expect(await redis.stop('SIGTERM')).toBe('exited');
  }, 30000);

  test('a start that cannot succeed fails fast with the log tail', async () => {
    const port = await freePort();
    await expect(startRedis({ port, args: ['--no-such-option', 'x'] })).rejects.toThrow(
      /Gave up waiting for redis on port \d+ to answer PING: it exited \(code 1\)[\s\S]*no-such-option/,
    );
  });
});
