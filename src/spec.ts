// The cluster spec: the one source of names. Loaded from YAML, validated with zod;
// every problem names the field, what was wrong, and what to do.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { SpecError } from './errors.js';
import { cidrProblem, cidrSize, overlaps, parseCidr } from './net/cidr.js';
import { parseFaultPlan } from './providers/faults.js';

const DNS_LABEL = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
const LABEL_HELP = 'use lowercase letters, digits and dashes, starting with a letter (e.g. "tuto-node1")';

const label = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(DNS_LABEL, `is not a valid name: ${LABEL_HELP}`);

const cidr = z.string().superRefine((value, ctx) => {
  const problem = cidrProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** a firewall source: any prefix, a single address (/32) included */
const sourceCidr = z.string().superRefine((value, ctx) => {
  const problem = cidrProblem(value, { min: 0, max: 32 });
  if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; give the operator's address as a CIDR, e.g. 203.0.113.7/32` });
});

const port = z.number().int().min(1).max(65535);

/** fault injection for tests and chaos runs (see providers/faults.ts) */
const faults = z
  .string()
  .optional()
  .superRefine((value, ctx) => {
    try {
      parseFaultPlan(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

const localProvider = z.strictObject({
  type: z.literal('local'),
  /** underlay: the bridge and host addresses (the "cloud's" network) */
  subnet: cidr.default('10.213.0.0/24'),
  faults,
});

/** Zones known to egoscale v3 (../shared/reference/exoscale-api.md, section 1). */
export const EXOSCALE_ZONES = ['ch-gva-2', 'ch-dk-2', 'de-fra-1', 'de-muc-1', 'at-vie-1', 'at-vie-2', 'bg-sof-1', 'hr-zag-1'] as const;

const exoscaleProvider = z.strictObject({
  type: z.literal('exoscale'),
  zone: z.enum(EXOSCALE_ZONES).default('ch-gva-2'),
  /** template name, as `exo compute instance create` takes it */
  template: z.string().min(1).default('Linux Ubuntu 22.04 LTS 64-bit'),
  /** FAMILY.SIZE (standard.small), a bare size (small: standard) or an id */
  instanceType: z.string().min(1).default('standard.small'),
  diskSize: z.number().int().min(10).max(51200).default(20),
  /** the operator's address: the only source allowed to reach SSH (TCP 22) */
  sshFrom: sourceCidr,
  /** API endpoint override (tests point it at the emulator); default https://api-<zone>.exoscale.com/v2 */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  faults,
});

const provider = z.discriminatedUnion('type', [localProvider, exoscaleProvider]);

// at most 32: a host's runtime folder holds unix sockets, whose paths are limited to 107 bytes
const host = z.strictObject({ name: label(32) });

const workload = z
  .strictObject({
    name: label(40),
    /** mysql: MySQL-compatible server with a generated root password; nginx: web server */
    kind: z.enum(['mysql', 'nginx', 'container']),
    image: z.string().min(1).optional(),
    host: label(32),
    command: z.array(z.string()).optional(),
    /** publish this container port on the same host port, opened to everyone, at the exposure step */
    expose: port.optional(),
  })
  .superRefine((w, ctx) => {
    if (w.kind === 'container' && !w.image) {
      ctx.addIssue({ code: 'custom', path: ['image'], message: 'is required for kind "container" (e.g. image: busybox)' });
    }
  });

export const clusterSpecSchema = z
  .strictObject({
    cluster: label(20),
    /**
     * How the engines share the overlay network.
     * - swarm (default): node 1 starts a swarm, the other nodes join it (tokens via Consul);
     *   works on every Docker version.
     * - classic: the tutorial's exact mechanism, no swarm: every node's engine starts with
     *   --cluster-store=consul://MANAGER:8500 --cluster-advertise=eth0:2376 and the
     *   network's state lives in Consul. Docker 23 removed these options: classic mode
     *   needs engines older than 23 (checked before anything is created, see
     *   classicModeProblem), and unencrypted networks (swarm distributes the keys).
     */
    mode: z.enum(['swarm', 'classic']).default('swarm'),
    /**
     * Classic mode only: the key-value store the engines share networks through.
     * consul (default, the tutorial's): Consul on the manager. etcd: etcd on the manager
     * (v2 API), for engines built without libkv's Consul backend, such as Debian's
     * docker.io; Consul still runs on the manager (catalog, as in swarm mode).
     */
    clusterStore: z.enum(['consul', 'etcd']).optional(),
    provider: provider.default({ type: 'local', subnet: '10.213.0.0/24' }),
    /** the host that runs Consul, the cluster's key-value store; not part of the swarm */
    manager: host,
    /** Docker hosts; the first one is the swarm manager (classic mode: the one that creates the network) */
    nodes: z.array(host).min(1, 'needs at least one node').max(64, 'at most 64 nodes'),
    network: z.strictObject({
      name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'is not a valid Docker network name'),
      subnet: cidr,
      encrypted: z.boolean().default(false),
    }),
    workloads: z.array(workload).default([]),
    verify: z.strictObject({ from: label(32) }),
  })
  .superRefine((spec, ctx) => {
    const hostNames = [spec.manager.name, ...spec.nodes.map((n) => n.name)];
    const nodeNames = spec.nodes.map((n) => n.name);
    const seen = new Set<string>();
    hostNames.forEach((name, i) => {
      if (seen.has(name)) {
        const path = i === 0 ? ['manager', 'name'] : ['nodes', i - 1, 'name'];
        ctx.addIssue({ code: 'custom', path, message: `host name "${name}" is used twice; every host needs its own name` });
      }
      seen.add(name);
    });
    if (spec.clusterStore !== undefined && spec.mode !== 'classic') {
      ctx.addIssue({ code: 'custom', path: ['clusterStore'], message: 'applies to mode: classic only (swarm keeps its own state); remove it, or set mode: classic' });
    }
    if (spec.mode === 'classic' && spec.network.encrypted) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'encrypted'],
        message: 'an encrypted overlay needs swarm mode (the swarm distributes its keys); use mode: swarm, or set network.encrypted: false',
      });
    }
    const workloadNames = new Set<string>();
    const published = new Set<string>();
    spec.workloads.forEach((w, i) => {
      if (workloadNames.has(w.name)) {
        ctx.addIssue({ code: 'custom', path: ['workloads', i, 'name'], message: `workload name "${w.name}" is used twice` });
      }
      workloadNames.add(w.name);
      if (!nodeNames.includes(w.host)) {
        ctx.addIssue({
          code: 'custom',
          path: ['workloads', i, 'host'],
          message: `"${w.host}" is not a node of this cluster; pin the workload to one of: ${nodeNames.join(', ')}`,
        });
      }
      if (w.expose !== undefined) {
        const key = `${w.host}:${w.expose}`;
        if (published.has(key)) {
          ctx.addIssue({ code: 'custom', path: ['workloads', i, 'expose'], message: `port ${w.expose} on ${w.host} is already exposed by another workload` });
        }
        published.add(key);
      }
    });
    if (!nodeNames.includes(spec.verify.from)) {
      ctx.addIssue({
        code: 'custom',
        path: ['verify', 'from'],
        message: `"${spec.verify.from}" is not a node of this cluster; run the checks from one of: ${nodeNames.join(', ')}`,
      });
    }
    if (spec.provider.type !== 'local' || cidrProblem(spec.network.subnet) || cidrProblem(spec.provider.subnet)) return;
    const overlay = parseCidr(spec.network.subnet);
    const underlay = parseCidr(spec.provider.subnet);
    if (overlaps(overlay, underlay)) {
      ctx.addIssue({
        code: 'custom',
        path: ['network', 'subnet'],
        message: `${spec.network.subnet} overlaps the hosts' subnet ${spec.provider.subnet}; choose a separate range`,
      });
    }
    // .1 is the bridge, hosts start at .10: see providers/local/addressing.ts
    if (cidrSize(underlay) - 2 < 10 + hostNames.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['provider', 'subnet'],
        message: `${spec.provider.subnet} is too small for ${hostNames.length} hosts; use a larger range such as a /24`,
      });
    }
    if (cidrSize(overlay) - 2 < 2 * (spec.workloads.length + nodeNames.length) + 4) {
      ctx.addIssue({ code: 'custom', path: ['network', 'subnet'], message: `${spec.network.subnet} is too small for the workloads; use a larger range such as a /24` });
    }
  });

