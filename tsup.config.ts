import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/**
 * Dependencies published only as ES modules. The CommonJS build bundles them, so `require('mparticle-events')`
 * works without relying on Node's require(esm) (unflagged only since Node 20.19 and 22.12, and unsupported
 * by Jest's module runtime and older bundlers). The ES module build keeps them external.
 * test/package/exports.test.ts checks this list against the installed dependencies.
 */
export const ESM_ONLY_DEPENDENCIES = ['ky', 'p-retry', 'is-network-error'];

const library: Options = {
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  dts: true,
  sourcemap: true,
  // The builds run in parallel, so none of them may clean: dist/ is emptied once, up front.
  clean: false,
  target: 'node20',
  platform: 'neutral',
  // Code shared by the two entries goes into one chunk, so `mparticle-events/testing` and
  // `mparticle-events` share classes at run time and `instanceof` works across them.
  splitting: true,
  treeshake: true,
};

/** The builds, by name; package.json's `exports`, `main`, `types` and `bin` point into their output. */
export const builds = {
  esm: { ...library, format: ['esm'] },
  cjs: {
    ...library,
    format: ['cjs'],
    noExternal: ESM_ONLY_DEPENDENCIES.map((name) => new RegExp(`^${name}(/|$)`)),
    // Third-party code is bundled into this build: keep its licence notices with it.
    esbuildOptions(options) {
      options.legalComments = 'eof';
    },
  },
  cli: {
    entry: { cli: 'src/cli/index.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    banner: { js: '#!/usr/bin/env node' },
  },
} satisfies Record<string, Options>;

export default defineConfig(() => {
  rmSync('dist', { recursive: true, force: true });
  return Object.values(builds);
});
