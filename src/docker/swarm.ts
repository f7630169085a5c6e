// Swarm membership of one engine: init on the first node, join on the others.
// Both look at the engine's current state first, so a repeated call changes nothing.
import type Docker from 'dockerode';
import { permanent, transient } from '../providers/errors.js';

export interface SwarmState {
  state: string;
  nodeId: string;
  clusterId?: string;
  isManager: boolean;
}

export async function swarmState(docker: Docker): Promise<SwarmState> {
  const info = (await docker.info()) as { Swarm: { LocalNodeState: string; NodeID: string; ControlAvailable: boolean; Cluster?: { ID: string } } };
  return { state: info.Swarm.LocalNodeState, nodeId: info.Swarm.NodeID, clusterId: info.Swarm.Cluster?.ID, isManager: info.Swarm.ControlAvailable };
}

/** Makes the engine a single-manager swarm advertising `address`; returns the cluster id. */
export async function ensureSwarmInit(docker: Docker, address: string): Promise<string> {
  let s = await swarmState(docker);
  if (s.state === 'active' && !s.isManager) {
    throw permanent('SwarmConflict', `the engine already belongs to another swarm as a worker`, 'remove the host (overlayctl down) and run up again');
  }
  if (s.state !== 'active') {
    await docker.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: address });
    s = await swarmState(docker);
  }
  return (await docker.swarmInspect()).ID as string;
}

export async function workerJoinToken(docker: Docker): Promise<string> {
  return ((await docker.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
}

/**
 * Whether `node` is a member of the swarm `manager` manages: asked of the manager,
 * since a worker's engine does not know the cluster's id.
 */
export async function isMemberOf(manager: Docker, node: Docker): Promise<boolean> {
  const s = await swarmState(node);
  if (s.state !== 'active' || !s.nodeId) return false;
  const nodes = (await manager.listNodes()) as { ID: string }[];
  return nodes.some((n) => n.ID === s.nodeId);
}

/** Joins the engine to the manager's swarm, unless it is already a member. */
export async function ensureSwarmMember(manager: Docker, docker: Docker, opts: { managerAddr: string; token: string; address: string }): Promise<'joined' | 'member'> {
  if (await isMemberOf(manager, docker)) return 'member';
  const s = await swarmState(docker);
  if (s.state === 'active' || s.state === 'pending' || s.state === 'error') {
    // A stale membership (another swarm, or a join that never completed) is replaced.
    await docker.swarmLeave({ force: true });
  }
  try {
    await docker.swarmJoin({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: opts.address, RemoteAddrs: [opts.managerAddr], JoinToken: opts.token });
  } catch (err) {
    throw transient('SwarmJoinFailed', `joining the swarm at ${opts.managerAddr} failed: ${(err as Error).message.split('\n')[0]}`);
  }
  return 'joined';
}

export async function leaveSwarm(docker: Docker): Promise<void> {
  const s = await swarmState(docker);
  if (s.state !== 'inactive') await docker.swarmLeave({ force: true });
}
