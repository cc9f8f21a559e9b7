#!/usr/bin/env node
/**
 * Packed-tarball smoke test (`npm run test:package`, run by .ci/run, not by `npm test`).
 *
 * Builds and packs this package (`npm pack`) into a temporary directory, installs the
 * tarball into an empty consumer project there (its dependencies come from the registry), and checks:
 *   - on Node 20, 22 and 24: ESM `import` and CommonJS `require` of both entry points work, with no
 *     warnings, build a batch and deliver it to the fake Events API; the CLI runs from
 *     node_modules/.bin;
 *   - a TypeScript consumer compiles against the package with module NodeNext, Node16 (an ES module and a
 *     CommonJS file each) and bundler resolution;
 *   - `attw` (are the types wrong) and `publint` report nothing.
 *
 * Node 22 and 24 come from the `node-<platform>-<arch>` npm packages, cached under the OS temp directory
 * by major version so reruns are quick. Usage: node scripts/pack-smoke.mjs [--keep] [--node 20,22,24]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { values: flags } = parseArgs({
  options: { keep: { type: 'boolean' }, node: { type: 'string', default: '20,22,24' } },
});
const majors = flags.node.split(',').map(Number);
const started = Date.now();
const bin = (name) => join(root, 'node_modules', '.bin', name);

function step(title) {
  console.log(`\n== ${title} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
}

/** Run a command; fail the whole script with its output when it exits non-zero. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 180_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error || result.status !== (options.expectStatus ?? 0)) {
    console.error(`\n✗ ${command} ${args.join(' ')} (in ${options.cwd ?? root}) exited ${result.status}`);
    console.error(output || result.error);
    process.exit(1);
  }
  return { stdout: result.stdout, stderr: result.stderr, output };
}

function check(condition, message) {
  if (!condition) {
    console.error(`\n✗ ${message}`);
    process.exit(1);
  }
  console.log(`  ✓ ${message}`);
}

/** A Node binary of the given major version: this one, or the npm package, installed once and cached. */
function nodeBinary(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const name = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  const cache = join(tmpdir(), 'mparticle-events-node-cache', String(major));
  const binary = join(cache, 'node_modules', name, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(binary)) {
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'package.json'), '{"private":true}\n');
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `${name}@${major}`], {
      cwd: cache,
    });
  }
  const version = run(binary, ['--version']).stdout.trim();
  check(version.startsWith(`v${major}.`), `Node ${version} at ${binary}`);
  return binary;
}

// What every runtime check does, written once for `import` and once for `require`.
const CHECKS = `
  const { MParticleEventsError, ValidationError, MAX_BATCH_BYTES, BatchBuilder, EventsClient } = api;
  const { startFakeEventsApi } = testing;
  const issue = { path: 'events[0]', segments: ['events', 0], code: 'custom', message: 'bad' };
  if (!(new ValidationError([issue]) instanceof MParticleEventsError)) throw new Error('error tree broken');
  if (MAX_BATCH_BYTES !== 128000) throw new Error('limits broken');
  if (typeof startFakeEventsApi !== 'function') throw new Error('testing entry broken');
  const batch = new BatchBuilder({ environment: 'development' })
    .userIdentities({ customer_id: 'smoke-1' })
    .customEvent({ event_name: 'pack-smoke', custom_event_type: 'other' })
    .build();
  const server = await startFakeEventsApi();
  try {
    const client = new EventsClient({ apiKey: 'test-key', apiSecret: 'test-secret', baseUrl: server.url });
    await client.send(batch);
    await client.close();
    if (server.batches.length !== 1) throw new Error('expected 1 batch at the fake server, got ' + server.batches.length);
  } finally {
    await server.close();
  }
  console.log('ok ' + Object.keys(api).length + ' exports');
`;

const CONSUMER_FILES = {
  'package.json': JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }, null, 2),
  'esm.mjs': `import * as api from 'mparticle-events';\nimport * as testing from 'mparticle-events/testing';\n${CHECKS}`,
  'cjs.cjs': `const api = require('mparticle-events');\nconst testing = require('mparticle-events/testing');\n(async () => {\n${CHECKS}\n})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`,
  // A TypeScript consumer, as an ES module and as a CommonJS module.
  'typed.mts': `import { BatchBuilder, EventsClient, ValidationError, type ValidationIssue } from 'mparticle-events';
import { startFakeEventsApi, type FakeEventsApi } from 'mparticle-events/testing';

const issue: ValidationIssue = { path: '', segments: [], code: 'custom', message: 'bad' };
export const error: ValidationError = new ValidationError([issue]);
export const batch = new BatchBuilder({ environment: 'development' })
    .userIdentities({ customer_id: 'smoke-1' })
  .customEvent({ event_name: 'typed', custom_event_type: 'other' })
  .build();
export async function deliver(): Promise<number> {
  const server: FakeEventsApi = await startFakeEventsApi();
  const client = new EventsClient({ apiKey: 'k', apiSecret: 's', baseUrl: server.url });
  await client.send(batch);
  await client.close();
  await server.close();
  return server.batches.length;
}
`,
  'typed.cts': `import { BatchBuilder, ValidationError, type ValidationIssue } from 'mparticle-events';
import testing = require('mparticle-events/testing');

const issue: ValidationIssue = { path: '', segments: [], code: 'custom', message: 'bad' };
export const error: ValidationError = new ValidationError([issue]);
export const batch = new BatchBuilder({ environment: 'development' })
    .userIdentities({ customer_id: 'smoke-1' })
  .customEvent({ event_name: 'typed', custom_event_type: 'other' })
  .build();
export const start: typeof testing.startFakeEventsApi = testing.startFakeEventsApi;
`,
};

