/**
 * package.json's entry points agree with what tsup builds (tsup.config.ts), checked from the
 * configuration alone: no build runs here. scripts/pack-smoke.mjs checks the built, packed package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from 'tsup';
import { describe, expect, it } from 'vitest';
import { builds, ESM_ONLY_DEPENDENCIES } from '../../tsup.config.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  type: string;
  main: string;
  module: string;
  types: string;
  bin: Record<string, string>;
  files: string[];
  engines: { node: string };
  sideEffects: boolean;
  exports: Record<string, string | Record<string, Record<string, string>>>;
  dependencies: Record<string, string>;
};
const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
  compilerOptions: { target: string };
};

/** The files one build writes, as package paths (`./dist/index.js`), from its entries and formats. */
function outputs(build: Options): Map<string, { entry: string; source: string; kind: 'js' | 'dts' }> {
  const out = new Map<string, { entry: string; source: string; kind: 'js' | 'dts' }>();
  const entries = build.entry as Record<string, string>;
  const outDir = build.outDir ?? 'dist';
  for (const format of build.format as string[]) {
    // "type": "module": tsup writes .js for ESM and .cjs for CommonJS, and .d.ts / .d.cts beside them.
    const [js, dts] = format === 'esm' ? ['.js', '.d.ts'] : ['.cjs', '.d.cts'];
    for (const [entry, source] of Object.entries(entries)) {
      out.set(`./${outDir}/${entry}${js}`, { entry, source, kind: 'js' });
      if (build.dts) out.set(`./${outDir}/${entry}${dts}`, { entry, source, kind: 'dts' });
    }
  }
  return out;
}

const esm = outputs(builds.esm);
const cjs = outputs(builds.cjs);
const cli = outputs(builds.cli);

/** The subpath an entry is published as: `index` → `.`, `testing/index` → `./testing`. */
function subpathOf(entry: string): string {
  return entry === 'index' ? '.' : `./${entry.replace(/\/index$/, '')}`;
}

