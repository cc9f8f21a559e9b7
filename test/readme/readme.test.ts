/**
 * Every TypeScript snippet of README.md is real: each ```ts block is extracted, type-checked against the
 * sources (tsconfig.json maps 'mparticle-events' to src/), then run against the fake Events API and its
 * effect checked. A block is named after the heading above it; every block needs an entry in CHECKS, so
 * a new snippet cannot go untested.
 *
 * To run, a snippet's import of 'mparticle-events' is pointed at a shim that re-exports the sources, with
 * one change: an `EventsClient` created without a `baseUrl` talks to this test's fake server instead of
 * a pod. Credentials come from the environment, as the snippets read them.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isValidatedBatch } from '../../src/batch/validate.js';
import type { Batch, EventsClient } from '../../src/index.js';
import { BatchBuilder } from '../../src/index.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import { schemaErrors } from '../batch/support.js';
import { freePort, RedisServer, redisAvailable } from '../ratelimit/helpers/redis-server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TMP = join(ROOT, '.tmp', `readme-${process.pid}`);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Snippet {
  /** The heading above it, as a slug, with `-2`, `-3` … for later blocks under the same heading. */
  name: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function extract(markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const found: Snippet[] = [];
  const perHeading = new Map<string, number>();
  let heading = 'top';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const title = /^#{1,6} (.+)$/.exec(line);
    if (title) heading = slug(title[1] as string);
    if (line.trim() !== '```ts') continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i] as string).trim() !== '```'; i++) body.push(lines[i] as string);
    const n = (perHeading.get(heading) ?? 0) + 1;
    perHeading.set(heading, n);
    found.push({
      name: n === 1 ? heading : `${heading}-${n}`,
      line: start + 1,
      code: `${body.join('\n')}\n`,
    });
  }
  return found;
}

const SNIPPETS = extract(README);

/** What a run of a snippet left behind: its module, what it printed, and the fake server. */
interface Run {
  module: Record<string, unknown>;
  log: unknown[][];
  warn: unknown[][];
  error: unknown[][];
}

interface Check {
  /** Names the snippet declares that the check needs; appended as `export { … }` to the run copy. */
  exports?: string[];
  /** Prepare the fake server before the snippet runs. */
  before?: () => unknown;
  check: (run: Run) => Promise<void> | void;
}

let server: FakeEventsApi;
/** customer_ids the fake refuses with a 400, to reach a snippet's failure path. */
const refused = new Set<string>();

type Received = {
  user_identities?: { customer_id?: string };
  consent_state?: { ccpa?: { data_sale_opt_out?: { consented: boolean } } };
  events?: { event_type: string; data: { event_name?: string } }[];
};
const received = (): Received[] => server.batches.map((b) => b.batch as Received);
const customers = (): string[] => received().map((b) => b.user_identities?.customer_id ?? '?');
const printed = (calls: unknown[][]): string => calls.map((args) => args.map(String).join(' ')).join('\n');
/** The README's shared rate limit snippet runs against a real redis-server, or shows its fallback without. */
let sharedRedis: RedisServer | undefined;

