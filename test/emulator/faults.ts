// Injected transport/infrastructure failures, checked for every request BEFORE the
// signature: they stand for what sits in front of the API (load balancer, gateway rate
// limiter, network), which fails whether or not the request would authenticate. It also
// lets a test make a client see a 429/5xx/reset without needing a valid signature.
//
// Rate-limit numbers and headers are not in the sources (reference section 5); the
// 429 + Retry-After shape follows what egoscale's retrying HTTP client honours.

export type FaultKind = 'latency' | 'rate-limit' | 'server-error' | 'timeout' | 'reset';

export interface FaultRule {
  /** HTTP method to match (case-insensitive); any when absent */
  method?: string;
  /** a RegExp tested against the path (incl. /v2, without query) or a path prefix */
  path: RegExp | string;
  kind: FaultKind;
  /** how many requests it hits; unlimited when absent */
  times?: number;
  /** probability (0..1) that a matching request is hit; 1 when absent */
  rate?: number;
  /** for 'latency': delay before the request is handled normally (default 1000) */
  latencyMs?: number;
  /** for 'rate-limit' (default 1) and optionally 'server-error': Retry-After seconds */
  retryAfterSeconds?: number;
  /** for 'server-error': the status (default 500; egoscale retries all 5xx but 501) */
  status?: number;
  /** for 'timeout': how long the request is held before the socket is dropped (default 60 000) */
  holdMs?: number;
}

export class FaultControl {
  private rules: { rule: FaultRule; hits: number }[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(rule: FaultRule): void {
    if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) throw new RangeError('fault rate must be within 0..1');
    this.rules.push({ rule, hits: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first rule that matches and fires for this request (its hit is counted). */
  pick(method: string, path: string): FaultRule | undefined {
    for (const entry of this.rules) {
      const { rule } = entry;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (typeof rule.path !== 'string') rule.path.lastIndex = 0; // a /g or /y RegExp is stateful
      const matches = typeof rule.path === 'string' ? path.startsWith(rule.path) : rule.path.test(path);
      if (!matches) continue;
      if (rule.times !== undefined && entry.hits >= rule.times) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      entry.hits++;
      return rule;
    }
    return undefined;
  }
}
