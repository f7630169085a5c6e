// provisionCluster: the tutorial as a durable sequence of idempotent steps. After a
// step starts, its undo goes on the front of a compensation stack; on failure or
// cancellation the stack runs in a scope cancellation cannot interrupt (unless the
// user asked to keep what was made), then the original error is rethrown.
import { ApplicationFailure, CancellationScope, log, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { OVERLAY_STEP, OVERLAY_VERIFIED } from '../search-attributes.js';
import type { HostAddress, ProvisionInput, ProvisionResult } from '../types.js';
import { imagesFor } from '../host-images.js';
import { activitiesOn } from './activity-proxies.js';
import { detailsMarkdown, Progress, progressQuery, rootMessage } from './progress.js';
import { allSettled } from './settle.js';
import { classicHostsAndStore } from './classic-hosts.js';

interface Undo {
  name: string;
  run: () => Promise<unknown>;
}

export async function provisionCluster(input: ProvisionInput): Promise<ProvisionResult> {
  const { spec } = input;
  // The Web UI shows the same state as the CLI: the step table as the run's current
  // details, the current step and the verification result as search attributes.
  // The table is rendered once per burst of changes (a microtask later), not once per
  // change: one workflow task may start or finish a thousand hosts, and rendering every
  // row for each of them made that task take seconds. No commands: replay is unaffected.
  let renderQueued = false;
  const progress = new Progress(spec, {
    stepStarted: (step) => upsertSearchAttributes([{ key: OVERLAY_STEP, value: step }]),
    changed: (state) => {
      if (renderQueued) return;
      renderQueued = true;
      void Promise.resolve().then(() => {
        renderQueued = false;
        setCurrentDetails(detailsMarkdown(state));
      });
    },
  });
  setHandler(progressQuery, () => progress.snapshot());
  const acts = activitiesOn(input.hostTaskQueue);
  const ref = { cluster: spec.cluster, provider: spec.provider };
  const hostNames = [spec.manager.name, ...spec.nodes.map((n) => n.name)];
  const firstNode = spec.nodes[0].name;
  const addresses: Record<string, string> = {};
  const undo: Undo[] = [{ name: 'delete cluster resources', run: () => acts.teardown(`remove what is left of ${spec.cluster} (bridge, state)`).deleteClusterResources(ref) }];
  const pushUndo = (name: string, run: () => Promise<unknown>) => undo.unshift({ name, run });

  // Classic mode (the tutorial's mechanism): nodes share networks through a cluster
  // store on the manager, so their engines start after it; swarm mode keeps its own
  // sequence, untouched (runs in flight replay against it).
  const classic = spec.mode === 'classic';

  // A cluster that already has hosts is being re-checked, not built: a failure then
  // leaves it as it was (its owner runs `overlayctl down`), it never tears it down.
  const existing = await acts.quick(`look for existing hosts of ${spec.cluster}`).listHosts(ref);
  const keep = input.keepOnFailure || existing.length > 0;

  try {
    // Refused before anything is created: Docker 23 removed classic mode.
    if (classic) await acts.quick('check that the engines support classic mode').checkClassicMode({ spec });

    await progress.run(
      'ensureFirewall',
      () => {
        pushUndo('delete firewall', () => acts.teardown(`delete the security group of ${spec.cluster}`).deleteFirewall(ref));
        return acts.quick(`security group of ${spec.cluster}: members only`).ensureFirewall({ spec, exposed: false });
      },
      (r) => `${r.rules} rules, members only`,
    );

    const key = await progress.run(
      'ensureSshKey',
      () => {
        pushUndo('delete ssh key', () => acts.teardown(`delete the ssh key of ${spec.cluster}`).deleteSshKey(ref));
        return acts.quick(`ssh key of ${spec.cluster}`).ensureSshKey({ spec });
      },
      () => 'registered',
    );
    if (key.skipped) progress.skip('ensureSshKey', key.reason);

    if (classic) {
      await classicHostsAndStore({ spec, ref, acts, progress, addresses, pushUndo });
    } else {
      await progress.run(
        'ensureHost',
        () => {
          pushUndo('delete hosts', () => allSettled(hostNames.map((host) => acts.teardown(`delete host ${host}`).deleteHost({ ...ref, host }))));
          // each host's activity gets its own few fields, never the whole spec (see HostInput)
          return allSettled(
            hostNames.map((host, index) =>
              progress.run(
                'ensureHost',
                async () => {
                  const h = await acts.slow(`create host ${host}`).ensureHost({ ...ref, host, index, images: imagesFor(spec, host) });
                  addresses[h.name] = h.address;
                  return h;
                },
                (h) => h.address,
                host,
              ),
            ),
          );
        },
        (hosts) => `${hosts.length} hosts`,
      );
      progress.state.hosts = hostNames.map((name): HostAddress => ({ name, address: addresses[name] }));

      await progress.run(
        'ensureConsul',
        () => {
          pushUndo('remove consul', () => acts.teardown(`remove consul from ${spec.manager.name}`).removeConsul({ ...ref, manager: spec.manager.name }));
          return acts.slow(`start consul on ${spec.manager.name}`).ensureConsul({ spec, managerAddress: addresses[spec.manager.name] });
        },
        (r) => `${spec.manager.name} ${r.address}`,
      );

      await progress.run(
        'ensureSwarm',
        async () => {
          pushUndo('leave swarm', () => allSettled(spec.nodes.map((n) => acts.teardown(`${n.name} leaves the swarm`).leaveSwarm({ ...ref, node: n.name }))));
          const swarm = await acts.quick(`start the swarm on ${firstNode}, join token to consul`).ensureSwarm({ spec, addresses });
          await allSettled(
            spec.nodes.map((n) =>
              progress.run(
                'ensureSwarm',
                () =>
                  acts.slow(`join ${n.name} to the cluster`).ensureSwarmMember({
                    ...ref,
                    node: n.name,
                    managerAddress: addresses[spec.manager.name],
                    swarmManager: firstNode,
                    address: addresses[n.name],
                  }),
                (r) => r.membership,
                n.name,
              ),
            ),
          );
          return swarm;
        },
        (s) => `manager ${s.managerNode}, ${spec.nodes.length} nodes`,
      );
    }

    await progress.run(
      'ensureOverlayNetwork',
      () => {
        pushUndo('remove overlay network', () => acts.teardown(`remove network ${spec.network.name}`).removeOverlayNetwork({ ...ref, node: firstNode, network: spec.network.name }));
        return acts.quick(`create overlay network ${spec.network.name} ${spec.network.subnet}`).ensureOverlayNetwork({ spec });
      },
      (r) => `${spec.network.name} ${r.subnet}`,
    );

    await progress.run(
      'ensureWorkload',
      () =>
        allSettled(
          spec.workloads.map((w) =>
            progress.run(
              'ensureWorkload',
              () => {
                pushUndo(`remove ${w.name}`, () => acts.teardown(`remove ${w.name} from ${w.host}`).removeWorkload({ ...ref, host: w.host, workload: w.name }));
                return acts.slow(`run ${w.name} on ${w.host}`).ensureWorkload({ spec, workload: w.name });
              },
              (r) => `${r.host} (${r.action})`,
              w.name,
            ),
          ),
        ),
      (r) => `${r.length} running`,
    );

    progress.state.phase = 'verifying';
    const report = await progress.run(
      'verifyConnectivity',
      async () => {
        const r = await acts.verify(`verify connectivity from ${spec.verify.from}`).verifyConnectivity({ spec, addresses, exposed: false });
        upsertSearchAttributes([{ key: OVERLAY_VERIFIED, value: r.ok }]);
        if (!r.ok) {
          const failed = r.checks.filter((c) => !c.ok);
          throw ApplicationFailure.nonRetryable(`verification failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`, 'VerificationFailed', r);
        }
        return r;
      },
      (r) => `all ${r.checks.length} checks passed`,
    );

    const exposed = spec.workloads.filter((w) => w.expose !== undefined);
    const exposure = await progress.run(
      'exposeWorkload',
      async () => {
        if (exposed.length === 0) return [];
        await acts.quick(`open ${exposed.map((w) => `${w.host}:${w.expose}`).join(', ')} to everyone`).ensureFirewall({ spec, exposed: true });
        return allSettled(
          exposed.map((w) => progress.run('exposeWorkload', () => acts.slow(`publish ${w.name} on ${w.host}:${w.expose}`).exposeWorkload({ spec, workload: w.name, addresses }), (r) => r.url, w.name)),
        );
      },
      (r) => (r.length ? r.map((x) => x.url).join(', ') : 'nothing to expose'),
    );

    progress.state.phase = 'ready';
    progress.changed();
    return {
      cluster: spec.cluster,
      hosts: progress.state.hosts,
      report,
      exposure: exposure.map((e) => ({ workload: e.workload, url: e.url, ok: e.ok })),
    };
  } catch (err) {
    progress.state.phase = 'failed';
    progress.state.error = rootMessage(err);
    upsertSearchAttributes([{ key: OVERLAY_VERIFIED, value: false }]);
    progress.changed();
    if (keep) {
      log.warn('run failed; keeping the cluster', { cluster: spec.cluster, existedBefore: existing.length > 0 });
      progress.state.afterFailure = 'kept';
    } else {
      progress.state.phase = 'tearing-down';
      progress.changed();
      const left = await CancellationScope.nonCancellable(async () => {
        await compensate(undo);
        // What the provider still lists was not removed: say so, `overlayctl down` finishes it.
        return acts.teardown(`look for what is left of ${spec.cluster}`).listHosts(ref).then((hosts) => hosts.map((h) => `host ${h.name}`), () => ['unknown: the provider could not be asked']);
      });
      progress.state.phase = 'failed';
      progress.state.afterFailure = left.length ? 'incomplete' : 'torn-down';
      if (left.length) progress.state.leftovers = left;
      progress.changed();
      for (const s of progress.state.steps) {
        for (const item of [s, ...(s.children ?? [])]) if (item.state === 'done') item.state = 'undone';
      }
    }
    throw err;
  }
}

/** Runs every undo in order; an undo's own failure is logged and does not hide the original error. */
async function compensate(undo: Undo[]): Promise<void> {
  for (const u of undo) {
    try {
      await u.run();
    } catch (err) {
      log.error('compensation step failed', { step: u.name, error: rootMessage(err) });
    }
  }
}
