// A token bucket in front of the API, like a gateway's per-account limit: `burst`
// requests at once, then `requestsPerSecond` on average. A request that finds the bucket
// empty gets 429 with Retry-After in whole seconds (the time until a token is back,
// rounded up, at least 1) and takes no token. Exoscale's real numbers are not in the
// sources (reference section 5): the benchmark picks its own.

export interface RateLimitOptions {
  requestsPerSecond: number;
  /** bucket size: requests that may arrive at once after a quiet spell */
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** requests let through / refused (answered 429) so far */
  admitted = 0;
  rejected = 0;

  constructor(
    readonly opts: RateLimitOptions,
    private readonly now: () => number,
  ) {
    if (!(opts.requestsPerSecond > 0) || !(opts.burst >= 1)) throw new RangeError('rateLimit needs requestsPerSecond > 0 and burst >= 1');
    this.tokens = opts.burst;
    this.last = now();
  }

  /** undefined when the request may pass (a token was taken), else the Retry-After seconds. */
  take(): number | undefined {
    const t = this.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + (Math.max(0, t - this.last) / 1000) * this.opts.requestsPerSecond);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.admitted++;
      return undefined;
    }
    this.rejected++;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.opts.requestsPerSecond));
  }
}
