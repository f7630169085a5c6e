import type { ClusterSpec } from '../types.js';
import { check, httpGet } from './checks.js';
import { activity, type ActivityDeps } from './context.js';
import { findWorkload, runWorkload } from './ensure-workload.js';
import { transient } from '../providers/errors.js';

/**
 * The workload is published on its port (the tutorial recreates `web` with -p 80:80)
 * and answers from outside the group. The firewall rule opening the port is the
 * workflow's preceding ensureFirewall(exposed) call.
 */
export const exposeWorkload = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; workload: string; addresses: Record<string, string> }) => {
    const { spec, addresses } = input;
    const w = findWorkload(spec, input.workload);
    const result = await runWorkload(deps, spec, w, true);
    const url = `http://${addresses[w.host]}:${w.expose}/`;
    const reached = await check(`outside reaches ${url}`, async () => {
      const res = await httpGet(url);
      return { ok: res.status === 200, detail: `GET ${url} -> ${res.status}` };
    });
    if (!reached.ok) throw transient('ExposureUnreachable', `${w.name} was published but ${url} does not answer from outside: ${reached.detail}`);
    return { ...result, url, ok: true };
  });
