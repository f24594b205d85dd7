import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests bind real UDP sockets; files in parallel would fight over ports only if they chose fixed ones, which they do not.
    pool: 'forks',
  },
});
