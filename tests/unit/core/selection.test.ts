import type { ReplicaInstance } from '../../../src/core/model';
import { compareForPromotion } from '../../../src/core/selection';

function replica(name: string, priority: number, offset: bigint, runid: string): ReplicaInstance {
  return { name, priority, replOffset: offset, runid } as ReplicaInstance;
}

describe('replica selection order', () => {
  const order = (rs: ReplicaInstance[]) => [...rs].sort(compareForPromotion).map((r) => r.name);

  it('prefers the lower priority, then the larger offset, then the smaller run ID', () => {
    const rs = [
      replica('c', 100, 10n, 'cc'),
      replica('a', 10, 1n, 'zz'),
      replica('b', 100, 50n, 'bb'),
      replica('d', 100, 10n, 'AA'),
    ];
    expect(order(rs)).toEqual(['a', 'b', 'd', 'c']);
  });

  it('puts replicas without a run ID after those with one', () => {
    const rs = [replica('x', 100, 5n, ''), replica('y', 100, 5n, 'ff')];
    expect(order(rs)).toEqual(['y', 'x']);
  });
});
