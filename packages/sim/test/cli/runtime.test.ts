import { describe, expect, it } from 'vitest';
import { selfAliases } from '../../src/cli/runtime';

describe('selfAliases', () => {
  it('names localhost, 127.0.0.1, the host name, bound and interface addresses with the port; not wildcards', () => {
    expect(selfAliases(['0.0.0.0', '10.1.2.3', '::'], 27018, 'Morton.Local', ['127.0.0.1', '192.168.1.9']).sort()).toEqual(
      ['10.1.2.3:27018', '127.0.0.1:27018', '192.168.1.9:27018', 'localhost:27018', 'morton.local:27018'].sort(),
    );
  });
});
