import { SENTINEL_COMMAND_NAMES } from '../../../src/config/directives';
import { SENTINEL_COMMANDS } from '../../../src/server/commandTable';

describe('directive tables', () => {
  // The config layer may not import the server, so it keeps its own copy of the names
  // `rename-command` accepts; this keeps the copy honest.
  it('lists the same commands as the server table for rename-command', () => {
    const sorted = (names: readonly string[]) => [...names].sort();
    expect(sorted(SENTINEL_COMMAND_NAMES)).toEqual(sorted(SENTINEL_COMMANDS.map((c) => c.name)));
  });
});
