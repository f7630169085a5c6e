// A Temporal dev server for one benchmark case: the pinned CLI binary, started on free
// ports by the SDK's test environment (which stops it again in teardown()).
import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { cacheRoot } from '../../src/paths.js';
import { SEARCH_ATTRIBUTES } from '../../src/search-attributes.js';
import { temporalBin } from '../../src/toolchain.js';

export async function startDevServer(): Promise<TestWorkflowEnvironment> {
  try {
    // quiet: activities of these cases fail on purpose (429s) and the SDK logs each at WARN
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this process
  }
  const path = temporalBin(cacheRoot());
  if (!existsSync(path)) throw new Error(`the Temporal CLI is not at ${path}: run scripts/setup.sh or set TEMPORAL_BIN`);
  return TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path }, searchAttributes: SEARCH_ATTRIBUTES } });
}
