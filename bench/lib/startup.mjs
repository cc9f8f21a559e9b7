/**
 * Start-up cost: how long `import()` of a package takes in a fresh process, and how many bytes the
 * core entry weighs once bundled with its dependencies, minified and gzipped.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { round, roundSummary, summary } from './stats.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The built core entry, `dist/index.js`. */
export const DIST_ENTRY = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/**
 * Imports `specifier` in a fresh `node` process and measures, inside it, the time `import()` takes
 * (module resolution, loading, compiling and evaluating the whole graph). Also returns the wall time of
 * the whole process (Node's own start included), for context.
 */
export function timeImport(specifier) {
  const code =
    'const t0 = performance.now(); await import(process.argv[1]); ' +
    'process.stdout.write(JSON.stringify({ importMs: performance.now() - t0 }));';
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, specifier], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      const processMs = performance.now() - started;
      if (code !== 0) reject(new Error(`import(${specifier}) failed: ${err}`));
      else resolve({ ...JSON.parse(out), processMs });
    });
  });
}

/**
 * Times `import()` of our entry (`sdkPath`, default dist/index.js) against `@segment/analytics-node`, in
 * `runs` fresh processes each, interleaved, after one untimed warm-up each (so the file-system cache is
 * warm for both). Returns medians and the ratio ours / Segment per run, summarised; `dependencies` (bare
 * specifiers) are timed alone the same way, to show what our import is made of.
 */
export async function runStartup({
  sdkPath = DIST_ENTRY,
  runs = 10,
  dependencies = [],
  log = () => {},
} = {}) {
  const contenders = { ours: pathToFileURL(sdkPath).href, segment: '@segment/analytics-node' };
  for (const dependency of dependencies) contenders[dependency] = dependency;
  for (const specifier of Object.values(contenders)) await timeImport(specifier);
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let r = 0; r < runs; r++) {
    for (const [name, specifier] of Object.entries(contenders))
      samples[name].push(await timeImport(specifier));
  }
  const timing = (name) => ({
    importMs: roundSummary(summary(samples[name].map((s) => s.importMs))),
    processMs: roundSummary(summary(samples[name].map((s) => s.processMs))),
  });
  const result = {
    runs,
    ours: timing('ours'),
    segment: timing('segment'),
    oursVsSegment: roundSummary(
      summary(samples.ours.map((s, i) => s.importMs / samples.segment[i].importMs)),
    ),
    // Each runtime dependency imported alone: what our import time is made of.
    dependencies: Object.fromEntries(dependencies.map((d) => [d, timing(d).importMs])),
  };
  log(
    `  import(): ours ${result.ours.importMs.median.toFixed(1)} ms, ` +
      `segment ${result.segment.importMs.median.toFixed(1)} ms` +
      dependencies.map((d) => `, ${d} alone ${result.dependencies[d].median.toFixed(1)} ms`).join(''),
  );
  return result;
}

/** Which package a bundled input file belongs to: `zod`, `@scope/name`, or `(mparticle-events)`. */
export function packageOf(inputPath) {
  const at = inputPath.lastIndexOf('node_modules/');
  if (at === -1) return '(mparticle-events)';
  const parts = inputPath.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? '?');
}

/**
 * Bundles `entry` with its dependencies (esbuild: ESM, minified, platform neutral, as an edge or browser
 * bundler would), gzips the result and reports the bytes, and each package's share of the minified
 * output (from esbuild's metafile), largest first.
 */
export async function measureBundle({ entry = DIST_ENTRY, platform = 'neutral', external = [] } = {}) {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    // A neutral platform resolves no package fields by default; use the ones bundlers use.
    mainFields: ['module', 'main'],
    conditions: ['import', 'module', 'default'],
    external,
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
  });
  const code = result.outputFiles[0].contents;
  const output = Object.values(result.metafile.outputs)[0];
  const byPackage = {};
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(path);
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  const packages = Object.entries(byPackage)
    .map(([name, bytes]) => ({ name, minifiedBytes: bytes, share: round(bytes / code.length, 3) }))
    .sort((a, b) => b.minifiedBytes - a.minifiedBytes);
  return {
    minifiedBytes: code.length,
    gzippedBytes: gzipSync(code, { level: 9 }).length,
    packages,
    dominant: packages[0]?.name,
  };
}
