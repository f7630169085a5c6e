// The user-data instances boot with, checked by Debian's cloud-init against its own
// schema (the emulator does not run cloud-init; a real instance would).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudInit, encodeUserData } from '../../src/providers/exoscale/cloud-init.js';

describe('cloud-init user-data', () => {
  const text = cloudInit({ defaultUser: 'ubuntu', cluster: 'tuto', host: 'tuto-node1' });

  it('installs and starts Docker and lets the default user reach it', () => {
    expect(text.split('\n')[0]).toBe('#cloud-config');
    expect(text).toContain('  - docker.io');
    expect(text).toContain('  - [systemctl, enable, --now, docker]');
    expect(text).toContain('  - [usermod, --append, --groups, docker, "ubuntu"]');
  });

  it('is valid for cloud-init (cloud-init schema)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlayctl-cloud-init-'));
    try {
      const file = join(dir, 'user-data');
      writeFileSync(file, text);
      const out = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
      expect(out.stderr + out.stdout).toContain('Valid cloud-config');
      expect(out.status).toBe(0);
      // and an invalid document is refused, so the check can fail
      writeFileSync(file, '#cloud-config\npackages: 42\n');
      expect(spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' }).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("classic mode: the engine's daemon.json holds the cluster store, written before Docker is installed, and stays valid", () => {
    const classic = cloudInit({ defaultUser: 'debian', cluster: 'tuto', host: 'tuto-node1', engine: { clusterStore: 'consul://198.51.100.7:8500', clusterAdvertise: 'eth0:2376' } });
    expect(classic).toContain('write_files:\n  - path: /etc/docker/daemon.json\n');
    expect(classic).toContain(`    content: ${JSON.stringify(JSON.stringify({ 'cluster-store': 'consul://198.51.100.7:8500', 'cluster-advertise': 'eth0:2376' }))}`);
    expect(classic.indexOf('write_files:')).toBeLessThan(classic.indexOf('packages:'));
    expect(text).not.toContain('daemon.json');
    const dir = mkdtempSync(join(tmpdir(), 'overlayctl-cloud-init-'));
    try {
      const file = join(dir, 'user-data');
      writeFileSync(file, classic);
      const out = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
      expect(out.stderr + out.stdout).toContain('Valid cloud-config');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is sent base64-encoded and stays under the API limit', () => {
    expect(Buffer.from(encodeUserData(text), 'base64').toString('utf8')).toBe(text);
    expect(() => encodeUserData('x'.repeat(30_000))).toThrow(/at most 32768/);
  });
});
