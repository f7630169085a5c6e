// The Exoscale provider: the public API v2 (signed requests, operations polled to
// completion), one security group per cluster, the controller's SSH key registered by
// name, instances labelled with the cluster and host so that every lookup before a
// create finds what an earlier (crashed) attempt made. Engines are reached over SSH.
import Docker from 'dockerode';
import { ensureImage } from '../../docker/images.js';
import type { FirewallRule } from '../../firewall.js';
import { CLUSTER_LABEL } from '../../names.js';
import type { Paths } from '../../paths.js';
import { imagesDir } from '../../toolchain.js';
import { connectEngine, waitForEngine } from '../../docker/engine.js';
import { permanent, transient } from '../errors.js';
import type { EngineFacts } from '../../spec.js';
import type { EngineEndpoint, FirewallRequest, HostInfo, HostRequest, Provider } from '../provider.js';
import { ExoscaleApi } from './api/client.js';
import type { Instance, SecurityGroup, SecurityGroupRule, SecurityGroupRuleRequest } from './api/schemas.js';
import { cloudInit, encodeUserData } from './cloud-init.js';
import { ensureKeyPair, forgetHostKey, hostKeyVerifier, md5Fingerprint, sshDir } from './ssh-keys.js';
import { rm } from 'node:fs/promises';

export interface ExoscaleProviderConfig {
  type: 'exoscale';
  zone: string;
  template: string;
  instanceType: string;
  diskSize: number;
  sshFrom: string;
  endpoint?: string;
}

export const HOST_LABEL = 'overlayctl.host';
export const ENGINE_READY_TIMEOUT_MS = 10 * 60_000;

/** How long a template or instance type found in the catalogue is reused by this process. */
export const CATALOGUE_TTL_MS = 5 * 60_000;

// Catalogue lookups (template by name, instance type by name) shared by the provider
// objects of one process: every host's activity needs the same two ids, and on a large
// cluster two whole-catalogue GETs per host would spend the API's rate limit on answers
// that do not change. Concurrent lookups share one request; a failed or empty one is not kept.
const catalogue = new Map<string, { at: number; value: Promise<unknown> }>();

function cachedLookup<T>(key: string, lookup: () => Promise<T>): Promise<T> {
  const hit = catalogue.get(key);
  if (hit && Date.now() - hit.at < CATALOGUE_TTL_MS) return hit.value as Promise<T>;
  const value = lookup();
  const entry = { at: Date.now(), value };
  catalogue.set(key, entry);
  const drop = () => catalogue.get(key) === entry && catalogue.delete(key);
  value.then((v) => v === undefined && drop(), drop);
  return value;
}

const groupName = (cluster: string) => `overlayctl-${cluster}`;
const keyName = (cluster: string) => `overlayctl-${cluster}`;

/** A rule as the API describes it, reduced to what makes two rules the same. */
function ruleKey(r: Pick<SecurityGroupRule | SecurityGroupRuleRequest, 'protocol' | 'start-port' | 'end-port' | 'network'> & { 'security-group'?: { id?: string } }): string {
  return [r.protocol, r['start-port'] ?? '', r['end-port'] ?? '', r.network ?? '', r['security-group']?.id ?? ''].join('|');
}

export class ExoscaleProvider implements Provider {
  readonly name = 'exoscale';
  private readonly api: ExoscaleApi;
  private defaultUser?: string;
  /** the account and endpoint, for the shared catalogue cache */
  private readonly catalogueKey: string;

  constructor(
    private readonly config: ExoscaleProviderConfig,
    private readonly paths: Paths,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const key = env.EXOSCALE_API_KEY;
    const secret = env.EXOSCALE_API_SECRET;
    if (!key || !secret) {
      throw permanent('MissingCredentials', "EXOSCALE_API_KEY and EXOSCALE_API_SECRET are not set in the worker's environment", 'set both where the worker runs (never in the spec), then restart the worker');
    }
    const endpoint = config.endpoint ?? ExoscaleApi.endpointForZone(config.zone);
    this.api = new ExoscaleApi({ endpoint, key, secret });
    this.catalogueKey = `${endpoint} ${key}`;
  }

  // -- security group ---------------------------------------------------------------

  private async findGroup(cluster: string): Promise<SecurityGroup | undefined> {
    return this.api.findSecurityGroupByName(groupName(cluster));
  }

