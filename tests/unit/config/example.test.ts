import * as path from 'path';
import { checkConfig, loadConfig } from '../../../src/config/loader';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'sentinel.conf.example');

describe('sentinel.conf.example', () => {
  it('loads without errors and holds the documented defaults', () => {
    expect(checkConfig(EXAMPLE, []).map((e) => e.short())).toEqual([]);
    const { server, sentinel } = loadConfig(EXAMPLE, []);
    expect(server.port).toBe(26379);
    expect(sentinel.denyScriptsReconfig).toBe(true);
    expect(sentinel.masters).toEqual([
      expect.objectContaining({
        name: 'mymaster',
        quorum: 2,
        downAfterMs: 30000,
        failoverTimeoutMs: 180000,
        parallelSyncs: 1,
      }),
    ]);
  });
});
