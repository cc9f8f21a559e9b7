/**
 * The CLI, run in-process against the fake Events API on loopback.
 */
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import { batch, cli, FAKE_ENV, ndjson, tempDir } from './helpers.js';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

let server: FakeEventsApi;
let files: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startFakeEventsApi();
  files = await tempDir();
});
afterAll(async () => {
  await server.close();
  await files.remove();
});
afterEach(() => {
  server.clearFaults();
  server.reset();
});

/** `send` arguments that point at the fake, unthrottled. */
const toFake = (): string[] => ['--base-url', server.url, '--rate', 'off'];

/** A batch's event name, as received by the fake. */
const eventName = (received: unknown): unknown =>
  (received as { events: { data: { event_name: string } }[] }).events[0]?.data.event_name;

describe('help, version and usage errors', () => {
  it('prints help and the version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: mparticle-events <command>');
    expect(help.stdout).toContain('MPARTICLE_API_KEY');
    expect((await cli(['send', '--help'])).stdout).toContain('--failed-out');
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('exits 64 on usage errors, with a message on stderr', async () => {
    for (const argv of [
      [],
      ['frobnicate'],
      ['send'],
      ['validate', 'a.json', 'b.json'],
      ['validate', '--bogus', 'a.json'],
      ['send', '--rate', 'fast', 'a.json'],
      ['send', '--rate', '0', 'a.json'],
    ]) {
      const run = await cli(argv, { env: FAKE_ENV });
      expect(run.code, argv.join(' ')).toBe(64);
      expect(run.stderr, argv.join(' ')).not.toBe('');
      expect(run.stdout).toBe('');
    }
  });

  it('refuses credentials in arguments, naming the flag but never echoing the value', async () => {
    for (const argv of [
      ['send', '--api-key', 'sk_live_123', 'file.ndjson'],
      ['send', '--api-secret=sk_live_123', 'file.ndjson'],
      ['--secret', 'sk_live_123', 'validate', 'file.ndjson'],
      ['send', '--apiKey=sk_live_123', 'file.ndjson'],
    ]) {
      const run = await cli(argv, { env: FAKE_ENV });
      expect(run.code).toBe(64);
      expect(run.stderr).toContain('MPARTICLE_API_KEY and MPARTICLE_API_SECRET');
      expect(run.stderr).not.toContain('sk_live_123');
    }
    expect(server.requests).toHaveLength(0);
  });

  it('exits 66 when the input cannot be read', async () => {
    const run = await cli(['validate', `${files.dir}/missing.ndjson`]);
    expect(run.code).toBe(66);
    expect(run.stderr).toContain('no such file');
    expect((await cli(['validate', files.dir])).stderr).toContain('is a directory');
  });
});

