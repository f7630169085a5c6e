// The cluster's overlay network: created once on the swarm manager, attachable so
// that plain containers on every node can join it (the tutorial's `docker run --net`).
// Classic mode: created once on node 1 with scope global (in the engines' shared
// store), where "attachable" does not apply: every container may join.
import type Docker from 'dockerode';
import { CLUSTER_LABEL } from '../names.js';
import { permanent } from '../providers/errors.js';

export interface OverlayWant {
  name: string;
  subnet: string;
  encrypted: boolean;
  cluster: string;
  /** swarm-scoped networks only */
  attachable: boolean;
}

export async function findNetwork(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | undefined> {
  const found = (await docker.listNetworks({ filters: { name: [name] } })) as Docker.NetworkInspectInfo[];
  return found.find((n) => n.Name === name);
}

export async function ensureOverlayNetwork(docker: Docker, want: OverlayWant): Promise<{ id: string; created: boolean }> {
  const existing = await findNetwork(docker, want.name);
  if (existing) {
    const subnet = existing.IPAM?.Config?.[0]?.Subnet;
    if (existing.Driver !== 'overlay' || subnet !== want.subnet) {
      throw permanent(
        'NetworkConflict',
        `network "${want.name}" exists with driver ${existing.Driver} and subnet ${subnet ?? 'none'}, not overlay ${want.subnet}`,
        'remove it or change network.name or network.subnet in the spec',
      );
    }
    return { id: existing.Id, created: false };
  }
  const network = await docker.createNetwork({
    Name: want.name,
    Driver: 'overlay',
    Attachable: want.attachable,
    CheckDuplicate: true,
    Labels: { [CLUSTER_LABEL]: want.cluster },
    Options: want.encrypted ? { encrypted: 'true' } : {},
    IPAM: { Driver: 'default', Config: [{ Subnet: want.subnet }] },
  });
  return { id: network.id, created: true };
}

export async function removeNetwork(docker: Docker, name: string): Promise<boolean> {
  const existing = await findNetwork(docker, name);
  if (!existing) return false;
  await docker.getNetwork(existing.Id).remove();
  return true;
}
