import { Option, type Command } from 'commander';
import { storeKeys, type StoreKind } from '../../activities/cluster-store.js';
import { connectEngine } from '../../docker/engine.js';
import { UserError } from '../../errors.js';
import { ProviderError } from '../../providers/errors.js';
import { providerFor } from '../../providers/registry.js';
import { clusterStoreOf } from '../../spec.js';
import { requireClusterSpec } from '../cluster-files.js';
import type { CliContext } from '../context.js';

/**
 * What a tutorial user sees in Consul's UI: the keys of the cluster's key-value store,
 * read inside its container on the manager (the store is never opened to this machine).
 * Classic mode: the engines' store, where the network lives under docker/network/.
 */
export function registerKv(program: Command, context: (cmd: Command) => CliContext): void {
  const kv = program
    .command('kv')
    .summary("inspect the cluster's key-value store (Consul, or etcd in classic mode)")
    .addHelpText('after', '\nExamples:\n  $ overlayctl kv ls tuto docker/network/');
  kv.command('ls <cluster> [prefix]')
    .summary('list the keys of the cluster store (default: the one the engines use)')
    .description(
      "Lists the keys under PREFIX (all keys when omitted). The store is the engines' cluster store in classic mode (clusterStore: consul or etcd), Consul otherwise; --store picks one.",
    )
    .addOption(new Option('--store <store>', 'which store to read').choices(['consul', 'etcd']))
    .option('--json', 'print one JSON document')
    .addHelpText('after', '\nExamples:\n  $ overlayctl kv ls tuto docker/network/\n  $ overlayctl kv ls tuto --store consul overlayctl/ --json')
    .action(async (cluster: string, prefix: string | undefined, opts: { store?: StoreKind; json?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const spec = await requireClusterSpec(ctx.paths, cluster);
      const store: StoreKind = opts.store ?? clusterStoreOf(spec) ?? 'consul';
      if (store === 'etcd' && clusterStoreOf(spec) !== 'etcd') throw new UserError(`cluster ${cluster} runs no etcd (its spec has no clusterStore: etcd)`, 2, 'use --store consul');
      const provider = providerFor(spec.provider, ctx.paths);
      const manager = spec.manager.name;
      if (!(await provider.listHosts(cluster)).some((h) => h.name === manager && h.state === 'running')) {
        throw new UserError(`the manager ${manager} of cluster ${cluster} is not running`, 1, `see \`overlayctl status ${cluster}\``);
      }
      let keys: string[];
      try {
        keys = await storeKeys(connectEngine(await provider.engine(cluster, manager)), manager, store, (prefix ?? '').replace(/^\//, ''));
      } catch (err) {
        if (err instanceof ProviderError) throw new UserError(err.message, 1);
        throw err;
      }
      if (opts.json) return ctx.out.json({ cluster, store, prefix: prefix ?? '', keys });
      if (keys.length === 0) ctx.out.info(`no keys under "${prefix ?? ''}" in ${store} on ${manager}`);
      else ctx.out.data(keys.join('\n'));
    });
}