type ParsedSpec = z.infer<typeof clusterSpecSchema>;
/**
 * A spec as workflows and activities receive it. `mode` is optional here: runs started
 * before modes existed carry specs without it, and those are swarm (see modeOf).
 */
export type ClusterSpec = Omit<ParsedSpec, 'mode'> & { mode?: ParsedSpec['mode'] };
export type WorkloadSpec = ClusterSpec['workloads'][number];

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_SPEC_PATH = resolve(here, '..', 'specs', 'tuto.yaml');

export { workloadImage } from './host-images.js';

export function hostNames(spec: ClusterSpec): string[] {
  return [spec.manager.name, ...spec.nodes.map((n) => n.name)];
}

export function swarmManager(spec: ClusterSpec): string {
  return spec.nodes[0].name;
}

/** The mode of a spec; specs recorded before modes existed have none and are swarm. */
export function modeOf(spec: Pick<ClusterSpec, 'mode'>): 'swarm' | 'classic' {
  return spec.mode ?? 'swarm';
}

/** The store classic mode's engines share (undefined in swarm mode). */
export function clusterStoreOf(spec: Pick<ClusterSpec, 'mode' | 'clusterStore'>): 'consul' | 'etcd' | undefined {
  return modeOf(spec) === 'classic' ? (spec.clusterStore ?? 'consul') : undefined;
}

