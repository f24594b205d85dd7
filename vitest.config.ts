import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests bind real UDP sockets; files in parallel would fight over ports only if they chose fixed ones, which they do not.
    pool: 'forks',
    // Builds dist/ when it is missing or stale: the CLI tests run the built CLI as a subprocess.
    globalSetup: ['test/global-setup.ts'],
    // The JSON file feeds .ci/run's closing 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
