// The hosts step preloads what each host will run; the steps after it find it there.
import { describe, expect, it } from 'vitest';
import { imagesFor } from '../../src/host-images.js';
import { loadSpecFile } from '../../src/spec.js';

describe('imagesFor', () => {
  const spec = loadSpecFile();

  it("gives each host of the tutorial exactly what its steps run", () => {
    expect(imagesFor(spec, 'tuto-manager')).toEqual(['consul']);
    expect(imagesFor(spec, 'tuto-node1').sort()).toEqual(['mysql', 'probe']);
    expect(imagesFor(spec, 'tuto-node2').sort()).toEqual(['nginx', 'probe']);
    expect(imagesFor(spec, 'tuto-node3').sort()).toEqual(['busybox', 'mysql', 'probe']);
  });

  it("includes a user's container image on its host, and nothing for a host not in the spec", () => {
    const custom = { ...spec, workloads: [...spec.workloads, { name: 'tool', kind: 'container' as const, host: 'tuto-node2', image: 'alpine:3.20' }] };
    expect(imagesFor(custom, 'tuto-node2')).toContain('alpine:3.20');
    expect(imagesFor(custom, 'elsewhere')).toEqual([]);
  });
});