function tsconfig(compilerOptions, files) {
  return JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        noEmit: true,
        // Check our declaration files too, against a plain Node setup: no DOM lib.
        skipLibCheck: false,
        lib: ['es2022'],
        target: 'es2022',
        typeRoots: [join(root, 'node_modules', '@types')],
        types: ['node'],
        ...compilerOptions,
      },
      files,
    },
    null,
    2,
  );
}

const work = mkdtempSync(join(tmpdir(), 'mparticle-events-pack-'));
try {
  step('build and npm pack');
  run('npm', ['run', 'build']);
  // The build ran just above; --ignore-scripts keeps prepack's build log out of the JSON on stdout.
  const packed = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work]).stdout,
  );
  const tarball = join(work, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  console.log(
    `  ${packed[0].filename}: ${files.length} files, ${(packed[0].size / 1024).toFixed(1)} KiB packed`,
  );
  check(
    files.every((f) => /^(dist\/|(testing\/)?package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/.test(f)),
    'the tarball holds only dist/, the package.json files and the documents',
  );
  check(
    files.includes('dist/cli.js') && files.includes('LICENSE'),
    'the tarball holds the CLI and the LICENSE',
  );

  step('install the tarball into an empty project');
  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  for (const [name, text] of Object.entries(CONSUMER_FILES)) writeFileSync(join(consumer, name), text);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: consumer });
  const installed = join(consumer, 'node_modules', 'mparticle-events');
  check(existsSync(join(installed, 'package.json')), 'mparticle-events is installed');
  const cjsText = files
    .filter((f) => f.endsWith('.cjs'))
    .map((f) => readFileSync(join(installed, f), 'utf8'));
  check(
    cjsText.length > 0 &&
      !cjsText.some((text) => /require\(["'](ky|p-retry|is-network-error)["']\)/.test(text)),
    'the CommonJS build requires no ESM-only dependency',
  );

  for (const major of majors) {
    step(`Node ${major}`);
    const node = nodeBinary(major);
    // The CLI's shebang runs `node` from PATH: put this version first.
    const env = { PATH: `${dirname(node)}${delimiter}${process.env.PATH}`, NODE_OPTIONS: '' };
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      const { stdout, stderr } = run(node, [file], { cwd: consumer, env });
      check(
        stdout.startsWith('ok ') && stderr === '',
        `${file}: both entries load, a batch is built and delivered, no warnings`,
      );
    }
    // The CommonJS build bundles its ESM-only dependencies, so it works where require(esm) does not
    // (Jest, older bundlers): prove it by turning require(esm) off.
    const strict = run(node, ['--no-experimental-require-module', 'cjs.cjs'], { cwd: consumer, env });
    check(strict.stdout.startsWith('ok '), 'cjs.cjs with --no-experimental-require-module');
    const cli = join(
      consumer,
      'node_modules',
      '.bin',
      process.platform === 'win32' ? 'mparticle-events.cmd' : 'mparticle-events',
    );
    const help = run(cli, ['--help'], { cwd: consumer, env });
    check(help.stdout.includes('Usage: mparticle-events'), 'node_modules/.bin/mparticle-events --help');
    const version = run(cli, ['--version'], { cwd: consumer, env });
    check(version.stdout.trim() === pkg.version, `mparticle-events --version prints ${pkg.version}`);
    writeFileSync(
      join(consumer, 'batch.ndjson'),
      `${JSON.stringify({ environment: 'development', user_identities: { customer_id: 'c1' }, events: [] })}\n`,
    );
    const validate = run(cli, ['validate', 'batch.ndjson'], { cwd: consumer, env });
    check(validate.stdout.includes('valid'), 'mparticle-events validate batch.ndjson');
    run(cli, ['--api-key=x', 'send', 'batch.ndjson'], { cwd: consumer, env, expectStatus: 64 });
    check(true, 'mparticle-events refuses credentials in arguments (exit 64)');
  }

  step('TypeScript consumers');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const configs = {
    'tsconfig.nodenext.json': tsconfig({ module: 'nodenext', moduleResolution: 'nodenext' }, [
      'typed.mts',
      'typed.cts',
    ]),
    'tsconfig.node16.json': tsconfig({ module: 'node16', moduleResolution: 'node16' }, [
      'typed.mts',
      'typed.cts',
    ]),
    'tsconfig.bundler.json': tsconfig({ module: 'esnext', moduleResolution: 'bundler' }, ['typed.mts']),
    // Legacy resolution, still common in older projects: served by the package.json stub in testing/.
    // esModuleInterop as `tsc --init` sets it: zod's own declarations need it under module commonjs.
    'tsconfig.node10.json': tsconfig(
      { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true },
      ['typed.cts'],
    ),
  };
  for (const [name, text] of Object.entries(configs)) {
    writeFileSync(join(consumer, name), text);
    run(process.execPath, [tsc, '-p', name], { cwd: consumer });
    check(true, `tsc -p ${name}`);
  }

  step('attw and publint');
  // attw exits non-zero on any problem, under its strict profile (node10, node16 CJS and ESM, bundler).
  const attw = run(bin('attw'), ['--no-definitely-typed', '--format', 'ascii', tarball]);
  check(/No problems found/i.test(attw.stdout), 'attw: no problems found');
  const publint = run(bin('publint'), [
    'run',
    '--strict',
    '--level',
    'suggestion',
    installed,
    '--pack',
    'false',
  ]);
  check(/All good/i.test(publint.output), `publint: ${publint.output.trim().split('\n').at(-1)}`);

  console.log(`\nPacked-tarball smoke test passed in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
} finally {
  if (flags.keep) console.log(`(kept ${work})`);
  else rmSync(work, { recursive: true, force: true });
}
