/**
 * Acceptance 6: the README's "Building a batch" example is real. It is extracted, type-checked against
 * the sources and run, and the batch it builds is checked against the official schema.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isValidatedBatch } from '../../src/batch/validate.js';
import type { Batch } from '../../src/index.js';
import { schemaErrors } from './support.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** The first ```ts block after a heading of the README. */
function snippet(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  const code = section && /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error(`README has no ts example under "## ${heading}"`);
  return code;
}

/** The snippet as a module of this repository: importing the sources, exporting its batch. */
function writeModule(code: string, name: string): string {
  expect(code).toContain("from 'mparticle-events'");
  const dir = join(ROOT, '.tmp');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `readme-${name}-${process.pid}.ts`);
  writeFileSync(
    file,
    `${code.replaceAll("from 'mparticle-events'", "from '../src/index.js'")}\nexport { batch };\n`,
  );
  return file;
}

/** Type errors per file, from one program over all of them (with the repository's compiler options). */
function typeErrors(files: string[]): string[][] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
  return files.map((file) => {
    const source = program.getSourceFile(file);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  });
}

describe('README: Building a batch', () => {
  const written: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const file of written.splice(0)) rmSync(file, { force: true });
  });

  it('compiles and runs, building a valid batch', async () => {
    const code = snippet('Building a batch');
    const file = writeModule(code, 'building-a-batch');
    // The same example with a legacy identity key, to show the type check can fail.
    const broken = writeModule(code.replace('customer_id', 'customerid'), 'building-a-batch-broken');
    written.push(file, broken);
    const [errors, brokenErrors] = typeErrors([file, broken]);
    expect(errors).toEqual([]);
    expect(brokenErrors?.join('\n')).toContain("'customerid' does not exist");

    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { batch } = (await import(pathToFileURL(file).href)) as { batch: Batch };
    expect(isValidatedBatch(batch)).toBe(true);
    expect(batch.events?.map((e) => e.event_type)).toEqual([
      'session_start',
      'custom_event',
      'screen_view',
      'commerce_event',
      'session_end',
    ]);
    const printed = String(log.mock.calls[0]?.[0]);
    expect(printed).toContain('"mpid":-7636538281262557000');
    expect(schemaErrors(printed)).toEqual([]);
  });
});
