// The activity set, built from injected dependencies (createActivities(deps)) so the
// worker wires the real providers and tests can pass their own.
import type { ActivityDeps } from './context.js';
import { checkClassicMode } from './classic.js';
import { ensureEtcd, removeEtcd } from './cluster-store.js';
import { ensureConsul, removeConsul } from './ensure-consul.js';
import { deleteFirewall, ensureFirewall } from './ensure-firewall.js';
import { deleteHost, ensureHost, listHosts } from './ensure-host.js';
import { ensureOverlayNetwork, removeOverlayNetwork } from './ensure-overlay-network.js';
import { deleteSshKey, ensureSshKey } from './ensure-ssh-key.js';
import { ensureSwarm, ensureSwarmMember, leaveSwarm } from './ensure-swarm.js';
import { ensureWorkload, removeWorkload } from './ensure-workload.js';
import { exposeWorkload } from './expose-workload.js';
import { recordReport } from './record-report.js';
import { deleteClusterResources } from './teardown.js';
import { verifyConnectivity } from './verify-connectivity.js';

export type { ActivityDeps };

export function createActivities(deps: ActivityDeps) {
  return {
    checkClassicMode: checkClassicMode(deps),
    ensureFirewall: ensureFirewall(deps),
    ensureSshKey: ensureSshKey(deps),
    ensureHost: ensureHost(deps),
    ensureConsul: ensureConsul(deps),
    ensureEtcd: ensureEtcd(deps),
    ensureSwarm: ensureSwarm(deps),
    ensureSwarmMember: ensureSwarmMember(deps),
    ensureOverlayNetwork: ensureOverlayNetwork(deps),
    ensureWorkload: ensureWorkload(deps),
    verifyConnectivity: verifyConnectivity(deps),
    exposeWorkload: exposeWorkload(deps),
    // teardown, in reverse order of creation
    removeWorkload: removeWorkload(deps),
    removeOverlayNetwork: removeOverlayNetwork(deps),
    leaveSwarm: leaveSwarm(deps),
    removeEtcd: removeEtcd(deps),
    removeConsul: removeConsul(deps),
    listHosts: listHosts(deps),
    deleteHost: deleteHost(deps),
    deleteSshKey: deleteSshKey(deps),
    deleteFirewall: deleteFirewall(deps),
    deleteClusterResources: deleteClusterResources(deps),
    // nightly
    recordReport: recordReport(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
