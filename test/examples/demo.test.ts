/**
 * The `demo` command (issue 4, acceptance 1): with no credentials it sends realistic batches to its own fake
 * Events API through a few injected 429s and 503s and prints the summary; with credentials it sends the
 * same batches, in the development environment, to the pod (here: a fake standing in for it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import { Capture } from '../cli/helpers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function demo(
  env: Record<string, string | undefined> = {},
  options: { baseUrl?: string } = {},
): Promise<Run> {
  const stdout = new Capture();
  const stderr = new Capture();
  const { runDemo } = await import('../../src/cli/demo.js');
  const code = await runDemo({ stdout, stderr, env }, options);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A number printed after a summary label, e.g. `accepted         17`. */
function figure(text: string, label: string): number {
  const match = new RegExp(`^\\s*${label}\\s+([\\d,]+)`, 'm').exec(text);
  if (!match) throw new Error(`no "${label}" figure in:\n${text}`);
  return Number((match[1] as string).replaceAll(',', ''));
}

describe('demo without credentials', () => {
  let run: Run;
  beforeAll(async () => {
    // Through the CLI's own dispatch, as `mparticle-events demo` runs it.
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(['demo'], { stdin: process.stdin, stdout, stderr, env: {} });
    run = { code, stdout: stdout.text, stderr: stderr.text };
  });

  it('exits 0 and prints a summary in which every batch sent was accepted, after retries', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('the fake Events API at http://127.0.0.1:');
    const sent = figure(run.stdout, 'batches sent');
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(figure(run.stdout, 'accepted')).toBe(sent);
    // The injected 429s and 503s hit requests carrying batches, so some batches went more than once.
    expect(figure(run.stdout, 'retried')).toBeGreaterThan(0);
    // 2 × 429 and 2 × 503, each followed by a successful retry, plus the accepted requests.
    expect(figure(run.stdout, 'requests')).toBeGreaterThanOrEqual(6);
    expect(run.stdout).toMatch(/^\s*time\s+\S+/m);
    expect(run.stdout).toMatch(/retry\s+\d+ batches to \/bulkevents after 429 \(Retry-After 1s\)/);
    expect(run.stdout).toMatch(/retry\s+\d+ batches to \/bulkevents after 503/);
  });

  it("reports what the fake received, which matches the client's counts", () => {
    const sent = figure(run.stdout, 'batches sent');
    expect(run.stdout).toMatch(/requests\s+\d+: \d+ x 202, 2 x 429, 2 x 503/);
    expect(run.stdout).toContain(
      `batches   ${sent} accepted, ${sent} distinct source_request_ids, 0 duplicates`,
    );
    for (const type of ['session_start', 'session_end', 'screen_view', 'custom_event', 'commerce_event']) {
      expect(run.stdout).toMatch(new RegExp(`\\d+ ${type}`));
    }
    expect(run.stdout).toMatch(/users\s+8 \(by customer_id\)/);
  });
});

describe('demo with credentials', () => {
  let pod: FakeEventsApi;
  beforeAll(async () => {
    pod = await startFakeEventsApi({
      credentials: { apiKey: 'live-key', apiSecret: 'live-secret-do-not-print' },
    });
  });
  afterAll(async () => {
    await pod.close();
  });

  it('sends the same kinds of batches to the pod, in the development environment, with no faults', async () => {
    const env = {
      MPARTICLE_API_KEY: 'live-key',
      MPARTICLE_API_SECRET: 'live-secret-do-not-print',
      MPARTICLE_POD: 'eu1',
    };
    const run = await demo(env, { baseUrl: pod.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`mParticle pod eu1 (${pod.url})`);
    expect(run.stdout).toContain('Live Stream');
    expect(run.stdout).not.toContain('The fake Events API received');
    const sent = figure(run.stdout, 'batches sent');
    expect(pod.stats.acceptedBatches).toBe(sent);
    expect(figure(run.stdout, 'retried')).toBe(0);
    type Received = {
      environment: string;
      events: { event_type: string; data: { product_action?: { action: string } } }[];
    };
    const batches = pod.batches.map((b) => b.batch as Received);
    expect(new Set(batches.map((b) => b.environment))).toEqual(new Set(['development']));
    const types = new Set(batches.flatMap((b) => b.events.map((e) => e.event_type)));
    expect(types).toEqual(
      new Set(['session_start', 'screen_view', 'custom_event', 'commerce_event', 'session_end']),
    );
    const actions = batches.flatMap((b) => b.events.flatMap((e) => e.data.product_action?.action ?? []));
    expect(new Set(actions)).toEqual(new Set(['purchase', 'refund']));
    expect(`${run.stdout}${run.stderr}`).not.toContain('live-secret-do-not-print');
  });

  it('exits 1 and names each batch the pod refused', async () => {
    const strict = await startFakeEventsApi({
      credentials: { apiKey: 'live-key', apiSecret: 'live-secret-do-not-print' },
      validateBatch: (batch) => {
        const id = (batch as { user_identities?: { customer_id?: string } }).user_identities?.customer_id;
        if (id === 'cust-1003') throw new Error('refused');
      },
    });
    try {
      const env = {
        MPARTICLE_API_KEY: 'live-key',
        MPARTICLE_API_SECRET: 'live-secret-do-not-print',
        MPARTICLE_POD: 'us1',
      };
      const run = await demo(env, { baseUrl: strict.url });
      expect(run.code).toBe(1);
      // Alan (cust-1003) has two session batches; the other users' batches all arrive.
      expect(figure(run.stdout, 'not delivered')).toBe(2);
      expect(figure(run.stdout, 'accepted')).toBe(figure(run.stdout, 'batches sent') - 2);
      expect(run.stdout.match(/^\s+failed\s+\S+: .*400/gm)).toHaveLength(2);
      expect(strict.stats.acceptedBatches).toBe(figure(run.stdout, 'accepted'));
    } finally {
      await strict.close();
    }
  });

  it('refuses half a configuration (exit 78), naming what is missing and never the secret', async () => {
    const run = await demo({
      MPARTICLE_API_KEY: 'live-key',
      MPARTICLE_API_SECRET: 'live-secret-do-not-print',
    });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('MPARTICLE_POD is not set');
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain('live-secret-do-not-print');
    const keyOnly = await demo({ MPARTICLE_API_KEY: 'live-key' });
    expect(keyOnly.code).toBe(78);
    expect(keyOnly.stderr).toContain('MPARTICLE_API_SECRET and MPARTICLE_POD are not set');
  });

  it('refuses an unknown pod (exit 78)', async () => {
    const run = await demo({ MPARTICLE_API_KEY: 'k', MPARTICLE_API_SECRET: 's', MPARTICLE_POD: 'mars1' });
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/MPARTICLE_POD: expected one of us1, us2, eu1, au1/);
  });
});
