// The checks behind verifyConnectivity: run from a member (short-lived containers on
// the overlay network, as the tutorial does by hand) and from the controller, which
// is outside the group and must reach nothing but exposed ports.
import { connect } from 'node:net';
import type Docker from 'dockerode';
import { runOnce, type Output } from '../docker/containers.js';
import type { Check } from '../types.js';

export const NGINX_WELCOME = 'Welcome to nginx';

/** Runs `probe` until it passes or `windowMs` is over: the overlay's DNS and routes settle within seconds. */
export async function check(name: string, probe: () => Promise<{ ok: boolean; detail: string }>, windowMs = 20_000): Promise<Check> {
  const start = Date.now();
  let last = { ok: false, detail: 'not run' };
  for (;;) {
    try {
      last = await probe();
    } catch (err) {
      last = { ok: false, detail: (err as Error).message.split('\n')[0] };
    }
    if (last.ok || Date.now() - start > windowMs) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { name, ok: last.ok, detail: last.detail, ms: Date.now() - start };
}

const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';
const failure = (out: Output) => `exit ${out.code}: ${firstLine(out.stderr) || firstLine(out.stdout) || 'no output'}`;

export function member(docker: Docker, cluster: string, network: string) {
  const run = (image: string, cmd: string[], env?: Record<string, string>) => runOnce(docker, { image, cmd, cluster, network, env, timeoutMs: 20_000 });
  return {
    async resolves(name: string) {
      const out = await run('busybox', ['nslookup', name]);
      const addrs = [...out.stdout.matchAll(/Address:\s*([\d.]+)/g)].map((m) => m[1]).filter((a) => a !== '127.0.0.11');
      return out.code === 0 && addrs.length > 0 ? { ok: true, detail: `${name} -> ${addrs.join(', ')}` } : { ok: false, detail: failure(out) };
    },
    async tcp(name: string, port: number) {
      // MySQL speaks first: a greeting proves the TCP path end to end.
      const out = await run('busybox', ['sh', '-c', `timeout 5 nc ${name} ${port} </dev/null | head -c 64 | wc -c`]);
      const bytes = Number(out.stdout.trim());
      return out.code === 0 && bytes > 0 ? { ok: true, detail: `${name}:${port} answered (${bytes} bytes)` } : { ok: false, detail: `${name}:${port} ${failure(out)}` };
    },
    async httpBody(name: string, port: number, expect: string) {
      const out = await run('busybox', ['timeout', '10', 'wget', '-qO-', `http://${name}:${port}/`]);
      return out.code === 0 && out.stdout.includes(expect)
        ? { ok: true, detail: `GET http://${name}:${port}/ contains "${expect}"` }
        : { ok: false, detail: `GET http://${name}:${port}/ ${out.code === 0 ? `did not contain "${expect}"` : failure(out)}` };
    },
    async sqlLogin(name: string, password: string) {
      // The password travels in MYSQL_PWD, never on a command line.
      const out = await run('mysql', ['mysql', '-h', name, '-uroot', '--batch', '--skip-column-names', '-e', 'select 1'], { MYSQL_PWD: password });
      return out.code === 0 && out.stdout.trim() === '1' ? { ok: true, detail: `root logged in to ${name}, select 1 -> 1` } : { ok: false, detail: failure(out) };
    },
  };
}

/** True when a TCP connection from here (outside the group) is accepted. */
export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function httpGet(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}