describe('package.json and tsup.config.ts', () => {
  it('is an ES module package, so .js is ESM and .cjs is CommonJS', () => {
    expect(pkg.type).toBe('module');
  });

  it('builds every library entry in both formats with declarations, from sources that exist', () => {
    expect([...builds.esm.format]).toEqual(['esm']);
    expect([...builds.cjs.format]).toEqual(['cjs']);
    expect(builds.cjs.entry).toEqual(builds.esm.entry);
    expect(builds.esm.dts && builds.cjs.dts).toBe(true);
    for (const { source } of [...esm.values(), ...cli.values()])
      expect(existsSync(join(root, source)), source).toBe(true);
  });

  it('exports each library entry, types first, for import and require, and nothing that is not built', () => {
    const entries = Object.keys(builds.esm.entry as Record<string, string>);
    const subpaths = Object.keys(pkg.exports).filter((key) => key !== './package.json');
    expect(subpaths.sort()).toEqual(entries.map(subpathOf).sort());
    for (const entry of entries) {
      const conditions = pkg.exports[subpathOf(entry)] as Record<string, Record<string, string>>;
      expect(Object.keys(conditions)).toEqual(['import', 'require']);
      for (const [condition, built] of [
        ['import', esm],
        ['require', cjs],
      ] as const) {
        const target = conditions[condition] as Record<string, string>;
        // TypeScript reads the first matching condition: `types` must come before `default`.
        expect(Object.keys(target), `${entry} ${condition}`).toEqual(['types', 'default']);
        expect(built.get(target.types as string)).toEqual(expect.objectContaining({ entry, kind: 'dts' }));
        expect(built.get(target.default as string)).toEqual(expect.objectContaining({ entry, kind: 'js' }));
      }
    }
    expect(pkg.exports['./package.json']).toBe('./package.json');
  });

  it('points the legacy fields at the CommonJS build of the main entry', () => {
    expect(cjs.get(pkg.main)).toEqual(expect.objectContaining({ entry: 'index', kind: 'js' }));
    expect(cjs.get(pkg.types)).toEqual(expect.objectContaining({ entry: 'index', kind: 'dts' }));
    expect(esm.get(pkg.module)).toEqual(expect.objectContaining({ entry: 'index', kind: 'js' }));
  });

  it('installs the CLI as mparticle-events: an ES module with a node shebang, not reachable by import', () => {
    expect(Object.keys(pkg.bin)).toEqual(['mparticle-events']);
    const bin = pkg.bin['mparticle-events'] as string;
    expect(cli.get(bin.startsWith('./') ? bin : `./${bin}`)).toEqual(
      expect.objectContaining({ source: 'src/cli/index.ts', kind: 'js' }),
    );
    expect([...builds.cli.format]).toEqual(['esm']);
    expect(builds.cli.platform).toBe('node');
    expect(builds.cli.banner).toEqual({ js: '#!/usr/bin/env node' });
    const exported = JSON.stringify(pkg.exports);
    expect(exported).not.toContain(bin.replace(/^\.\//, ''));
  });

  it('gives each subpath a package.json stub for node10 resolution, pointing at the CommonJS build', () => {
    for (const entry of Object.keys(builds.cjs.entry as Record<string, string>)) {
      const subpath = subpathOf(entry);
      if (subpath === '.') continue;
      const stubPath = `${subpath.slice(2)}/package.json`;
      expect(pkg.files).toContain(stubPath);
      const stub = JSON.parse(readFileSync(join(root, stubPath), 'utf8')) as Record<string, string>;
      const fromRoot = (target: string | undefined): string => `./${join(subpath.slice(2), target ?? '')}`;
      expect(cjs.get(fromRoot(stub.main))).toEqual(expect.objectContaining({ entry, kind: 'js' }));
      expect(cjs.get(fromRoot(stub.types))).toEqual(expect.objectContaining({ entry, kind: 'dts' }));
      expect(esm.get(fromRoot(stub.module))).toEqual(expect.objectContaining({ entry, kind: 'js' }));
    }
  });

  it('publishes dist and the documents npm shows, all of which exist', () => {
    expect(pkg.files).toContain('dist');
    for (const target of [pkg.main, pkg.module, pkg.types, ...Object.values(pkg.bin)]) {
      expect(target.replace(/^\.\//, '').startsWith('dist/'), target).toBe(true);
    }
    for (const file of pkg.files.filter((f) => f !== 'dist'))
      expect(existsSync(join(root, file)), file).toBe(true);
    expect(pkg.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md']));
  });

  it('declares no side effects: the library builds are side-effect-free modules for bundlers', () => {
    expect(pkg.sideEffects).toBe(false);
    expect(builds.esm.treeshake).toBe(true);
    // The CLI runs on import, but it is only reachable through `bin`, never through `exports`.
    expect(Object.keys(pkg.exports).some((key) => key.includes('cli'))).toBe(false);
  });

  it('targets the oldest Node that engines allows', () => {
    const min = /^>=(\d+)\.(\d+)/.exec(pkg.engines.node);
    expect(min, pkg.engines.node).not.toBeNull();
    const major = Number(min?.[1]);
    for (const build of Object.values(builds)) expect(build.target).toBe(`node${major}`);
    expect(major).toBeGreaterThanOrEqual(20);
    expect(tsconfig.compilerOptions.target).toMatch(/^ES20(2[2-9]|[3-9]\d)$/i);
  });

  it('bundles into the CommonJS build exactly the dependencies that cannot be required', () => {
    /** Node's lookup: the nearest `node_modules/<name>/package.json` above `from`. */
    const manifestOf = (name: string, from: string): { path: string; manifest: Record<string, unknown> } => {
      for (let dir = dirname(from); ; dir = dirname(dir)) {
        const path = join(dir, 'node_modules', name, 'package.json');
        if (existsSync(path)) return { path, manifest: JSON.parse(readFileSync(path, 'utf8')) };
        if (dirname(dir) === dir) throw new Error(`${name} is not installed`);
      }
    };
    /** A package is ESM-only when it is "type": "module" and offers no CommonJS file for `require`. */
    const esmOnly = new Set<string>();
    const visit = (name: string, from: string): void => {
      const { path, manifest } = manifestOf(name, from);
      const entry = JSON.stringify(manifest.exports ?? manifest.main ?? '');
      if (manifest.type !== 'module' || entry.includes('.cjs') || entry.includes('"require"')) return;
      esmOnly.add(name);
      // What a bundled package imports is bundled too, so its ESM-only dependencies must be listed.
      for (const dep of Object.keys((manifest.dependencies as Record<string, string>) ?? {}))
        visit(dep, path);
    };
    for (const name of Object.keys(pkg.dependencies)) visit(name, join(root, 'package.json'));
    expect([...esmOnly].sort()).toEqual([...ESM_ONLY_DEPENDENCIES].sort());
    for (const name of ESM_ONLY_DEPENDENCIES) {
      const patterns = builds.cjs.noExternal as RegExp[];
      expect(patterns.some((p) => p.test(name) && p.test(`${name}/sub`) && !p.test(`${name}x`))).toBe(true);
    }
    expect(builds.esm).not.toHaveProperty('noExternal');
  });
});