describe('validate', () => {
  it('accepts NDJSON, a JSON array and a single JSON batch', async () => {
    const batches = [batch(1), batch(2), batch(3)];
    const inputs = {
      'good.ndjson': ndjson(batches),
      'good-array.json': JSON.stringify(batches, null, 2),
      'good-one.json': JSON.stringify(batches[0], null, 2),
    };
    for (const [name, text] of Object.entries(inputs)) {
      const run = await cli(['validate', await files.file(name, text)]);
      expect(run.code, name).toBe(0);
      expect(run.stdout).toMatch(name === 'good-one.json' ? /1 batches, all valid/ : /3 batches, all valid/);
    }
  });

  it('refuses a file with bad lines, reporting each by line and path', async () => {
    const lines = [
      JSON.stringify(batch(1)),
      JSON.stringify({ ...batch(2), environment: 'staging' }),
      JSON.stringify(batch(3)),
      '{"environment": "development", "events": [',
      JSON.stringify({ ...batch(5), events: [{ event_type: 'custom_event', data: { event_name: '' } }] }),
    ];
    const path = await files.file('bad.ndjson', `${lines.join('\n')}\n`);
    const run = await cli(['validate', path]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const errors = run.stderr.split('\n');
    expect(errors.find((l) => l.startsWith('line 2: environment: '))).toBeDefined();
    expect(errors.find((l) => l.startsWith('line 4: ') && l.includes('not valid JSON'))).toBeDefined();
    expect(errors.find((l) => l.startsWith('line 5: events[0].data.event_name: '))).toBeDefined();
    expect(errors.some((l) => l.startsWith('line 1:') || l.startsWith('line 3:'))).toBe(false);
    expect(run.stderr).toContain('3 of 5 batches invalid');

    const json = (await cli(['validate', '--json', path])).json();
    expect(json).toMatchObject({
      command: 'validate',
      ok: false,
      format: 'ndjson',
      batches: 5,
      invalidBatches: 3,
    });
    const problems = json.problems as { line: number; path: string }[];
    expect(problems.map((p) => p.line)).toEqual(expect.arrayContaining([2, 4, 5]));
    expect(problems.find((p) => p.line === 5)?.path).toBe('events[0].data.event_name');
  });

  it('locates problems in a pretty-printed JSON array by the line each batch starts on', async () => {
    const text = JSON.stringify([batch(1), { ...batch(2), environment: 'staging' }], null, 2);
    const secondStart = text.split('\n').findIndex((line, i) => i > 1 && line === '  {') + 1;
    const run = await cli(['validate', await files.file('bad-array.json', text)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`line ${secondStart} (batch 1): environment: `);
  });

  it('refuses an empty input, and malformed structure with its line', async () => {
    const empty = await cli(['validate', await files.file('empty.ndjson', '\n\n')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no batches found');
    const broken = await cli(['validate', await files.file('broken.json', '[\n{"a": 1}\n{"b": 2}\n]')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("line 3: expected ',' or ']' between batches");
  });

  it('reads stdin with -', async () => {
    const good = await cli(['validate', '-'], { stdin: ndjson([batch(1), batch(2)]) });
    expect(good).toMatchObject({ code: 0 });
    expect(good.stdout).toContain('stdin: 2 batches, all valid');
    const bad = await cli(['validate', '-'], { stdin: '{"environment":"nope"}\n' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('line 1: ');
  });

  it('applies the historical endpoint rules with --historical', async () => {
    const path = await files.file(
      'recent.ndjson',
      ndjson([batch(1, { timestamp: Date.now() - 60_000 }), batch(2)]),
    );
    expect((await cli(['validate', path])).code).toBe(0);
    const run = await cli(['validate', '--historical', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /line 1: events\[0\]\.data\.timestamp_unixtime_ms: must be at least 72 hours old/,
    );
    expect(run.stderr).toMatch(
      /line 2: events\[0\]\.data\.timestamp_unixtime_ms: required on the historical endpoint/,
    );
  });
});

describe('send', () => {
  it('sends every batch of a good file, in order, and exits 0', async () => {
    const batches = Array.from({ length: 250 }, (_, i) => batch(i));
    const path = await files.file('send.ndjson', ndjson(batches));
    const run = await cli(['send', ...toFake(), path], { env: FAKE_ENV });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Sent 250 batches to .*\/v2\/bulkevents in .*: 250 accepted, 0 failed/);
    expect(server.batches.map((b) => eventName(b.batch))).toEqual(batches.map((_, i) => `event ${i}`));
    expect(new Set(server.batches.map((b) => b.path))).toEqual(new Set(['/v2/bulkevents']));
  });

  it('sends a JSON array from stdin, reading it twice through a temporary copy that it removes', async () => {
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith('mparticle-events-stdin-'));
    const batches = Array.from({ length: 30 }, (_, i) => batch(i));
    const run = await cli(['send', ...toFake(), '--json', '-'], {
      env: FAKE_ENV,
      stdin: JSON.stringify(batches),
    });
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      command: 'send',
      ok: true,
      input: 'stdin',
      format: 'json',
      accepted: 30,
      failed: 0,
    });
    expect(server.stats.acceptedBatches).toBe(30);
    const after = (await readdir(tmpdir())).filter((f) => f.startsWith('mparticle-events-stdin-'));
    expect(after).toEqual(before);
  });

  it('refuses a file with a bad line whole: nothing is sent', async () => {
    const lines = [batch(1), batch(2), { ...batch(3), events: 'nope' }, batch(4)].map((b) =>
      JSON.stringify(b),
    );
    const path = await files.file('send-bad.ndjson', `${lines.join('\n')}\n`);
    const run = await cli(['send', ...toFake(), path], { env: FAKE_ENV });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^line 3: events: /m);
    expect(run.stderr).toContain('Nothing was sent.');
    expect(server.requests).toHaveLength(0);
  });

  it('sends nothing with --dry-run, and says where it would have sent', async () => {
    const path = await files.file('dry.ndjson', ndjson([batch(1), batch(2)]));
    const run = await cli(['send', '--dry-run', ...toFake(), path], { env: FAKE_ENV });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Dry run: 2 valid batches (ndjson) would be sent to ${server.url}/bulkevents.`,
    );
    const json = (await cli(['send', '--dry-run', '--json', ...toFake(), path], { env: FAKE_ENV })).json();
    expect(json).toMatchObject({ dryRun: true, ok: true, batches: 2, accepted: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('posts to /v2/bulkevents/historical with --historical', async () => {
    const old = Date.now() - 5 * 24 * 3_600_000;
    const path = await files.file(
      'history.ndjson',
      ndjson([batch(1, { timestamp: old }), batch(2, { timestamp: old })]),
    );
    const run = await cli(['send', '--historical', ...toFake(), path], { env: FAKE_ENV });
    expect(run.code).toBe(0);
    expect(server.requests.map((r) => [r.path, r.status])).toEqual([['/v2/bulkevents/historical', 202]]);
    expect(server.batches).toHaveLength(2);

    const recent = await files.file('recent-send.ndjson', ndjson([batch(1, { timestamp: Date.now() })]));
    const refused = await cli(['send', '--historical', ...toFake(), recent], { env: FAKE_ENV });
    expect(refused.code).toBe(2);
    expect(server.requests).toHaveLength(1);
  });

  it('exits 1 on partial failure and writes the failed batches to --failed-out, which replays', async () => {
    const batches = Array.from({ length: 300 }, (_, i) => batch(i));
    const path = await files.file('partial.ndjson', ndjson(batches));
    const failedOut = `${files.dir}/failed.ndjson`;
    // The first request is refused for good (403 is not retried); the others go through.
    server.fault({ status: 403, times: 1 });
    const run = await cli(['send', ...toFake(), '--failed-out', failedOut, '--json', path], {
      env: FAKE_ENV,
    });
    expect(run.code).toBe(1);
    const summary = run.json();
    const failed = summary.failed as number;
    expect(failed).toBeGreaterThan(0);
    expect(summary).toMatchObject({ ok: false, accepted: 300 - failed, failedOut });
    expect((summary.failures as string[])[0]).toMatch(/^AuthenticationError: .*403.* \(\d+ batches\)$/);
    expect(JSON.stringify(summary)).not.toContain('test-secret');

    const lines = (await readFile(failedOut, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(failed);
    const accepted = new Set(server.batches.map((b) => eventName(b.batch)));
    const failedIds = lines.map(
      (line) => (JSON.parse(line) as { source_request_id: string }).source_request_id,
    );
    expect(failedIds.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);

    // Replay: exactly the missing batches arrive, with the ids they were first sent with.
    server.reset();
    const replay = await cli(['send', ...toFake(), failedOut], { env: FAKE_ENV });
    expect(replay.code).toBe(0);
    expect(server.batches).toHaveLength(failed);
    expect(server.batches.map((b) => b.sourceRequestId)).toEqual(failedIds);
    const all = new Set([...accepted, ...server.batches.map((b) => eventName(b.batch))]);
    expect(all.size).toBe(300);
  });

  it('reports every batch failed when the credentials are wrong, and says how to keep them', async () => {
    const path = await files.file('wrong-creds.ndjson', ndjson([batch(1), batch(2)]));
    const run = await cli(['send', ...toFake(), path], {
      env: { MPARTICLE_API_KEY: 'test-key', MPARTICLE_API_SECRET: 'not-the-secret' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/0 accepted, 2 failed/);
    expect(run.stderr).toContain('Use --failed-out <file>');
    expect(run.stderr).not.toContain('not-the-secret');
  });

  it('exits 78 without credentials or with a bad pod or base URL, before reading the input', async () => {
    const path = await files.file('config.ndjson', ndjson([batch(1)]));
    const none = await cli(['send', ...toFake(), path], { env: {} });
    expect(none.code).toBe(78);
    expect(none.stderr).toContain('MPARTICLE_API_KEY and MPARTICLE_API_SECRET are not set');
    const noSecret = await cli(['send', '--dry-run', path], { env: { MPARTICLE_API_KEY: 'k' } });
    expect(noSecret.code).toBe(78);
    expect(noSecret.stderr).toContain('MPARTICLE_API_SECRET is not set');
    const pod = await cli(['send', '--pod', 'mars', path], { env: FAKE_ENV });
    expect(pod.code).toBe(78);
    expect(pod.stderr).toMatch(/--pod: .*us1/);
    const url = await cli(['send', '--base-url', 'http://example.com/v2', path], { env: FAKE_ENV });
    expect(url.code).toBe(78);
    expect(url.stderr).toContain('--base-url');
    expect(server.requests).toHaveLength(0);
  });

  it('takes the pod from MPARTICLE_POD', async () => {
    const path = await files.file('pod.ndjson', ndjson([batch(1)]));
    const run = await cli(['send', '--dry-run', path], { env: { ...FAKE_ENV, MPARTICLE_POD: 'eu1' } });
    expect(run.stdout).toContain('https://s2s.eu1.mparticle.com/v2/bulkevents');
  });

  it('shows progress: plain lines when stderr is not a terminal, a bar redrawn in place when it is', async () => {
    const path = await files.file('progress.ndjson', ndjson(Array.from({ length: 50 }, (_, i) => batch(i))));
    const plain = await cli(['send', ...toFake(), path], { env: FAKE_ENV, progressIntervalMs: 0 });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/^sent \d+\/50 \(\d+%\), [\d,]+\/s, ETA /m);
    expect(plain.stderr).not.toContain('\r');
    const tty = await cli(['send', ...toFake(), path], { env: FAKE_ENV, tty: true });
    expect(tty.stderr).toMatch(/\r\[=+\] 50\/50 \(100%\)/);
    const quiet = await cli(['send', '--quiet', ...toFake(), path], { env: FAKE_ENV, tty: true });
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});
