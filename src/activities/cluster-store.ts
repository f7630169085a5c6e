// The key-value store classic mode's engines share (--cluster-store): Consul (the
// tutorial's) or etcd (v2 API), both on the manager. Read inside their containers on the
// manager, never opened to the controller.
import type Docker from 'dockerode';
import { ensureContainer, execIn, execUntilOk, findContainer, removeContainer } from '../docker/containers.js';
import { transient } from '../providers/errors.js';
import type { ClusterSpec } from '../types.js';
import { CONSUL_CONTAINER, CONSUL_PORT, consulKeysUnder } from './consul.js';
import { activity, engineOf, liveEngine, type ActivityDeps } from './context.js';

export type StoreKind = 'consul' | 'etcd';

export const ETCD_CONTAINER = 'etcd';
export const ETCD_PORT = 2379;
export const STORE_PORT: Record<StoreKind, number> = { consul: CONSUL_PORT, etcd: ETCD_PORT };

const ETCDCTL = ['etcdctl', '--endpoints', `http://127.0.0.1:${ETCD_PORT}`];

async function requireRunning(manager: Docker, managerName: string, kind: StoreKind): Promise<void> {
  const name = kind === 'consul' ? CONSUL_CONTAINER : ETCD_CONTAINER;
  const container = await findContainer(manager, name);
  if (!container?.State.Running) {
    throw transient(
      kind === 'consul' ? 'ConsulNotRunning' : 'EtcdNotRunning',
      `${kind === 'consul' ? 'Consul' : 'etcd'} is not running on ${managerName} (container ${name} is ${container?.State.Status ?? 'missing'})`,
      `start it again (\`overlayctl up\` does, or \`docker start ${name}\` on ${managerName})`,
    );
  }
}

/** Every key under `prefix` (no leading slash; "" for all), sorted; values are never read. */
export async function storeKeys(manager: Docker, managerName: string, kind: StoreKind, prefix: string): Promise<string[]> {
  await requireRunning(manager, managerName, kind);
  if (kind === 'consul') return consulKeysUnder(manager, managerName, prefix);
  const out = await execIn(manager, ETCD_CONTAINER, [...ETCDCTL, 'ls', '--recursive', '-p', '/']);
  if (out.code !== 0) throw transient('EtcdReadFailed', `reading keys from etcd on ${managerName} failed: ${(out.stderr || out.stdout).trim()}`);
  return out.stdout
    .split('\n')
    .filter((k) => k && !k.endsWith('/')) // directories
    .map((k) => k.replace(/^\//, ''))
    .filter((k) => k.startsWith(prefix))
    .sort();
}

/** etcd runs on the manager as the engines' cluster store (v2 API) and accepts writes. */
export const ensureEtcd = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; managerAddress: string }) => {
    const { spec, managerAddress } = input;
    const provider = deps.provider(spec.provider);
    const manager = spec.manager.name;
    await provider.ensureImage(spec.cluster, manager, 'etcd');
    const docker = await engineOf(provider, spec.cluster, manager);
    const { action } = await ensureContainer(docker, {
      name: ETCD_CONTAINER,
      image: 'etcd',
      cluster: spec.cluster,
      network: 'host',
      // clients (the engines) on every interface, reachable by group members only
      // (security group, TCP 2379); a single member: peers on loopback only.
      cmd: [
        `--name=${manager}`,
        '--data-dir=/var/lib/etcd',
        '--enable-v2=true',
        `--listen-client-urls=http://0.0.0.0:${ETCD_PORT}`,
        `--advertise-client-urls=http://${managerAddress}:${ETCD_PORT}`,
        '--listen-peer-urls=http://127.0.0.1:2380',
        '--initial-advertise-peer-urls=http://127.0.0.1:2380',
        `--initial-cluster=${manager}=http://127.0.0.1:2380`,
      ],
    });
    const last = await execUntilOk(docker, ETCD_CONTAINER, [...ETCDCTL, 'set', `/overlayctl/${spec.cluster}/store-ready`, 'true'], 30_000);
    if (last === undefined) return { address: `${managerAddress}:${ETCD_PORT}`, container: action };
    throw transient('EtcdNotReady', `etcd on ${manager} does not accept writes after 30 s: ${last}`);
  });

export const removeEtcd = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider']; manager: string }) => {
    const docker = await liveEngine(deps.provider(input.provider), input.cluster, input.manager);
    return { removed: docker ? await removeContainer(docker, ETCD_CONTAINER) : false };
  });
