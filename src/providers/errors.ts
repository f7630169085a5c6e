// Provider failures, free of Temporal: the activity layer turns a permanent one into a
// non-retryable failure (type = `type`), everything else is retried with backoff.
export class ProviderError extends Error {
  /** when the provider said how long to wait (HTTP 429 Retry-After) */
  retryAfterMs?: number;

  constructor(
    message: string,
    readonly type: string,
    readonly retryable: boolean,
    readonly hint?: string,
  ) {
    super(hint ? `${message}; ${hint}` : message);
    this.name = type;
  }
}

export const permanent = (type: string, message: string, hint?: string) => new ProviderError(message, type, false, hint);
export const transient = (type: string, message: string, hint?: string) => new ProviderError(message, type, true, hint);
