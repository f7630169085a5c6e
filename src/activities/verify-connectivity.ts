import { clusterRules } from '../firewall.js';
import { readSecret } from '../secrets.js';
import { findNetwork } from '../docker/networks.js';
import { clusterStoreOf, swarmManager } from '../spec.js';
import { DISCOVERY_PREFIX, registrationKey } from './classic.js';
import { storeKeys } from './cluster-store.js';
import type { Check, ClusterSpec, VerifyReport } from '../types.js';
import { check, httpGet, member, NGINX_WELCOME, tcpReachable } from './checks.js';
import { CONSUL_PORT, consulFromMember } from './consul.js';
import { activity, engineOf, type ActivityDeps } from './context.js';

/**
 * A report, not an exception: names resolve, TCP, HTTP and SQL work across hosts over
 * the overlay, the swarm (classic mode: the store, and the network is global
 * everywhere) and Consul's catalog hold every node, and from outside the
 * group nothing answers but the exposed ports (once `exposed`).
 */
export const verifyConnectivity = (deps: ActivityDeps) =>
  activity(async (input: { spec: ClusterSpec; addresses: Record<string, string>; exposed: boolean }): Promise<VerifyReport> => {
    const { spec, addresses, exposed } = input;
    const provider = deps.provider(spec.provider);
    const from = spec.verify.from;
    const images = new Set(['busybox', 'probe', ...spec.workloads.filter((w) => w.kind === 'mysql').map(() => 'mysql')]);
    for (const image of images) await provider.ensureImage(spec.cluster, from, image);
    const docker = await engineOf(provider, spec.cluster, from);
    const m = member(docker, spec.cluster, spec.network.name);
    const pending: Promise<Check>[] = [];

    for (const w of spec.workloads) {
      pending.push(check(`dns: ${w.name} resolves from ${from}`, () => m.resolves(w.name)));
      if (w.kind === 'nginx') pending.push(check(`http: ${w.name} serves its page to ${from}`, () => m.httpBody(w.name, 80, NGINX_WELCOME)));
      if (w.kind === 'mysql') {
        const password = await readSecret(deps.paths, spec.cluster, w.name);
        pending.push(check(`tcp: ${w.name}:3306 answers ${from}`, () => m.tcp(w.name, 3306)));
        pending.push(
          check(`sql: root logs in to ${w.name} from ${from}`, async () =>
            password ? m.sqlLogin(w.name, password) : { ok: false, detail: `no password for ${w.name} in the cluster's state` },
          ),
        );
      }
    }

    const store = clusterStoreOf(spec);
    if (store) {
      pending.push(
        check(`cluster store: every node's engine is registered in ${store}`, async () => {
          const keys = await storeKeys(await engineOf(provider, spec.cluster, spec.manager.name), spec.manager.name, store, DISCOVERY_PREFIX);
          const missing = spec.nodes.filter((n) => !keys.includes(registrationKey(addresses[n.name]))).map((n) => n.name);
          return { ok: missing.length === 0, detail: missing.length ? `not registered: ${missing.join(', ')}` : `${spec.nodes.length} engines registered` };
        }),
      );
      pending.push(
        check(`network: ${spec.network.name} is global on every node`, async () => {
          const scopes = await Promise.all(spec.nodes.map(async (n) => [n.name, (await findNetwork(await engineOf(provider, spec.cluster, n.name), spec.network.name))?.Scope ?? 'missing'] as const));
          const wrong = scopes.filter(([, scope]) => scope !== 'global');
          return { ok: wrong.length === 0, detail: wrong.length ? wrong.map(([n, s]) => `${n}: ${s}`).join(', ') : `global on ${scopes.map(([n]) => n).join(', ')}` };
        }),
      );
    } else {
      pending.push(
        check('swarm: every node is ready', async () => {
          const nodes = (await (await engineOf(provider, spec.cluster, swarmManager(spec))).listNodes()) as { Description: { Hostname: string }; Status: { State: string } }[];
          const ready = nodes.filter((n) => n.Status.State === 'ready').map((n) => n.Description.Hostname).sort();
          return { ok: ready.length === spec.nodes.length, detail: `${ready.length}/${spec.nodes.length} ready: ${ready.join(', ')}` };
        }),
      );
    }
    pending.push(
      check(`consul: the catalog lists every host (read from ${from})`, async () => {
        const body = await consulFromMember(docker, spec.cluster, 'GET', `http://${addresses[spec.manager.name]}:${CONSUL_PORT}/v1/catalog/nodes`);
        const listed = (JSON.parse(body) as { Node: string }[]).map((n) => n.Node);
        const missing = [spec.manager.name, ...spec.nodes.map((n) => n.name)].filter((h) => !listed.includes(h));
        return { ok: missing.length === 0, detail: missing.length ? `missing: ${missing.join(', ')}` : `${listed.length} nodes: ${listed.sort().join(', ')}` };
      }),
    );

    // From outside the group (the controller): the group's ports must not answer.
    for (const rule of clusterRules(spec, { exposed: false })) {
      if (rule.protocol !== 'tcp' || rule.from !== 'group') continue;
      for (const host of rule.to ?? []) {
        pending.push(
          check(
            `isolation: ${host}:${rule.port} (${rule.description}) is closed to outsiders`,
            async () => ((await tcpReachable(addresses[host], rule.port!)) ? { ok: false, detail: 'accepted a connection from outside the group' } : { ok: true, detail: 'no answer from outside the group' }),
            0,
          ),
        );
      }
    }
    for (const w of spec.workloads.filter((x) => x.expose !== undefined)) {
      const url = `http://${addresses[w.host]}:${w.expose}/`;
      pending.push(
        exposed
          ? check(`exposure: ${w.name} answers everyone at ${url}`, async () => {
              const res = await httpGet(url);
              return { ok: res.status === 200, detail: `GET ${url} -> ${res.status}` };
            })
          : check(
              `isolation: ${w.name} is not reachable from outside before exposure`,
              async () => ((await tcpReachable(addresses[w.host], w.expose!)) ? { ok: false, detail: `${url} accepted a connection` } : { ok: true, detail: `${url} does not answer` }),
              0,
            ),
      );
    }
    const checks = await Promise.all(pending);
    return { cluster: spec.cluster, from, exposed, ok: checks.every((c) => c.ok), checks };
  });