const CHECKS: Record<string, Check> = {
  'quick-start': {
    check: ({ log }) => {
      expect(printed(log)).toBe('1 accepted in 1 request(s)');
      expect(customers()).toEqual(['42']);
      expect(received()[0]?.events?.[0]?.data.event_name).toBe('Signed Up');
    },
  },
  'building-a-batch': {
    exports: ['batch'],
    check: ({ module, log }) => {
      const batch = module.batch as Batch;
      expect(isValidatedBatch(batch)).toBe(true);
      expect(batch.events?.map((e) => e.event_type)).toEqual([
        'session_start',
        'custom_event',
        'screen_view',
        'commerce_event',
        'session_end',
      ]);
      const json = String(log[0]?.[0]);
      expect(json).toContain('"mpid":-7636538281262557000');
      expect(schemaErrors(json)).toEqual([]);
    },
  },
  sending: {
    // Customer 2's batch is refused, so send() rejects with a DeliveryError and the catch branch runs.
    before: () => refused.add('2'),
    check: ({ log, error }) => {
      expect(customers().sort()).toEqual(['1', '3', '4']);
      const errors = printed(error);
      expect(errors).toMatch(/^undelivered \S+ .*400/m);
      expect(errors).toMatch(/^\S+ BadRequestError$/m);
      expect(printed(log)).toBe('1 accepted, 0 failed, 0 retried');
    },
  },
  'retries-rate-limits-and-limits': {
    exports: ['client'],
    check: async ({ module, warn }) => {
      const client = module.client as EventsClient;
      server.fault({ status: 429, retryAfter: 1, rateLimitExceeded: 'org', times: 1 });
      const batch = new BatchBuilder()
        .userIdentities({ customer_id: 'paced' })
        .customEvent({ event_name: 'x' })
        .build();
      const report = await client.send(batch);
      await client.close();
      expect(report).toMatchObject({ accepted: 1, retried: 1 });
      expect(printed(warn)).toBe('429 (org): pausing 1000 ms');
    },
  },
  'sharing-one-rate-limit-across-processes': {
    exports: ['client', 'redis'],
    before: async () => {
      sharedRedis = redisAvailable() ? await RedisServer.start() : undefined;
      process.env.REDIS_URL = sharedRedis?.url ?? `redis://127.0.0.1:${await freePort()}`;
    },
    check: async ({ module, warn }) => {
      const client = module.client as EventsClient;
      const redis = module.redis as Redis;
      try {
        const batch = new BatchBuilder()
          .userIdentities({ customer_id: 'fleet' })
          .customEvent({ event_name: 'x' })
          .build();
        expect(await client.send(batch)).toMatchObject({ accepted: 1 });
        expect(customers()).toEqual(['fleet']);
        if (sharedRedis) {
          // Drawn from the shared budget in Redis, without falling back.
          expect((await redis.keys('b_mparticle-events:*')).length).toBeGreaterThan(0);
          expect(printed(warn)).toBe('');
        } else {
          // No Redis here: delivered all the same, at the local limit (270 / 8), and the listener said so.
          expect(printed(warn)).toMatch(/^Redis unreachable \(.+\); 33\.75\/s locally$/);
        }
      } finally {
        await client.close();
        redis.disconnect();
        await sharedRedis?.stop();
      }
    },
  },
  'serverless-and-edge': {
    check: async ({ module }) => {
      const handler = module.handler as (
        event: { userId: string },
        context: { getRemainingTimeInMillis(): number },
      ) => Promise<{ statusCode: number }>;
      const deadline = Date.now() + 5_000;
      const result = await handler(
        { userId: 'lambda-user' },
        { getRemainingTimeInMillis: () => deadline - Date.now() },
      );
      expect(result).toEqual({ statusCode: 200 });
      // Delivered before the handler returned.
      expect(customers()).toEqual(['lambda-user']);
    },
  },
  'serverless-and-edge-2': {
    check: async ({ module }) => {
      const worker = module.default as {
        fetch(
          request: Request,
          env: unknown,
          ctx: { waitUntil(p: Promise<unknown>): void },
        ): Promise<Response>;
      };
      const pending: Promise<unknown>[] = [];
      const request = new Request('https://example.com/track', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sec-gpc': '1' },
        body: JSON.stringify({ userId: 'edge-user' }),
      });
      const response = await worker.fetch(request, {}, { waitUntil: (p) => pending.push(p) });
      expect(response.status).toBe(202);
      expect(pending).toHaveLength(1);
      await Promise.all(pending);
      expect(customers()).toEqual(['edge-user']);
      expect(received()[0]?.consent_state?.ccpa?.data_sale_opt_out?.consented).toBe(true);
    },
  },
  'testing-with-the-fake-server': {
    check: ({ log }) => {
      // The snippet starts and closes its own server; this test's server sees nothing.
      expect(log).toEqual([[1, [503, 202]]]);
      expect(server.stats.requests).toBe(0);
    },
  },
  errors: {
    check: ({ error }) => {
      expect(printed(error)).toMatch(/^events\[0\]\.data\.product_action\.products\[0\]\.price: \S/m);
      expect(server.stats.requests).toBe(0);
    },
  },
  '64-bit-ids': {
    exports: ['json'],
    check: ({ module, log }) => {
      expect(module.json).toContain('"mpid":-7636538281262557000');
      expect(log).toEqual([['-7636538281262557000']]);
    },
  },
};

const SHIM = `import { EventsClient as Base, type EventsClientOptions } from '../../src/index.js';

export * from '../../src/index.js';

/** The real client, sent to the README test's fake Events API unless the snippet gives a baseUrl. */
export class EventsClient extends Base {
  constructor(options: EventsClientOptions) {
    const { pod: _pod, ...rest } = options;
    super({ ...rest, baseUrl: options.baseUrl ?? (process.env.README_FAKE_EVENTS_API as string) });
  }
}
`;

