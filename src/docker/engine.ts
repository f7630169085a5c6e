// A connection to one host's Docker engine (dockerode), and waiting until it answers.
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import type { EngineEndpoint } from '../providers/provider.js';

export function connectEngine(endpoint: EngineEndpoint): Docker {
  if (endpoint.kind === 'unix') return new Docker({ socketPath: endpoint.socketPath });
  // Over SSH: docker-modem runs `docker system dial-stdio` on the host for each request,
  // so the engine is never exposed on TCP; the host key is checked against the pinned one.
  return new Docker({
    protocol: 'ssh',
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.username,
    sshOptions: { privateKey: readFileSync(endpoint.privateKeyPath), hostVerifier: endpoint.verifyHostKey, readyTimeout: 20_000 },
  } as Docker.DockerOptions);
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
