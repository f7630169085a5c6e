import { defineConfig } from 'vitest/config';

// Test files run two at a time: end-to-end files spend most of their time waiting on
// engines, Temporal and timers, and each keeps to its own cluster names, subnets, ports
// and state folder, so they do not meet. More than two overloads a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
