/** Waiting with a deadline, and free ports. */
import { freePort, GiveUpError, waitFor } from '../../../devkit';

test('freePort never hands out the same port twice', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  expect(new Set(ports).size).toBe(20);
});

describe('waitFor', () => {
  test('returns the first truthy result', async () => {
    let calls = 0;
    await expect(
      waitFor(() => ++calls >= 3 && calls, { timeoutMs: 1000, intervalMs: 1, what: 'x' }),
    ).resolves.toBe(3);
  });

  test('names the condition and the last error when it times out', async () => {
    const probe = (): boolean => {
      throw new Error('ECONNREFUSED');
    };
    await expect(waitFor(probe, { timeoutMs: 50, intervalMs: 10, what: 'the moon' })).rejects.toThrow(
      /Timed out after 50 ms waiting for the moon \(last error: ECONNREFUSED\)/,
    );
  });

  test('cuts off a probe that hangs', async () => {
    const hang = (): Promise<boolean> => new Promise(() => undefined);
    await expect(waitFor(hang, { timeoutMs: 50, what: 'a hanging probe' })).rejects.toThrow(/still running/);
  });

  test('stops at once on GiveUpError', async () => {
    let probes = 0;
    const probe = (): boolean => {
      probes++;
      throw new GiveUpError('process exited');
    };
    await expect(waitFor(probe, { timeoutMs: 10000, intervalMs: 10, what: 'y' })).rejects.toThrow(
      /Gave up waiting for y: process exited/,
    );
    // Once: no retry after GiveUpError (a retrying wait would probe every 10 ms for 10 s).
    expect(probes).toBe(1);
  });
});