function runCopy(snippet: Snippet, exports: string[] = []): string {
  const code = snippet.code
    .replaceAll("from 'mparticle-events/testing'", "from '../../src/testing/index.js'")
    .replaceAll("from 'mparticle-events'", "from './shim.js'");
  return exports.length === 0 ? code : `${code}\nexport { ${exports.join(', ')} };\n`;
}

/** Type errors per file, from one program over all of them, with the repository's compiler options. */
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
    return diagnostics.map((d) => {
      const at =
        d.start === undefined || !source
          ? ''
          : `line ${source.getLineAndCharacterOfPosition(d.start).line + 1}: `;
      return `${at}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  });
}

const savedEnv = { ...process.env };

beforeAll(async () => {
  server = await startFakeEventsApi({
    validateBatch: (batch) => {
      const id = (batch as Received).user_identities?.customer_id;
      if (id !== undefined && refused.has(id)) throw new Error(`customer ${id} refused by the test`);
    },
  });
  process.env.MPARTICLE_API_KEY = 'test-key';
  process.env.MPARTICLE_API_SECRET = 'test-secret';
  process.env.README_FAKE_EVENTS_API = server.url;
  mkdirSync(TMP, { recursive: true });
  writeFileSync(join(TMP, 'shim.ts'), SHIM);
});

afterAll(async () => {
  await server.close();
  process.env = savedEnv;
  rmSync(TMP, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
  server.clearFaults();
  server.reset();
  refused.clear();
});

describe('README.md', () => {
  it('has TypeScript snippets, each importing the package and each with a check here', () => {
    expect(SNIPPETS.length).toBeGreaterThanOrEqual(8);
    for (const snippet of SNIPPETS) {
      expect(snippet.code, `README line ${snippet.line}`).toMatch(/from 'mparticle-events'/);
    }
    expect(SNIPPETS.map((s) => s.name).sort()).toEqual(Object.keys(CHECKS).sort());
    // Code blocks are TypeScript (tested), shell or plain text: no JavaScript or other spelling escapes.
    const languages = new Set([...README.matchAll(/^```(\S*)/gm)].map((m) => m[1]));
    expect([...languages].sort()).toEqual(['', 'sh', 'text', 'ts']);
  });

  it('every snippet type-checks against the sources, and the check can fail', () => {
    mkdirSync(TMP, { recursive: true });
    const files = SNIPPETS.map((snippet) => {
      const file = join(TMP, `${snippet.name}.ts`);
      writeFileSync(file, snippet.code);
      return file;
    });
    // The batch example with a legacy identity key (the official SDK's `customerid`) must not compile.
    const building = SNIPPETS.find((s) => s.name === 'building-a-batch') as Snippet;
    const broken = join(TMP, 'building-a-batch-broken.ts');
    writeFileSync(broken, building.code.replace('customer_id', 'customerid'));

    const errors = typeErrors([...files, broken]);
    SNIPPETS.forEach((snippet, i) => {
      expect(errors[i], `README snippet "${snippet.name}" (line ${snippet.line})`).toEqual([]);
    });
    expect(errors.at(-1)?.join('\n')).toContain("'customerid' does not exist");
  }, 120_000);

  for (const snippet of SNIPPETS) {
    it(`snippet "${snippet.name}" (line ${snippet.line}) runs against the fake Events API`, async () => {
      const check = CHECKS[snippet.name];
      if (!check) throw new Error(`no check for README snippet "${snippet.name}": add one to CHECKS`);
      await check.before?.();
      const spy = (method: 'log' | 'warn' | 'error') =>
        vi.spyOn(console, method).mockImplementation(() => {});
      const spies = { log: spy('log'), warn: spy('warn'), error: spy('error') };
      const file = join(TMP, `${snippet.name}.run.ts`);
      writeFileSync(file, runCopy(snippet, check.exports));
      const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      // Getters: a check may print more (through the snippet's listeners) after the import.
      await check.check({
        module,
        get log() {
          return spies.log.mock.calls;
        },
        get warn() {
          return spies.warn.mock.calls;
        },
        get error() {
          return spies.error.mock.calls;
        },
      });
    });
  }
});
