// Classic mode in the spec: the default stays swarm, what classic mode cannot do is
// refused with the version (or the missing store backend) found and the way out.
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { clusterRules } from '../../src/firewall.js';
import { daemonConfig } from '../../src/providers/local/dockerd.js';
import { hostDirs } from '../../src/providers/local/layout.js';
import { defaultPaths } from '../../src/paths.js';
import { classicModeProblem, clusterStoreOf, loadSpecFile, loadSpecText, modeOf, parseEngineVersion } from '../../src/spec.js';

const base = `
cluster: demo
manager: { name: demo-manager }
nodes: [{ name: demo-node1 }, { name: demo-node2 }]
network: { name: private-net, subnet: 10.0.9.0/24 }
verify: { from: demo-node2 }
`;

function problems(text: string): string[] {
  try {
    loadSpecText(text, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).problems;
  }
  throw new Error('the spec was accepted');
}

const DEBIAN = { version: 'Docker version 20.10.24+dfsg1, build 5d6db84', clusterStores: ['etcd', 'zookeeper'] };
const UPSTREAM_20 = { version: 'Docker version 20.10.24, build 297e128', clusterStores: ['consul', 'etcd', 'zookeeper'] };

describe('mode', () => {
  it('defaults to swarm, with no cluster store', () => {
    const spec = loadSpecText(base, 'test.yaml');
    expect(spec.mode).toBe('swarm');
    expect(clusterStoreOf(spec)).toBeUndefined();
    // a spec recorded before modes existed is swarm too
    expect(modeOf({})).toBe('swarm');
  });

  it('classic mode uses Consul unless told otherwise', () => {
    expect(clusterStoreOf(loadSpecText(`${base}mode: classic\n`, 'test.yaml'))).toBe('consul');
    expect(clusterStoreOf(loadSpecText(`${base}mode: classic\nclusterStore: etcd\n`, 'test.yaml'))).toBe('etcd');
  });

  it('refuses an unknown mode, a store without classic mode, and an encrypted classic network', () => {
    expect(problems(`${base}mode: legacy\n`)).toEqual(['mode: must be one of "swarm", "classic"']);
    expect(problems(`${base}clusterStore: etcd\n`)).toEqual(['clusterStore: applies to mode: classic only (swarm keeps its own state); remove it, or set mode: classic']);
    expect(problems(`${base.replace('subnet: 10.0.9.0/24 }', 'subnet: 10.0.9.0/24, encrypted: true }')}mode: classic\n`)).toEqual([
      'network.encrypted: an encrypted overlay needs swarm mode (the swarm distributes its keys); use mode: swarm, or set network.encrypted: false',
    ]);
  });
});

describe('classic mode and the engine', () => {
  const classic = { mode: 'classic' as const };

  it('reads the version from dockerd --version and from the API', () => {
    expect(parseEngineVersion('Docker version 20.10.24+dfsg1, build 5d6db84')).toEqual({ version: '20.10.24', major: 20 });
    expect(parseEngineVersion('24.0.7')).toEqual({ version: '24.0.7', major: 24 });
    expect(parseEngineVersion('dev')).toBeUndefined();
  });

  it('refuses Docker 23 and later, naming the version and the way out', () => {
    const problem = classicModeProblem(classic, { version: 'Docker version 24.0.7, build afdd53b' }, 'the engine of demo-manager');
    expect(problem).toBe(
      'mode: classic needs a Docker engine older than 23 (--cluster-store was removed in 23.0), but the engine of demo-manager has Docker 24.0.7; ' +
        'use mode: swarm, or pin an engine older than 23 (e.g. Debian 12\'s docker.io 20.10; on exoscale a template that ships it, such as "Linux Debian 12 (Bookworm) 64-bit")',
    );
    expect(classicModeProblem(classic, { version: '23.0.0' }, 'x')).toContain('has Docker 23.0.0');
  });

  it('accepts Docker 22 and older with the store compiled in, and swarm mode on any version', () => {
    expect(classicModeProblem(classic, { version: '22.06.0' }, 'x')).toBeUndefined();
    expect(classicModeProblem(classic, UPSTREAM_20, 'x')).toBeUndefined();
    expect(classicModeProblem({ mode: 'classic', clusterStore: 'etcd' }, DEBIAN, 'x')).toBeUndefined();
    expect(classicModeProblem({ mode: 'swarm' }, { version: '27.1.0' }, 'x')).toBeUndefined();
    expect(classicModeProblem({}, { version: '27.1.0' }, 'x')).toBeUndefined();
    // an engine that does not say: its own start tells
    expect(classicModeProblem(classic, { version: 'unknown' }, 'x')).toBeUndefined();
  });

  it("refuses Consul on a dockerd built without Consul's backend (Debian's), pointing at etcd", () => {
    expect(classicModeProblem(classic, DEBIAN, "this machine's dockerd")).toBe(
      "mode: classic with clusterStore: consul needs a dockerd built with that store's backend, but this machine's dockerd (Docker 20.10.24) has only: etcd, zookeeper " +
        "(Debian's docker.io is built without Consul's); use clusterStore: etcd, or mode: swarm, or an upstream Docker build older than 23",
    );
  });
});

describe("a local engine's config file", () => {
  const dirs = hostDirs(defaultPaths({ OVERLAYCTL_STATE_DIR: '/tmp/s' }), 'demo', 'demo-node1');

  it('holds the store options in classic mode only', () => {
    expect(JSON.parse(daemonConfig(dirs))).toEqual({ 'deprecated-key-path': '/tmp/s/clusters/demo/hosts/demo-node1/key.json' });
    expect(JSON.parse(daemonConfig(dirs, { clusterStore: 'etcd://10.213.7.10:2379', clusterAdvertise: 'eth0:2376' }))).toEqual({
      'deprecated-key-path': '/tmp/s/clusters/demo/hosts/demo-node1/key.json',
      'cluster-store': 'etcd://10.213.7.10:2379',
      'cluster-advertise': 'eth0:2376',
    });
  });
});

describe('specs/classic.yaml', () => {
  it('is the tutorial in classic mode on etcd, on its own subnet', () => {
    const spec = loadSpecFile(new URL('../../specs/classic.yaml', import.meta.url).pathname);
    expect([spec.mode, clusterStoreOf(spec), spec.provider]).toEqual(['classic', 'etcd', { type: 'local', subnet: '10.213.7.0/24' }]);
    expect(spec.nodes.map((n) => n.name)).toEqual(['classic-node1', 'classic-node2', 'classic-node3']);
  });
});

describe('classic mode and the firewall', () => {
  it('opens no swarm port, and the store port to members when etcd is the store', () => {
    const summary = (text: string) => clusterRules(loadSpecText(text, 'test.yaml'), { exposed: false }).map((r) => `${r.protocol}${r.port ? `/${r.port}` : ''} ${r.to?.join('+') ?? 'all'}`);
    expect(summary(base)).toContain('tcp/2377 demo-node1');
    expect(summary(`${base}mode: classic\n`)).not.toContain('tcp/2377 demo-node1');
    expect(summary(`${base}mode: classic\n`)).not.toContain('tcp/2379 demo-manager');
    expect(summary(`${base}mode: classic\nclusterStore: etcd\n`)).toContain('tcp/2379 demo-manager');
    expect(summary(`${base}mode: classic\nclusterStore: etcd\n`)).toContain('tcp/8500 demo-manager');
  });
});
