// The per-host activities take a few fields, not the whole spec (history grows linearly
// with hosts); inputs of runs started before that change still work.
import { describe, expect, it } from 'vitest';
import { hostInput } from '../../src/activities/ensure-host.js';
import { swarmMemberInput } from '../../src/activities/ensure-swarm.js';
import { loadSpecFile } from '../../src/spec.js';

const spec = loadSpecFile();
const ref = { cluster: spec.cluster, provider: spec.provider };

describe('per-host activity inputs', () => {
  it('ensureHost: the legacy { spec, host } becomes { cluster, provider, host, index, images }; the new one is kept', () => {
    expect(hostInput({ spec, host: 'tuto-node2' })).toEqual({ ...ref, host: 'tuto-node2', index: 2, images: ['probe', 'nginx'] });
    expect(hostInput({ spec, host: 'tuto-manager' })).toEqual({ ...ref, host: 'tuto-manager', index: 0, images: ['consul'] });
    const input = { ...ref, host: 'tuto-node3', index: 3 };
    expect(hostInput(input)).toBe(input);
    expect(() => hostInput({ spec, host: 'nope' })).toThrow('host nope is not in the spec of tuto');
  });

  it('ensureSwarmMember: the legacy { spec, node, addresses } becomes the node\'s own fields', () => {
    const addresses = { 'tuto-manager': '10.213.0.10', 'tuto-node1': '10.213.0.11', 'tuto-node2': '10.213.0.12', 'tuto-node3': '10.213.0.13' };
    expect(swarmMemberInput({ spec, node: 'tuto-node2', addresses })).toEqual({
      ...ref,
      node: 'tuto-node2',
      managerAddress: '10.213.0.10',
      swarmManager: 'tuto-node1',
      address: '10.213.0.12',
    });
  });
});
