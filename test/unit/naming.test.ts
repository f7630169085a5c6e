import { describe, expect, it } from 'vitest';
import { demux } from '../../src/docker/containers.js';
import { bridgeAddress, bridgeName, hostAddress, hostDirs, netnsName, parseNetnsName, vethName } from '../../src/providers/local/layout.js';
import { parseImageRef } from '../../src/docker/images.js';
import { provisionWorkflowId, teardownWorkflowId } from '../../src/names.js';

describe('naming', () => {
  it('names namespaces so that cluster and host can be read back, whatever dashes they hold', () => {
    expect(netnsName('tuto', 'tuto-node1')).toBe('ovl_tuto_tuto-node1');
    expect(parseNetnsName('ovl_a-b_c')).toEqual({ cluster: 'a-b', host: 'c' });
    expect(parseNetnsName('ovl_a_b-c')).toEqual({ cluster: 'a', host: 'b-c' });
    expect(parseNetnsName('other')).toBeUndefined();
  });

  it('keeps interface names within the 15-byte limit and distinct per cluster and host', () => {
    const names = [bridgeName('tuto'), bridgeName('tuto2'), vethName('tuto', 'tuto-node1'), vethName('tuto', 'tuto-node2'), vethName('tuto2', 'tuto-node1')];
    for (const n of names) expect(n.length).toBeLessThanOrEqual(15);
    expect(new Set(names).size).toBe(names.length);
    expect(bridgeName('tuto')).toBe(bridgeName('tuto'));
  });

  it('gives the bridge .1 and hosts .10 onwards', () => {
    expect(bridgeAddress('10.213.0.0/24')).toBe('10.213.0.1');
    expect(hostAddress('10.213.0.0/24', 0)).toBe('10.213.0.10');
    expect(hostAddress('10.213.0.0/24', 3)).toBe('10.213.0.13');
  });

  it('keeps socket paths short enough for unix sockets', () => {
    const dirs = hostDirs({ state: '/root/.local/state/overlayctl', cache: '/c', runtime: '/run/overlayctl' }, 'a'.repeat(20), 'b'.repeat(32));
    expect(Buffer.byteLength(`${dirs.execRoot}/containerd/containerd.sock`)).toBeLessThan(108);
  });

  it('has one workflow id per cluster and purpose', () => {
    expect(provisionWorkflowId('tuto')).toBe('overlayctl/tuto/provision');
    expect(teardownWorkflowId('tuto')).toBe('overlayctl/tuto/teardown');
  });

  it('parses image references', () => {
    expect(parseImageRef('mysql')).toEqual({ name: 'mysql', tag: 'latest' });
    expect(parseImageRef('nginx:1.25')).toEqual({ name: 'nginx', tag: '1.25' });
    expect(parseImageRef('registry:5000/app')).toEqual({ name: 'registry:5000/app', tag: 'latest' });
  });

  it("splits docker's multiplexed output", () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    expect(demux(Buffer.concat([frame(1, 'out1 '), frame(2, 'err'), frame(1, 'out2')]))).toEqual({ stdout: 'out1 out2', stderr: 'err' });
  });
});
