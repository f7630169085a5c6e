// Talking to the cluster's Consul without opening it to the controller: writes go
// through `consul` inside its container on the manager (values on stdin), reads and
// catalog registrations come from the members themselves (the probe image, run with
// the member's host network), exactly as the security group allows.
import type Docker from 'dockerode';
import { execIn, runOnce } from '../docker/containers.js';
import { transient } from '../providers/errors.js';

export const CONSUL_CONTAINER = 'consul';
export const CONSUL_PORT = 8500;

export async function consulPut(manager: Docker, key: string, value: string): Promise<void> {
  const out = await execIn(manager, CONSUL_CONTAINER, ['consul', 'kv', 'put', key, '-'], value);
  if (out.code !== 0) throw transient('ConsulWriteFailed', `writing ${key} to Consul failed: ${(out.stderr || out.stdout).trim()}`);
}

/**
 * Every key under `prefix` ("" for all), read inside the consul container on the
 * manager. Keys only: values (join tokens among them) never leave Consul.
 */
export async function consulKeysUnder(manager: Docker, managerName: string, prefix: string): Promise<string[]> {
  const out = await execIn(manager, CONSUL_CONTAINER, ['consul', 'kv', 'get', '-keys', '-separator=', prefix]);
  if (out.code !== 0) throw transient('ConsulReadFailed', `reading the keys under "${prefix}" from Consul on ${managerName} failed: ${(out.stderr || out.stdout).trim()}`);
  return out.stdout.split('\n').filter(Boolean).sort();
}

/** An HTTP call to Consul made from a member host (its own network namespace). */
export async function consulFromMember(member: Docker, cluster: string, method: 'GET' | 'PUT', url: string, body?: string): Promise<string> {
  const out = await runOnce(member, {
    image: 'probe',
    cmd: ['http', method, url],
    cluster,
    network: 'host',
    env: body === undefined ? {} : { PROBE_BODY: body },
    timeoutMs: 20_000,
  });
  if (out.code !== 0) throw transient('ConsulUnreachable', `${method} ${url.replace(/\?.*/, '')} from a member failed: ${(out.stderr || out.stdout).trim()}`);
  return out.stdout;
}
