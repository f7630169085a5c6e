// Errors the CLI turns into messages and exit codes (0 ok, 1 run or check failed,
// 2 usage or spec error, 130 interrupted). Each carries what to do next.

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The spec file is missing, unreadable, or invalid: nothing was created. */
export class SpecError extends UserError {
  constructor(
    message: string,
    readonly problems: string[] = [],
    hint?: string,
  ) {
    super(message, EXIT.usage, hint);
  }
}

export class UsageError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, EXIT.usage, hint);
  }
}
