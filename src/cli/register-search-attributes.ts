// A server started by `dev start` knows our search attributes from its flags; any
// other server (--address) gets them registered once, before the first run.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../search-attributes.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;

export async function ensureSearchAttributes(client: Client): Promise<string[]> {
  const namespace = client.options.namespace;
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((k) => [k.name, k.type === 'KEYWORD' ? IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD : IndexedValueType.INDEXED_VALUE_TYPE_BOOL]),
    ),
  });
  // A new attribute takes a moment to reach every frontend: a run started before that is refused.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const now = await client.connection.operatorService.listSearchAttributes({ namespace });
    if (missing.every((k) => k.name in (now.customAttributes ?? {}))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return missing.map((k) => k.name);
}

/**
 * Runs `start` (a workflow or schedule start), retrying for a while when the server
 * does not know our search attributes yet: right after they are added, a frontend's
 * namespace cache can lag by several seconds.
 */
export async function retryWhileAttributesPropagate<T>(start: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await start();
    } catch (err) {
      let text = '';
      for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) text += ` ${(e as Error).message}`;
      if (!/no mapping defined for search attribute|search attribute .* is not defined/i.test(text) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
