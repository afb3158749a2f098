/**
 * Users created at runtime with ACL SETUSER are part of a sentinel's state: a config flush
 * writes them as `user` lines (as redis-sentinel's rewrite does), so they survive a crash.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { freePort, OURS, RespClient, startSentinel, teardownAfterAll, text } from '../helpers/devkit';

teardownAfterAll();

it('keeps ACL users created at runtime across kill -9 and restart', async () => {
  const deadPort = await freePort();
  const s = await startSentinel({ conf: `sentinel monitor m 127.0.0.1 ${deadPort} 1`, bin: OURS.bin });

  const admin = await RespClient.connect(s.port);
  expect(text(await admin.call(['ACL', 'SETUSER', 'alice', 'on', '>s3cret', '+@all']))).toBe('OK');
  expect(text(await admin.call(['SENTINEL', 'FLUSHCONFIG']))).toBe('OK');
  admin.close();

  const digest = createHash('sha256').update('s3cret').digest('hex');
  const userLine = fs
    .readFileSync(s.confPath, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('user alice '));
  expect(userLine).toContain(`#${digest}`);
  expect(userLine).toContain('+@all');

  await s.restart();
  const alice = await RespClient.connect(s.port);
  expect(text(await alice.call(['AUTH', 'alice', 's3cret']))).toBe('OK');
  expect(text(await alice.call(['ACL', 'WHOAMI']))).toBe('alice');
  expect(text(await alice.call(['AUTH', 'alice', 'wrong']))).toBe(
    'WRONGPASS invalid username-password pair or user is disabled.',
  );
  alice.close();
});
