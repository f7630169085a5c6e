// Workflows: deterministic code only (imports nothing but @temporalio/workflow and types).
export { provisionCluster } from './provision-cluster.js';
export { teardownCluster } from './teardown-cluster.js';
export { verifyCluster } from './verify-cluster.js';
export { rebuildAndVerify } from './rebuild-and-verify.js';
export { progressQuery } from './progress.js';
