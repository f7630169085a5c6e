// Parallel work in a workflow: wait for every branch to end, then fail with the first
// error. Promise.all would move on at the first failure while sibling activities still
// run, so compensation could undo a host that is still being created.
export async function allSettled<T>(work: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
