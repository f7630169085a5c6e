// Classic mode's hosts step (deterministic workflow code): the manager, then Consul
// (and etcd, when it is the store) on it, then the nodes, whose engines start with
// --cluster-store pointing at that store. Each undo goes on the stack as its step
// starts, so a failure undoes in reverse: the nodes before the store, the manager last.
import type { ClusterSpec, HostAddress, ProviderConfig } from '../types.js';
import type { activitiesOn } from './activity-proxies.js';
import type { Progress } from './progress.js';
import { imagesFor } from '../host-images.js';
import { allSettled } from './settle.js';

export interface ClassicHostsContext {
  spec: ClusterSpec;
  ref: { cluster: string; provider: ProviderConfig };
  acts: ReturnType<typeof activitiesOn>;
  progress: Progress;
  /** filled in as hosts answer */
  addresses: Record<string, string>;
  pushUndo: (name: string, run: () => Promise<unknown>) => void;
}

/** Runs the hosts step (with the store step inside it) and marks the swarm step skipped; returns the store's URL. */
export function classicHostsAndStore(ctx: ClassicHostsContext): Promise<string> {
  const { spec, ref, acts, progress, addresses, pushUndo } = ctx;
  const manager = spec.manager.name;
  const hostNames = [manager, ...spec.nodes.map((n) => n.name)];

  const kind = spec.clusterStore === 'etcd' ? 'etcd' : 'consul';
  // each host's activity gets its own few fields, never the whole spec (see HostInput)
  const hostItem = (host: string, store?: string) =>
    progress.run(
      'ensureHost',
      async () => {
        const classic = { store: kind, manager, node: store ? { clusterStore: store, managerAddress: addresses[manager] } : undefined } as const;
        const h = await acts
          .slow(`create host ${host}${store ? ` on ${store}` : ''}`)
          .ensureHost({ ...ref, host, index: hostNames.indexOf(host), images: imagesFor(spec, host), classic });
        addresses[h.name] = h.address;
        return h;
      },
      (h) => h.address,
      host,
    );

  return progress.run(
    'ensureHost',
    async () => {
      pushUndo(`delete host ${manager}`, () => acts.teardown(`delete host ${manager}`).deleteHost({ ...ref, host: manager }));
      await hostItem(manager);
      const store = await progress.run(
        'ensureConsul',
        async () => {
          pushUndo('remove consul', () => acts.teardown(`remove consul from ${manager}`).removeConsul({ ...ref, manager }));
          const consul = await acts.slow(`start consul on ${manager}`).ensureConsul({ spec, managerAddress: addresses[manager] });
          if (spec.clusterStore !== 'etcd') return `consul://${consul.address}`;
          pushUndo('remove etcd', () => acts.teardown(`remove etcd from ${manager}`).removeEtcd({ ...ref, manager }));
          const etcd = await acts.slow(`start etcd on ${manager}`).ensureEtcd({ spec, managerAddress: addresses[manager] });
          return `etcd://${etcd.address}`;
        },
        (url) => `${manager}; cluster store ${url}`,
      );
      pushUndo('delete node hosts', () => allSettled(spec.nodes.map((n) => acts.teardown(`delete host ${n.name}`).deleteHost({ ...ref, host: n.name }))));
      await allSettled(spec.nodes.map((n) => hostItem(n.name, store)));
      progress.state.hosts = hostNames.map((name): HostAddress => ({ name, address: addresses[name] }));
      progress.skip('ensureSwarm', `classic mode: the engines share networks through ${store}, no swarm`);
      return store;
    },
    (store) => `${hostNames.length} hosts, nodes on ${store}`,
  );
}
