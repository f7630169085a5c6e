// Finding and ending the processes a local host is made of, by PID only: those in the
// host's network namespace (dockerd, containerd, shims, host-network containers) and
// those in the host's cgroups (containers). Nothing is ever ended by name.
import { readdir, readFile, readlink, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function netnsInode(netnsPath: string): Promise<number | undefined> {
  try {
    return (await stat(netnsPath)).ino;
  } catch {
    return undefined;
  }
}

/** PIDs of processes whose network namespace is the given one (inode of /var/run/netns/NAME). */
export async function pidsInNetns(inode: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const link = await readlink(`/proc/${entry}/ns/net`);
      if (link === `net:[${inode}]`) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

export async function cmdline(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Zombies count as ended: they hold nothing and their parent reaps them. */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(status);
  } catch {
    return false;
  }
}

export async function waitForExit(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids;
  for (;;) {
    const states = await Promise.all(left.map(isRunning));
    left = left.filter((_, i) => states[i]);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** cgroup hierarchies mounted on this machine (v1 controllers and/or the v2 tree). */
async function cgroupRoots(): Promise<string[]> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const roots = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const fstype = right.split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') roots.add(left.split(' ')[4]);
  }
  return [...roots];
}

async function cgroupDirs(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out; // no such tree in this hierarchy
  }
  for (const e of entries) if (e.isDirectory()) out.push(...(await cgroupDirs(join(dir, e.name))));
  out.push(dir);
  return out; // children first
}

/** PIDs in a cgroup tree named `name` (directly under each hierarchy's root). */
export async function pidsInCgroup(name: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const root of await cgroupRoots()) {
    for (const dir of await cgroupDirs(join(root, name))) {
      try {
        for (const p of (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n')) if (p) pids.add(Number(p));
      } catch {
        // gone meanwhile
      }
    }
  }
  return [...pids];
}

/** Removes the cgroup tree `name` in every hierarchy; returns the directories that remain. */
export async function removeCgroup(name: string): Promise<string[]> {
  const left: string[] = [];
  for (const root of await cgroupRoots()) {
    for (const dir of await cgroupDirs(join(root, name))) {
      try {
        await rmdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left.push(dir);
      }
    }
  }
  return left;
}

/** PIDs of processes whose command name is one of `names` (to check, never to end them). */
export async function processesNamed(names: string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = (await readFile(`/proc/${entry}/comm`, 'utf8')).trim();
      if (names.includes(comm) && (await isRunning(Number(entry)))) pids.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}
