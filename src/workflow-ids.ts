// Workflow ids and run names: pure functions (no imports), so workflows can use them.

/** One provisioning workflow id per cluster: a second `up` attaches to the running one. */
export function provisionWorkflowId(cluster: string): string {
  return `overlayctl/${cluster}/provision`;
}

export function teardownWorkflowId(cluster: string): string {
  return `overlayctl/${cluster}/teardown`;
}

/** A run-specific cluster name: the spec's name (shortened to fit 20 characters) and a suffix of the run id. */
export function runClusterName(base: string, runId: string): string {
  const suffix = runId.replace(/[^a-z0-9]/g, '').slice(-6);
  return `${base.slice(0, 20 - 1 - suffix.length).replace(/-+$/, '')}-${suffix}`;
}
