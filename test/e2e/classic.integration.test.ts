// Classic mode end to end, as a tutorial user runs it: no swarm, every node's engine on
// the cluster store (etcd here: Debian's dockerd has no Consul backend, which is refused
// first), checked with the real docker CLI through `env`, the store's keys read with
// `kv ls`, a stopped and a frozen store, then `down` with nothing left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localEngine } from '../../src/providers/local/dockerd.js';
import type { ClusterSpec } from '../../src/spec.js';
import { BIN, createSandbox, leftovers, tutorialSpec, type Sandbox } from './harness.js';

const ovl = `node ${BIN}`;
const CLUSTER = 'e2eclassic';
const spec: ClusterSpec = { ...tutorialSpec(CLUSTER, '10.251.7.0/24'), mode: 'classic', clusterStore: 'etcd' };
const NODES = spec.nodes.map((n) => n.name);
const MANAGER = spec.manager.name;
const ID = `overlayctl/${CLUSTER}/provision`;
let box: Sandbox;
let specFile: string;

/** A shell line with the docker CLI pointed at `host` through `overlayctl env`. */
const on = (host: string, command: string) => box.sh(`eval "$(${ovl} env ${host})" && ${command}`);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The cluster's status once its provisioning run is no longer running. */
const runEnded = () =>
  until(
    'the run ready again',
    async () => {
      const s = JSON.parse((await box.cli(['status', CLUSTER, '--json'])).stdout);
      return s.workflow?.status === 'RUNNING' ? undefined : s;
    },
    240_000,
  );

beforeAll(async () => {
  box = await createSandbox();
  specFile = box.writeSpec(spec, 'classic');
});

afterAll(async () => {
  await box.cli(['down', CLUSTER]);
  await box.cli(['dev', 'stop']);
  expect(box.dispose([CLUSTER])).toEqual([]);
}, 180_000);