  /** The API's rules for ours: members by group reference, "any" as 0.0.0.0/0, and SSH from the operator. */
  private wantedRules(groupId: string, rules: FirewallRule[]): SecurityGroupRuleRequest[] {
    const out: SecurityGroupRuleRequest[] = [];
    const source = (r: FirewallRule) => (r.from === 'group' ? { 'security-group': { id: groupId } } : { network: '0.0.0.0/0' });
    const seen = new Set<string>();
    for (const r of rules) {
      // one group for the whole cluster: a rule meant for some hosts opens it on all of
      // them; only the hosts that listen (the manager for Consul) answer.
      const rule: SecurityGroupRuleRequest =
        r.protocol === 'icmp'
          ? { 'flow-direction': 'ingress', protocol: 'icmp', icmp: { type: 8, code: 0 }, description: r.description, ...source(r) }
          : r.protocol === 'esp'
            ? { 'flow-direction': 'ingress', protocol: 'esp', description: r.description, ...source(r) }
            : { 'flow-direction': 'ingress', protocol: r.protocol, 'start-port': r.port, 'end-port': r.port, description: r.description, ...source(r) };
      if (!seen.has(ruleKey(rule))) out.push(rule);
      seen.add(ruleKey(rule));
    }
    out.push({ 'flow-direction': 'ingress', protocol: 'tcp', 'start-port': 22, 'end-port': 22, network: this.config.sshFrom, description: 'ssh from the operator' });
    return out;
  }

  async ensureFirewall(req: FirewallRequest): Promise<{ rules: number }> {
    const group = (await this.findGroup(req.cluster)) ?? (await this.api.createSecurityGroup({ name: groupName(req.cluster), description: `overlayctl cluster ${req.cluster}` }));
    const current = (await this.api.getSecurityGroup(group.id!)).rules ?? [];
    const wanted = this.wantedRules(group.id!, req.rules);
    const wantedKeys = new Set(wanted.map(ruleKey));
    const currentKeys = new Set(current.map(ruleKey));
    for (const rule of wanted) if (!currentKeys.has(ruleKey(rule))) await this.api.addSecurityGroupRule(group.id!, rule);
    for (const rule of current) if (rule['flow-direction'] === 'ingress' && !wantedKeys.has(ruleKey(rule)) && rule.id) await this.api.deleteSecurityGroupRule(group.id!, rule.id);
    return { rules: wanted.length };
  }

  async deleteFirewall(cluster: string): Promise<void> {
    const group = await this.findGroup(cluster);
    if (group?.id) await this.api.deleteSecurityGroup(group.id);
  }

  // -- ssh key ----------------------------------------------------------------------

  async ensureSshKey(cluster: string): Promise<{ skipped: boolean; fingerprint?: string }> {
    const pair = await ensureKeyPair(this.paths, cluster);
    const fingerprint = md5Fingerprint(pair.publicKey);
    const existing = await this.api.getSshKey(keyName(cluster));
    // a key of that name from a lost state folder: ours replaces it
    if (existing && existing.fingerprint !== fingerprint) await this.api.deleteSshKey(keyName(cluster));
    if (!existing || existing.fingerprint !== fingerprint) await this.api.registerSshKey({ name: keyName(cluster), publicKey: pair.publicKey });
    return { skipped: false, fingerprint };
  }

  async deleteSshKey(cluster: string): Promise<void> {
    await this.api.deleteSshKey(keyName(cluster));
  }

  /** Docker comes from the template's distribution: only a running instance can tell its version. */
  async plannedEngine(): Promise<EngineFacts | undefined> {
    return undefined;
  }

  // -- instances --------------------------------------------------------------------

  private async instancesOf(cluster: string): Promise<Instance[]> {
    // the label filter syntax is not documented: list and filter here (see docs/exoscale-api.md)
    return (await this.api.listInstances()).filter((i) => i.labels?.[CLUSTER_LABEL] === cluster);
  }

  private async findInstance(cluster: string, host: string): Promise<Instance | undefined> {
    const found = (await this.instancesOf(cluster)).filter((i) => i.labels?.[HOST_LABEL] === host && i.state !== 'destroying' && i.state !== 'destroyed');
    if (found.length > 1) throw permanent('DuplicateInstance', `${found.length} instances carry the labels of ${host} in cluster ${cluster}: ${found.map((i) => i.id).join(', ')}`, 'delete the extra ones, then run again');
    return found[0];
  }

  private async templateUser(): Promise<{ templateId: string; user: string }> {
    const name = this.config.template;
    const template = await cachedLookup(`${this.catalogueKey} template ${name}`, async () => (await this.api.findTemplate(name, 'public')) ?? (await this.api.findTemplate(name, 'private')));
    if (!template?.id) throw permanent('TemplateNotFound', `template "${this.config.template}" does not exist in zone ${this.config.zone}`, 'check provider.template (e.g. "Linux Ubuntu 22.04 LTS 64-bit")');
    this.defaultUser = template['default-user'] ?? 'root';
    return { templateId: template.id, user: this.defaultUser };
  }

