import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { DEFAULT_SPEC_PATH, loadSpecFile, loadSpecText, workloadImage } from '../../src/spec.js';

const valid = `
cluster: demo
manager: { name: demo-manager }
nodes: [{ name: demo-node1 }, { name: demo-node2 }]
network: { name: private-net, subnet: 10.0.9.0/24 }
workloads:
  - { name: database, kind: mysql, host: demo-node1 }
  - { name: web, kind: nginx, host: demo-node2, expose: 80 }
verify: { from: demo-node2 }
`;

function problemsOf(text: string): string[] {
  try {
    loadSpecText(text, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).exitCode).toBe(2);
    return (err as SpecError).problems.length ? (err as SpecError).problems : [(err as Error).message];
  }
  throw new Error('the spec was accepted');
}

describe('spec', () => {
  it('loads the default spec: the tutorial topology', () => {
    const spec = loadSpecFile(DEFAULT_SPEC_PATH);
    expect(spec.cluster).toBe('tuto');
    expect(spec.manager.name).toBe('tuto-manager');
    expect(spec.nodes.map((n) => n.name)).toEqual(['tuto-node1', 'tuto-node2', 'tuto-node3']);
    expect(spec.network).toMatchObject({ name: 'private-net', encrypted: false });
    expect(spec.workloads.map((w) => [w.name, w.host, workloadImage(w)])).toEqual([
      ['database', 'tuto-node1', 'mysql'],
      ['web', 'tuto-node2', 'nginx'],
    ]);
    expect(spec.verify.from).toBe('tuto-node3');
    expect(spec.provider).toEqual({ type: 'local', subnet: '10.213.0.0/24' });
  });

  it('fills defaults for a minimal valid spec', () => {
    const spec = loadSpecText(valid, 'test.yaml');
    expect(spec.provider).toEqual({ type: 'local', subnet: '10.213.0.0/24' });
  });

  it('names an unknown field and says what to do', () => {
    expect(problemsOf(valid + 'colour: blue\n')).toEqual(['(top level): unknown field "colour"; remove it or check the spelling']);
    expect(problemsOf(valid.replace('{ name: demo-node1 }', '{ name: demo-node1, size: big }'))).toEqual([
      'nodes[0]: unknown field "size"; remove it or check the spelling',
    ]);
  });

  it('names a wrong type', () => {
    expect(problemsOf(valid.replace('cluster: demo', 'cluster: 42'))).toEqual(['cluster: expected a string, got number 42']);
    expect(problemsOf(valid.replace('expose: 80', 'expose: eighty'))).toEqual(['workloads[1].expose: expected a number, got string "eighty"']);
  });

  it('rejects duplicate names', () => {
    expect(problemsOf(valid.replace('{ name: demo-node2 }]', '{ name: demo-node1 }]').replace(/demo-node2/g, 'demo-node1'))).toEqual([
      'nodes[1].name: host name "demo-node1" is used twice; every host needs its own name',
    ]);
    expect(problemsOf(valid.replace('{ name: web,', '{ name: database,'))).toEqual(['workloads[1].name: workload name "database" is used twice']);
  });

  it('rejects a workload pinned to a missing host', () => {
    expect(problemsOf(valid.replace('host: demo-node2, expose', 'host: demo-node9, expose'))).toEqual([
      'workloads[1].host: "demo-node9" is not a node of this cluster; pin the workload to one of: demo-node1, demo-node2',
    ]);
  });

  it('rejects a workload pinned to the manager, which is not in the swarm', () => {
    expect(problemsOf(valid.replace('host: demo-node1 }', 'host: demo-manager }'))[0]).toContain('"demo-manager" is not a node of this cluster');
  });

  it('rejects bad and overlapping CIDRs', () => {
    expect(problemsOf(valid.replace('10.0.9.0/24', '10.0.9.300/24'))).toEqual(['network.subnet: "10.0.9.300" is not an IPv4 address']);
    expect(problemsOf(valid.replace('10.0.9.0/24', '10.0.9.5/24'))).toEqual(['network.subnet: "10.0.9.5/24" has host bits set; the network address is 10.0.9.0/24']);
    expect(problemsOf(valid.replace('10.0.9.0/24', '10.213.0.0/16'))).toEqual([
      "network.subnet: 10.213.0.0/16 overlaps the hosts' subnet 10.213.0.0/24; choose a separate range",
    ]);
  });

  it('rejects invalid names', () => {
    expect(problemsOf(valid.replace('cluster: demo', 'cluster: Demo_1'))[0]).toMatch(/^cluster: is not a valid name: use lowercase letters/);
  });

  it('requires an image for a plain container and a known kind', () => {
    expect(problemsOf(valid.replace('kind: nginx', 'kind: container'))).toEqual(['workloads[1].image: is required for kind "container" (e.g. image: busybox)']);
    expect(problemsOf(valid.replace('kind: nginx', 'kind: apache'))).toEqual(['workloads[1].kind: must be one of "mysql", "nginx", "container"']);
  });

  it('rejects an unknown provider and checks from a missing node', () => {
    expect(problemsOf(valid + 'provider: { type: aws }\n')).toEqual(['provider.type: unknown type; supported: "local", "exoscale"']);
    expect(problemsOf(valid.replace('from: demo-node2', 'from: nowhere'))[0]).toContain('verify.from: "nowhere" is not a node of this cluster');
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => loadSpecText('cluster: demo\nnodes: [\n', 'test.yaml')).toThrow(/^test\.yaml:3:1: YAML syntax error: Flow sequence/);
  });

  it('reports a missing file with what to do', () => {
    try {
      loadSpecFile('/nonexistent/spec.yaml');
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).message).toBe('spec file /nonexistent/spec.yaml does not exist');
      expect((err as SpecError).hint).toContain('pass an existing file with -f');
    }
  });
});