/** The last Docker major version that still has --cluster-store / --cluster-advertise. */
export const LAST_CLASSIC_ENGINE_MAJOR = 22;

/** What is known of an engine before it runs classic mode. */
export interface EngineFacts {
  /** e.g. "Docker version 20.10.24+dfsg1, build 5d6db84" or "20.10.24" */
  version: string;
  /** the cluster-store backends compiled in, when known (e.g. ["etcd", "zookeeper"]) */
  clusterStores?: string[];
}

/** "20.10.24" from "Docker version 20.10.24+dfsg1, build 5d6db84" (or a bare version). */
export function parseEngineVersion(text: string): { version: string; major: number } | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? { version: m[0], major: Number(m[1]) } : undefined;
}

/**
 * Why the spec's mode cannot run on this engine (undefined: it can). Classic mode needs
 * --cluster-store, which Docker 23 removed, and a build with the chosen store's backend.
 * An unknown version is let through: the engine's own start then says what it lacks.
 */
export function classicModeProblem(spec: Pick<ClusterSpec, 'mode' | 'clusterStore'>, engine: EngineFacts, where: string): string | undefined {
  const store = clusterStoreOf(spec);
  if (!store) return undefined;
  const parsed = parseEngineVersion(engine.version);
  if (parsed && parsed.major > LAST_CLASSIC_ENGINE_MAJOR) {
    return (
      `mode: classic needs a Docker engine older than 23 (--cluster-store was removed in 23.0), but ${where} has Docker ${parsed.version}; ` +
      'use mode: swarm, or pin an engine older than 23 (e.g. Debian 12\'s docker.io 20.10; on exoscale a template that ships it, such as "Linux Debian 12 (Bookworm) 64-bit")'
    );
  }
  if (engine.clusterStores && !engine.clusterStores.includes(store)) {
    const other = engine.clusterStores.includes('etcd') && store !== 'etcd' ? 'clusterStore: etcd, or ' : '';
    return (
      `mode: classic with clusterStore: ${store} needs a dockerd built with that store's backend, but ${where}${parsed ? ` (Docker ${parsed.version})` : ''} has only: ${engine.clusterStores.join(', ') || 'none'} ` +
      `(Debian's docker.io is built without Consul's); use ${other}mode: swarm, or an upstream Docker build older than 23`
    );
  }
  return undefined;
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
  }
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
    return `${where}: ${issue.input === undefined ? `is required (${expected})` : `expected ${expected}, got ${describeValue(issue.input)}`}`;
  }
  if (issue.code === 'invalid_value') {
    return `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return `${where}: unknown type; supported: "local", "exoscale"`;
  }
  return `${where}: ${issue.message}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Validates an already-parsed document; `source` names it in messages. */
export function parseSpec(doc: unknown, source: string): ClusterSpec {
  const result = clusterSpecSchema.safeParse(doc, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeIssue);
  throw new SpecError(
    `${source} is not a valid cluster spec:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    problems,
    `fix the fields above; see specs/tuto.yaml for a complete example`,
  );
}

export function loadSpecText(text: string, source: string): ClusterSpec {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const pos = first.linePos?.[0];
    throw new SpecError(
      `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${first.message.split('\n')[0].replace(/:$/, '')}`,
      doc.errors.map((e) => e.message),
      'fix the YAML syntax (indentation, colons, quotes) at that line',
    );
  }
  return parseSpec(doc.toJS(), source);
}

export function loadSpecFile(path: string = DEFAULT_SPEC_PATH): ClusterSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SpecError(
      code === 'ENOENT' ? `spec file ${path} does not exist` : `cannot read spec file ${path}: ${(err as Error).message}`,
      [],
      'pass an existing file with -f, or omit -f to use the default spec (specs/tuto.yaml)',
    );
  }
  return loadSpecText(text, path);
}
