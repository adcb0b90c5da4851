import { defineConfig } from 'vitest/config';

// Unit tests are pure logic and run in parallel. Integration tests talk to the
// real local stack (scripts/stack.sh) and run one file at a time: the machine
// has two cores shared by Kafka, PostgreSQL, MinIO, the registry and Sluice.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
