import type { ClusterSpec } from '../types.js';
import { log } from '@temporalio/activity';
import { activity, hostList, previousPhase, reportPhase, type ActivityDeps } from './context.js';
import { imagesFor } from './host-images.js';

/** The host exists, runs, its Docker engine answers, and holds the images the spec will run on it. */
export const ensureHost = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; host: string }) => {
    const { spec, host } = input;
    const entry = hostList(spec).find((h) => h.name === host);
    if (!entry) throw new Error(`host ${host} is not in the spec of ${spec.cluster}`);
    const resumed = previousPhase();
    if (resumed) log.info('retrying ensureHost; the last attempt got to this phase', { host, phase: resumed });
    const provider = deps.provider(spec.provider);
    const info = await provider.ensureHost({ cluster: spec.cluster, name: host, index: entry.index, onPhase: reportPhase });
    // Best effort: the step that runs an image ensures it again and reports a failure
    // where it matters (e.g. a user's image that only a registry has).
    reportPhase('images');
    await Promise.all(
      imagesFor(spec, host).map((image) =>
        provider.ensureImage(spec.cluster, host, image).catch((err: Error) => log.warn('image not preloaded; the step that runs it will try again', { host, image, error: err.message })),
      ),
    );
    return { name: info.name, address: info.address };
  });

export const deleteHost = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider']; host: string }) => {
    await deps.provider(input.provider).deleteHost(input.cluster, input.host);
  });

export const listHosts = (deps: ActivityDeps) =>
  activity(async (input: { cluster: string; provider: ClusterSpec['provider'] }) => {
    return (await deps.provider(input.provider).listHosts(input.cluster)).map((h) => ({ name: h.name, address: h.address }));
  });