describe('classic mode on local hosts', () => {
  it("Consul as the store is refused before anything starts when this machine's dockerd lacks its backend", async () => {
    const engine = await localEngine();
    expect(engine?.version).toMatch(/^Docker version 20\.10\./);
    const withConsul = box.writeSpec({ ...spec, clusterStore: undefined }, 'classic-consul');
    const up = await box.cli(['up', '-f', withConsul]);
    if (engine?.clusterStores?.includes('consul')) return; // an upstream build: nothing to refuse
    expect(up.code).toBe(2);
    expect(up.stderr).toContain("mode: classic with clusterStore: consul needs a dockerd built with that store's backend, but this machine's dockerd (Docker 20.10.24) has only: etcd, zookeeper");
    expect(up.stderr).toContain('use clusterStore: etcd, or mode: swarm');
    expect(leftovers(CLUSTER, box.stateDir)).toEqual([]);
  });

  it('up provisions, verifies and exposes the tutorial with engines on the store and no swarm', async () => {
    const up = await box.cli(['up', '-f', specFile]);
    expect(up.stderr + up.stdout).toContain(`cluster ${CLUSTER} is ready`);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`verification from ${CLUSTER}-node3: passed`);
    expect(up.stdout).toContain("✓ cluster store: every node's engine is registered in etcd - 3 engines registered");
    expect(up.stdout).toContain(`✓ network: private-net is global on every node - global on ${NODES.join(', ')}`);
    expect(up.stdout).toMatch(/exposed: web at http:\/\/10\.251\.7\.12:80\//);
    expect(up.stderr).toContain('- swarm: classic mode: the engines share networks through etcd://10.251.7.10:2379, no swarm');
  }, 300_000);

  it('status --json shows the mode and the store, and the swarm step skipped; the history has no swarm call', async () => {
    const res = await box.cli(['status', CLUSTER, '--json']);
    expect(res.code).toBe(0);
    const status = JSON.parse(res.stdout);
    expect(status).toMatchObject({ cluster: CLUSTER, mode: 'classic', clusterStore: 'etcd', phase: 'ready' });
    expect(Object.fromEntries(status.steps.map((s: { name: string; state: string }) => [s.name, s.state]))).toMatchObject({ ensureHost: 'done', ensureConsul: 'done', ensureSwarm: 'skipped' });
    const text = await box.cli(['status', CLUSTER]);
    expect(text.stdout.split('\n')[0]).toBe(`cluster ${CLUSTER} (provider local, mode classic on etcd): ready - workflow ${ID} COMPLETED`);

    const history = box.temporal(['workflow', 'show', '-w', ID, '-o', 'json']);
    const events = JSON.parse(history.stdout).events as { activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[];
    // the Web UI's summary of the run says the mode (summaries are encrypted: read through the codec server)
    const codec = JSON.parse((await box.cli(['dev', 'status', '--json'])).stdout).codec.url;
    const described = box.temporal(['workflow', 'describe', '-w', ID, '-o', 'json', '--codec-endpoint', codec]);
    expect(described.stdout).toContain(`${CLUSTER}: local, 4 hosts, 2 workloads, classic mode on etcd`);
    const scheduled: Record<string, number> = {};
    for (const e of events) {
      const name = e.activityTaskScheduledEventAttributes?.activityType.name;
      if (name) scheduled[name] = (scheduled[name] ?? 0) + 1;
    }
    expect(scheduled).toEqual({
      listHosts: 1,
      checkClassicMode: 1,
      ensureFirewall: 2,
      ensureSshKey: 1,
      ensureHost: 4,
      ensureConsul: 1,
      ensureEtcd: 1,
      ensureOverlayNetwork: 1,
      ensureWorkload: 2,
      verifyConnectivity: 1,
      exposeWorkload: 1,
    });
  });

  it('the docker CLI through env: no swarm, every node on the store, the network global everywhere, and the tutorial commands work', async () => {
    for (const [i, node] of NODES.entries()) {
      // no swarm, and each engine its own hostname (its own UTS namespace): gossip needs distinct names
      expect((await on(node, "docker info --format '{{.Swarm.LocalNodeState}} {{.Name}}'")).stdout.trim()).toBe(`inactive ${node}`);
      // the docker CLI 20.10 no longer prints the store; the engine's API still says it
      const info = JSON.parse((await on(node, 'curl -sf --unix-socket "${DOCKER_HOST#unix://}" http://engine/info')).stdout);
      expect([info.ClusterStore, info.ClusterAdvertise]).toEqual(['etcd://10.251.7.10:2379', `10.251.7.${11 + i}:2376`]);
      const nets = await on(node, "docker network ls --filter name=private-net --format '{{.Name}} {{.Scope}} {{.Driver}}'");
      expect(nets.stdout.trim()).toBe('private-net global overlay');
    }
    // the manager runs the stores, and is no member of the network
    expect((await on(MANAGER, "docker ps --format '{{.Names}}' | sort")).stdout.trim().split('\n')).toEqual(['consul', 'etcd']);
    expect((await on(MANAGER, 'docker network ls --format "{{.Name}}"')).stdout).not.toContain('private-net');

    // The first container on a node to join the network may not resolve names at once:
    // its engine reads the network's endpoints from the store as it joins (seen under
    // load: "bad address 'web'"). A user runs it again; so does this test, for up to 2 min.
    const web = await until('web answers a new container on node3', async () => {
      const r = await on(`${CLUSTER}-node3`, 'docker run --rm --net private-net busybox wget -qO- http://web');
      return r.code === 0 ? r : undefined;
    }, 120_000);
    expect(web.stderr).toBe('');
    expect(web.stdout).toContain('<title>Welcome to nginx!</title>');
    const sql = await until('database answers a new container on node3', async () => {
      const r = await on(`${CLUSTER}-node3`, `PW=$(${ovl} secret ${CLUSTER} database) && docker run --rm --net private-net mysql mysql -h database -uroot -p"$PW" -e 'select 1'`);
      return r.code === 0 ? r : undefined;
    }, 120_000);
    expect(sql.stdout.trim().split('\n')).toEqual(['1', '1']);
  }, 300_000);

  it("kv ls shows the network's keys in the store, and Consul's own keys", async () => {
    const id = (await on(`${CLUSTER}-node1`, "docker network inspect -f '{{.Id}}' private-net")).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const res = await box.cli(['kv', 'ls', CLUSTER, 'docker/network/', '--json']);
    expect(res.code).toBe(0);
    const listing = JSON.parse(res.stdout);
    expect(listing).toMatchObject({ cluster: CLUSTER, store: 'etcd', prefix: 'docker/network/' });
    expect(listing.keys).toContain(`docker/network/v1.0/network/${id}`);
    expect(listing.keys).toContain(`docker/network/v1.0/overlay/network/${id}`);
    expect(listing.keys).toContain('docker/network/v1.0/ipam/default/data/GlobalDefault/10.0.9.0/24');
    expect(listing.keys.every((k: string) => k.startsWith('docker/network/'))).toBe(true);
    const nodes = await box.cli(['kv', 'ls', CLUSTER, 'docker/nodes/']);
    expect(nodes.stdout.trim().split('\n')).toEqual(['10.251.7.11:2376', '10.251.7.12:2376', '10.251.7.13:2376'].map((a) => `docker/nodes/${a}`));
    const consul = await box.cli(['kv', 'ls', CLUSTER, '--store', 'consul', 'overlayctl/']);
    expect(consul.stdout.trim()).toBe(`overlayctl/${CLUSTER}/consul-ready`);
  });

  it('a stopped store: running containers keep talking, nothing new joins or is created, verify fails; up starts it again', async () => {
    const node3 = `${CLUSTER}-node3`;
    const pw = (await box.cli(['secret', CLUSTER, 'database'])).stdout.trim();
    // two long-running clients, settled (names resolve) before the store goes away
    await on(node3, 'docker run -d --name chat --net private-net busybox sleep 900 && docker run -d --name sqlc --net private-net mysql sleep 900');
    try {
      // (the first containers on a node learn the others' names from the store as they join:
      // seconds here, up to a minute on a loaded machine)
      const sqlCheck = `docker exec -e MYSQL_PWD='${pw}' sqlc mysql -h database -uroot -e 'select 1'`;
      await until('chat reaches web', async () => ((await on(node3, 'docker exec chat timeout 10 wget -qO- http://web')).code === 0 ? true : undefined), 120_000);
      await until('sqlc reaches database', async () => ((await on(node3, sqlCheck)).code === 0 ? true : undefined), 120_000);
      expect((await on(MANAGER, 'docker stop etcd')).code).toBe(0);

      const web = await on(node3, 'docker exec chat timeout 10 wget -qO- http://web');
      expect(web.stdout).toContain('<title>Welcome to nginx!</title>');
      const sql = await on(node3, sqlCheck);
      expect(sql.stdout.trim().split('\n'), sql.stderr).toEqual(['1', '1']);

      const joining = await on(node3, 'docker run --rm --net private-net busybox true');
      expect(joining.code).not.toBe(0);
      expect(joining.stderr).toContain('network private-net not found');
      const create = await on(`${CLUSTER}-node1`, 'docker network create -d overlay --subnet 10.0.10.0/24 other-net');
      expect(create.code).not.toBe(0);
      expect(create.stderr).toContain('could not get pools config from store');
      expect(create.stderr).toContain('dial tcp 10.251.7.10:2379: connect: connection refused');

      const kv = await box.cli(['kv', 'ls', CLUSTER]);
      expect(kv.code).toBe(1);
      expect(kv.stderr).toContain(`error: etcd is not running on ${MANAGER} (container etcd is exited); start it again`);
      const verify = await box.cli(['verify', CLUSTER, '--json'], { timeoutMs: 240_000 });
      expect(verify.code).toBe(1);
      const failed = JSON.parse(verify.stdout).checks.filter((c: { ok: boolean }) => !c.ok).map((c: { name: string }) => c.name);
      expect(failed).toContain("cluster store: every node's engine is registered in etcd");

      // up re-checks the cluster: its store step starts etcd again, every later step passes
      const up = await box.cli(['up', '-f', specFile]);
      expect(up.code, up.stderr).toBe(0);
      expect((await on(MANAGER, "docker inspect -f '{{.State.Running}}' etcd")).stdout.trim()).toBe('true');
      expect(up.stderr).toContain('✓ workloads: web: e2eclassic-node2 (unchanged)');
      const created = await on(`${CLUSTER}-node1`, 'docker network create -d overlay --subnet 10.0.10.0/24 other-net');
      expect(created.code, created.stderr).toBe(0);
      await until('other-net global on node3', async () => ((await on(node3, "docker network ls --filter name=other-net --format '{{.Scope}}'")).stdout.trim() === 'global' ? true : undefined));
      expect((await on(`${CLUSTER}-node1`, 'docker network rm other-net')).code).toBe(0);
      expect((await box.cli(['verify', CLUSTER])).code).toBe(0);
    } finally {
      await on(MANAGER, 'docker start etcd');
      await on(node3, 'docker rm -f chat sqlc');
    }
  }, 600_000);

  it('a frozen store fails the store step with a clear message, and the retry passes once it answers again', async () => {
    expect((await on(MANAGER, 'docker pause etcd')).code).toBe(0);
    try {
      expect((await box.cli(['up', '-f', specFile, '--detach'])).code).toBe(0);
      const pending = await until(
        'a retried store step',
        async () => {
          const d = box.temporal(['workflow', 'describe', '-w', ID, '-o', 'json']);
          const acts = (JSON.parse(d.stdout || '{}').pendingActivities ?? []) as { activityType?: { name: string }; attempt?: number; lastFailure?: { message?: string } }[];
          return acts.find((a) => a.activityType?.name === 'ensureEtcd' && (a.attempt ?? 1) >= 2);
        },
        120_000,
      );
      expect(pending.lastFailure?.message).toMatch(new RegExp(`^etcd on ${MANAGER} does not accept writes after 30 s: .*paused`));
    } finally {
      await on(MANAGER, 'docker unpause etcd');
    }
    expect(await runEnded()).toMatchObject({ phase: 'ready', workflow: { status: 'COMPLETED' } });
  }, 420_000);

  it('a node engine cut off from the store fails its host step with a clear message, retried until it reaches the store again', async () => {
    const node3 = `${CLUSTER}-node3`;
    const managerNs = `/var/run/netns/ovl_${CLUSTER}_${MANAGER}`;
    const cut = `INPUT 1 -s 10.251.7.13/32 -p tcp --dport 2379 -j DROP -m comment --comment ${CLUSTER}-test-cut`;
    expect((await box.sh(`nsenter --net=${managerNs} iptables -w -I ${cut}`)).code).toBe(0);
    try {
      // its registration goes too, as when the store lost it: only node3's engine can write it back
      expect((await on(MANAGER, 'docker exec etcd etcdctl --endpoints http://127.0.0.1:2379 rm /docker/nodes/10.251.7.13:2376')).code).toBe(0);
      expect((await box.cli(['up', '-f', specFile, '--detach'])).code).toBe(0);
      const pending = await until(
        'a retried host step of node3',
        async () => {
          const d = JSON.parse(box.temporal(['workflow', 'describe', '-w', ID, '-o', 'json']).stdout || '{}');
          const acts = (d.pendingActivities ?? []) as { activityType?: { name: string }; attempt?: number; lastFailure?: { message?: string; applicationFailureInfo?: { type?: string; nonRetryable?: boolean } } }[];
          return acts.find((a) => a.activityType?.name === 'ensureHost' && (a.attempt ?? 1) >= 2);
        },
        150_000,
      );
      expect(pending.lastFailure?.message).toBe(
        `the engine of ${node3} does not reach its cluster store (etcd on ${MANAGER}, TCP 2379): docker/nodes/10.251.7.13:2376 is not in etcd; ` +
          `check that etcd runs on ${MANAGER} and that TCP 2379 is open to ${node3}; the engine's log says more ("discovery")`,
      );
      expect(pending.lastFailure?.applicationFailureInfo?.type).toBe('ClusterStoreUnreachable');
      expect(pending.lastFailure?.applicationFailureInfo?.nonRetryable ?? false).toBe(false);
    } finally {
      await box.sh(`nsenter --net=${managerNs} iptables -w -D ${cut.replace(/^INPUT 1/, 'INPUT')}`);
    }
    // the engine registers again on its own (every 20 s); the step's next attempt finds it
    expect(await runEnded()).toMatchObject({ phase: 'ready', workflow: { status: 'COMPLETED' } });
    expect((await box.cli(['kv', 'ls', CLUSTER, 'docker/nodes/'])).stdout).toContain('docker/nodes/10.251.7.13:2376');
  }, 420_000);

  it('down removes everything the cluster made', async () => {
    const down = await box.cli(['down', CLUSTER]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`cluster ${CLUSTER} removed (${[MANAGER, ...NODES].join(', ')})`);
    expect(leftovers(CLUSTER, box.stateDir)).toEqual([]);
  }, 120_000);
});
