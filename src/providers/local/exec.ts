// Runs the system tools the local provider is made of (ip, nsenter, iptables) and
// keeps their stderr, so a failure says which command failed and why.
import { execFile } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`\`${command}\` failed (exit ${exitCode}): ${stderr.trim() || 'no output'}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  input?: string;
  /** exit codes that are not an error (e.g. 1 for "rule not found" checks) */
  allow?: number[];
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : null) : 0;
      if (!err || (code !== null && opts.allow?.includes(code))) {
        resolve({ stdout, stderr, code: code ?? 0 });
      } else {
        reject(new CommandError([cmd, ...args].join(' '), code, stderr || err.message));
      }
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command inside a host's network namespace (nsenter keeps the host's mounts and cgroups). */
export function runInNetns(netns: string, cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run('nsenter', [`--net=/var/run/netns/${netns}`, '--', cmd, ...args], opts);
}
