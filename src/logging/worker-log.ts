// The worker's structured log: one JSON object per line (pino), in the state folder,
// with the cluster, workflow id, step (activity type) and attempt on every entry that
// concerns a run. `overlayctl logs` reads it. Secrets never reach it: activities log
// names and phases, never inputs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import pino from 'pino';
import type { Paths } from '../paths.js';

export const workerLogFile = (paths: Paths) => join(paths.state, 'logs', 'worker.jsonl');

const LEVELS: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** `overlayctl/<cluster>/<purpose>` -> cluster */
export function clusterOfWorkflowId(id: unknown): string | undefined {
  return typeof id === 'string' ? /^overlayctl\/([a-z0-9-]+)\//.exec(id)?.[1] : undefined;
}

/** A Temporal SDK logger that writes JSON lines through pino. */
export class JsonLineLogger implements Logger {
  private readonly pino: pino.Logger;

  constructor(file: string, level: pino.Level = 'info') {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    this.pino = pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: file, append: true, sync: true, mkdir: true }));
  }

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { workflowId, activityType, attempt, ...rest } = meta as Record<string, unknown>;
    const fields = {
      cluster: clusterOfWorkflowId(workflowId),
      workflowId,
      step: activityType,
      attempt,
      ...Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'taskToken')),
    };
    this.pino[LEVELS[level]](fields, message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Sends every entry to several loggers (the JSON file, and the terminal for warnings). */
export class TeeLogger implements Logger {
  constructor(private readonly loggers: Logger[]) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    for (const l of this.loggers) l.log(level, message, meta);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
