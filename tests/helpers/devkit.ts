/**
 * The devkit as the tests use it, plus the one thing only jest needs: teardown in afterAll.
 */
import { registry } from '../../devkit';

export * from '../../devkit';

/** Kills every process this test file spawned and removes its temp dirs, pass or fail. */
export function teardownAfterAll(): void {
  afterAll(() => registry.teardown());
}
