// The real Exoscale API: runs only when EXOSCALE_API_KEY and EXOSCALE_API_SECRET are set
// (and EXOSCALE_SSH_FROM, this machine's public address as a CIDR); creates the
// smallest cluster (a manager and one node, micro instances), verifies it, tears it down.
// Skipped otherwise, and the skip says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from './harness.js';

const live = Boolean(process.env.EXOSCALE_API_KEY && process.env.EXOSCALE_API_SECRET && process.env.EXOSCALE_SSH_FROM);
if (!live) console.log('exoscale live test skipped: set EXOSCALE_API_KEY, EXOSCALE_API_SECRET and EXOSCALE_SSH_FROM to run it');

describe.skipIf(!live)('the real Exoscale API', () => {
  let box: Sandbox;
  const cluster = `live${Date.now().toString(36).slice(-6)}`;

  beforeAll(async () => {
    box = await createSandbox();
  });

  afterAll(async () => {
    await box.cli(['down', cluster], { timeoutMs: 900_000 });
    await box.cli(['dev', 'stop']);
    expect(box.dispose([cluster])).toEqual([]);
  }, 1_000_000);

  it('creates the smallest cluster, verifies it and tears it down', async () => {
    const spec = {
      cluster,
      provider: { type: 'exoscale', zone: process.env.EXOSCALE_ZONE ?? 'ch-gva-2', instanceType: 'standard.micro', sshFrom: process.env.EXOSCALE_SSH_FROM },
      manager: { name: `${cluster}-m` },
      nodes: [{ name: `${cluster}-n1` }],
      network: { name: 'private-net', subnet: '10.0.9.0/24' },
      workloads: [{ name: 'web', kind: 'nginx', host: `${cluster}-n1`, expose: 80 }],
      verify: { from: `${cluster}-n1` },
    };
    const up = await box.cli(['up', '-f', box.writeSpec(spec, 'live'), '--yes'], { timeoutMs: 1_800_000 });
    expect(up.code, up.stderr).toBe(0);
    expect((await box.cli(['verify', cluster])).code).toBe(0);
    const down = await box.cli(['down', cluster], { timeoutMs: 900_000 });
    expect(down.code).toBe(0);
  }, 3_000_000);
});
