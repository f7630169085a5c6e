// A connection to one host's Docker engine (dockerode), and waiting until it answers.
import Docker from 'dockerode';
import type { EngineEndpoint } from '../providers/provider.js';

export function connectEngine(endpoint: EngineEndpoint): Docker {
  if (endpoint.kind === 'unix') return new Docker({ socketPath: endpoint.socketPath });
  throw new Error(`engine transport "${endpoint.kind}" is not supported yet`);
}

export async function pingEngine(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

export async function waitForEngine(docker: Docker, timeoutMs: number, alive: () => boolean = () => true): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pingEngine(docker)) return true;
    if (!alive()) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pingEngine(docker);
}