  private async waitRunning(id: string, deadlineMs: number): Promise<Instance> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const i = await this.api.getInstance(id);
      if (!i) throw transient('InstanceVanished', `instance ${id} disappeared while starting`);
      if (i.state === 'running' && i['public-ip']) return i;
      if (i.state === 'error') throw permanent('InstanceFailed', `instance ${i.name} (${id}) is in state error`, 'delete it (overlayctl down) and run again');
      if (i.state === 'stopped') await this.api.startInstance(id);
      if (Date.now() > deadline) throw transient('InstanceNotRunning', `instance ${i.name} is still ${i.state} after ${Math.round(deadlineMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  /** The API half of ensureHost: the host's instance exists (created if missing) and runs; no SSH. */
  async ensureInstance(req: HostRequest): Promise<Instance> {
    const phase = req.onPhase ?? (() => undefined);
    const group = await this.findGroup(req.cluster);
    if (!group?.id) throw permanent('SecurityGroupMissing', `the security group of cluster "${req.cluster}" does not exist`, 'the firewall step must run before hosts are created');
    const { templateId, user } = await this.templateUser();
    phase('instance');
    let instance = await this.findInstance(req.cluster, req.name);
    if (!instance) {
      const type = await cachedLookup(`${this.catalogueKey} instance-type ${this.config.instanceType}`, () => this.api.findInstanceType(this.config.instanceType));
      if (!type?.id) throw permanent('InstanceTypeNotFound', `instance type "${this.config.instanceType}" does not exist`, 'check provider.instanceType (e.g. standard.small)');
      instance = await this.api.createInstance({
        name: req.name,
        'instance-type': { id: type.id },
        template: { id: templateId },
        'disk-size': this.config.diskSize,
        'ssh-key': { name: keyName(req.cluster) },
        'security-groups': [{ id: group.id }],
        labels: { [CLUSTER_LABEL]: req.cluster, [HOST_LABEL]: req.name },
        'public-ip-assignment': 'inet4',
        'user-data': encodeUserData(cloudInit({ defaultUser: user, cluster: req.cluster, host: req.name, engine: req.engine })),
      });
    }
    phase('running');
    // the create (or the listing) already shows it running: no need to ask again
    if (instance.state === 'running' && instance['public-ip']) return instance;
    return this.waitRunning(instance.id!, 5 * 60_000);
  }

  async ensureHost(req: HostRequest): Promise<HostInfo> {
    const phase = req.onPhase ?? (() => undefined);
    const running = await this.ensureInstance(req);
    phase('engine');
    // cloud-init installs Docker after boot: wait until the engine answers over SSH
    const docker = connectEngine(await this.engine(req.cluster, req.name, running));
    if (!(await waitForEngine(docker, ENGINE_READY_TIMEOUT_MS))) {
      throw transient('EngineNotAnswering', `the Docker engine of ${req.name} (${running['public-ip']}) did not answer over SSH in ${ENGINE_READY_TIMEOUT_MS / 60_000} min`, 'check cloud-init on the instance (/var/log/cloud-init-output.log)');
    }
    return { name: req.name, cluster: req.cluster, address: running['public-ip']!, state: 'running' };
  }

  async deleteHost(cluster: string, name: string): Promise<void> {
    const instance = await this.findInstance(cluster, name);
    if (!instance?.id) return;
    await this.api.deleteInstance(instance.id);
    if (instance['public-ip']) forgetHostKey(this.paths, cluster, instance['public-ip']);
  }

  async listHosts(cluster: string): Promise<HostInfo[]> {
    return (await this.instancesOf(cluster))
      .filter((i) => i.state !== 'destroying' && i.state !== 'destroyed')
      .map((i) => ({ name: i.labels?.[HOST_LABEL] ?? i.name ?? i.id!, cluster, address: i['public-ip'] ?? '', state: i.state === 'running' ? ('running' as const) : ('stopped' as const) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async engine(cluster: string, name: string, known?: Instance): Promise<EngineEndpoint> {
    const instance = known ?? (await this.findInstance(cluster, name));
    if (!instance?.['public-ip']) throw transient('HostNotFound', `host ${name} of cluster ${cluster} has no public address (yet)`);
    const user = this.defaultUser ?? (await this.templateUser()).user;
    const pair = await ensureKeyPair(this.paths, cluster);
    return {
      kind: 'ssh',
      host: instance['public-ip'],
      port: 22,
      username: user,
      privateKeyPath: pair.privateKeyPath,
      verifyHostKey: hostKeyVerifier(this.paths, cluster, instance['public-ip']),
    };
  }

  async ensureImage(cluster: string, host: string, image: string): Promise<'present' | 'loaded' | 'pulled'> {
    const docker: Docker = connectEngine(await this.engine(cluster, host));
    return ensureImage(docker, imagesDir(this.paths.cache), image, host, 'registry');
  }

  async deleteClusterResources(cluster: string): Promise<void> {
    await rm(sshDir(this.paths, cluster), { recursive: true, force: true });
  }
}
