import type { ClusterSpec } from '../types.js';
import { log } from '@temporalio/activity';
import { imagesFor } from '../host-images.js';
import { activity, hostList, previousPhase, reportPhase, type ActivityDeps } from './context.js';

/**
 * One host's activity gets what it needs, not the whole spec: the workflow schedules one
 * per host, so a spec in each input would make the history (and the workflow task that
 * schedules them) grow with the square of the host count.
 */
export interface HostInput {
  cluster: string;
  provider: ClusterSpec['provider'];
  host: string;
  /** position in the spec, manager first (it fixes a local host's address) */
  index: number;
  /** the images the spec will run on this host (imagesFor), preloaded by this step */
  images?: string[];
}

/** The input of runs started before HostInput: the whole spec. */
type LegacyHostInput = { spec: ClusterSpec; host: string };

export function hostInput(input: HostInput | LegacyHostInput): HostInput {
  if (!('spec' in input)) return input;
  const { spec, host } = input;
  const entry = hostList(spec).find((h) => h.name === host);
  if (!entry) throw new Error(`host ${host} is not in the spec of ${spec.cluster}`);
  return { cluster: spec.cluster, provider: spec.provider, host, index: entry.index, images: imagesFor(spec, host) };
}

/** The host exists, runs, its Docker engine answers, and holds the images the spec will run on it. */
export const ensureHost = (deps: ActivityDeps) =>
  activity(async (input: HostInput | LegacyHostInput) => {
    const { cluster, provider: config, host, index, images = [] } = hostInput(input);
    const resumed = previousPhase();
    if (resumed) log.info('retrying ensureHost; the last attempt got to this phase', { host, phase: resumed });
    const provider = deps.provider(config);
    const info = await provider.ensureHost({ cluster, name: host, index, onPhase: reportPhase });
    // Best effort: the step that runs an image ensures it again and reports a failure
    // where it matters (e.g. a user's image that only a registry has).
    reportPhase('images');
    await Promise.all(
      images.map((image) =>
        provider.ensureImage(cluster, host, image).catch((err: Error) => log.warn('image not preloaded; the step that runs it will try again', { host, image, error: err.message })),
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
