// Output conventions: data on stdout, progress and messages on stderr, nothing on
// stderr with --quiet, colour only on a TTY and never with NO_COLOR.
import { EXIT, UserError } from '../errors.js';

export interface OutputOptions {
  quiet?: boolean;
  verbose?: boolean;
  json?: boolean;
}

const useColor = () => process.stderr.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const paint = (code: number) => (s: string) => (useColor() ? `\x1b[${code}m${s}\x1b[0m` : s);
export const green = paint(32);
export const red = paint(31);
export const dim = paint(2);
export const yellow = paint(33);
export const bold = paint(1);

export function createOutput(opts: OutputOptions) {
  return {
    opts,
    /** progress and messages: stderr, silenced by --quiet */
    info(line: string) {
      if (!opts.quiet) process.stderr.write(`${line}\n`);
    },
    debug(line: string) {
      if (opts.verbose) process.stderr.write(`${dim(line)}\n`);
    },
    /** the command's result: stdout */
    data(text: string) {
      // colours only where stdout is a terminal (progress on stderr may be one while stdout is a pipe)
      const out = process.stdout.isTTY ? text : text.replace(/\x1b\[[0-9;]*m/g, '');
      process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    },
    json(value: unknown) {
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}

export type Output = ReturnType<typeof createOutput>;

/** One message, the hint, and the exit code; the stack only with --verbose. */
export function reportError(err: unknown, opts: OutputOptions): number {
  const e = err as Error & { exitCode?: number; hint?: string };
  const code = err instanceof UserError ? err.exitCode : EXIT.failed;
  // an SDK error ("Failed to start Workflow") says what failed; its causes say why
  let message = e.message;
  for (let c = (err as { cause?: Error }).cause; c && !(err instanceof UserError); c = (c as { cause?: Error }).cause) {
    if (c.message && !message.includes(c.message)) message += `: ${c.message}`;
  }
  e.message = message;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ error: { message: e.message, hint: e.hint, exitCode: code } }, null, 2)}\n`);
  }
  process.stderr.write(`${red('error:')} ${e.message}\n`);
  if (e.hint) process.stderr.write(`${dim('hint:')} ${e.hint}\n`);
  if (opts.verbose && e.stack && !(err instanceof UserError)) process.stderr.write(`${dim(e.stack)}\n`);
  return code;
}

/** Rows as aligned columns (plain spaces: safe in pipes). */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
