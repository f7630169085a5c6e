// Where overlayctl keeps things on the operator's machine (see DESIGN.md):
// state under XDG_STATE_HOME, the pinned toolchain and images under XDG_CACHE_HOME,
// short-lived runtime files (sockets, pid files) under /run. Nothing in the checkout.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OVERLAYCTL_STATE_DIR) return env.OVERLAYCTL_STATE_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'overlayctl');
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OVERLAYCTL_CACHE_DIR) return env.OVERLAYCTL_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'overlayctl');
}

/** Runtime files of local hosts: kept short because unix socket paths are limited to 107 bytes. */
export function runtimeRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.OVERLAYCTL_RUNTIME_DIR || '/run/overlayctl';
}

export interface Paths {
  state: string;
  cache: string;
  runtime: string;
}

export function defaultPaths(env: NodeJS.ProcessEnv = process.env): Paths {
  return { state: stateRoot(env), cache: cacheRoot(env), runtime: runtimeRoot(env) };
}

export const clusterStateDir = (p: Paths, cluster: string) => join(p.state, 'clusters', cluster);
export const devStateDir = (p: Paths) => join(p.state, 'dev');
