// The user-data every instance boots with: Docker from the distribution's packages,
// started at boot, usable by the template's default user over SSH (the controller
// reaches the engine through `docker system dial-stdio` over SSH, never over TCP).
// Validated with Debian's `cloud-init schema` in test/unit/exoscale-cloud-init.test.ts.
// Classic mode: the engine's /etc/docker/daemon.json, written before Docker is
// installed, holds cluster-store and cluster-advertise (eth0: the instance's public
// interface on Exoscale's templates). Docker 23+ refuses those keys and does not start:
// the workflow checks the manager's engine version first (created without them), so a
// template with a newer Docker is refused before any node is created.
import type { EngineOptions } from '../provider.js';

export function cloudInit(opts: { defaultUser: string; cluster: string; host: string; engine?: EngineOptions }): string {
  const daemon: Record<string, string> = {};
  if (opts.engine?.clusterStore) daemon['cluster-store'] = opts.engine.clusterStore;
  if (opts.engine?.clusterAdvertise) daemon['cluster-advertise'] = opts.engine.clusterAdvertise;
  const writeFiles = Object.keys(daemon).length
    ? ['write_files:', '  - path: /etc/docker/daemon.json', "    permissions: '0644'", `    content: ${JSON.stringify(JSON.stringify(daemon))}`]
    : [];
  return [
    '#cloud-config',
    `# overlayctl: ${opts.host} of cluster ${opts.cluster}`,
    ...writeFiles,
    'package_update: true',
    'packages:',
    '  - docker.io',
    'runcmd:',
    '  - [systemctl, enable, --now, docker]',
    `  - [usermod, --append, --groups, docker, ${JSON.stringify(opts.defaultUser)}]`,
    '',
  ].join('\n');
}

/** user-data goes to the API base64-encoded, and must stay under 32768 characters. */
export function encodeUserData(text: string): string {
  const encoded = Buffer.from(text, 'utf8').toString('base64');
  if (encoded.length > 32768) throw new Error(`user-data is ${encoded.length} characters once encoded; the API takes at most 32768`);
  return encoded;
}
