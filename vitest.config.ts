import { defineConfig } from 'vitest/config';

// Unit tests run in parallel; tests that start a Temporal server or real engines run
// one file at a time (they share the machine's namespaces, iptables and CPU).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
