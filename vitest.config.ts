// Test runner configuration: tests live beside the code as *.test.ts(x); dist/ is build output only.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{traces,recorder,replayer,allocator,ui,bench}/**/*.test.{ts,tsx}'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['./vitest.setup.ts'],
  },
});
