/**
 * The `demo` command (issue 4): realistic batches for a few users, built with `BatchBuilder` and delivered
 * by `EventsClient`, with a short readable summary.
 *
 * With no credentials it starts the fake Events API on loopback and injects a few 429s and 503s, so the
 * retries show. With `MPARTICLE_API_KEY`, `MPARTICLE_API_SECRET` and `MPARTICLE_POD` set, it sends the same
 * batches to that pod, in the `development` environment, so they show in mParticle's Live Stream.
 *
 * Internal to the CLI: not part of the public API.
 */
import type { Batch } from '../batch/batch.js';
import { BatchBuilder } from '../batch/builder.js';
import { EventsClient } from '../client.js';
import { ApiError, ConfigurationError, DeliveryError } from '../errors.js';
import { DEFAULT_BATCHES_PER_SECOND } from '../limits.js';
import { startFakeEventsApi } from '../testing/index.js';
import type { FakeEventsApi } from '../testing/types.js';
import type { Endpoint } from '../transport/events.js';
import type { Pod } from '../transport/options.js';
import type { DeliveryReport } from '../transport/report.js';
import { formatCount, formatDuration } from './progress.js';

/** The streams and environment the demo uses: the CLI's own (`CliIo` fits). */
export interface DemoIo {
  /** The story and the summary. */
  stdout: { write(text: string): unknown };
  /** Configuration problems. */
  stderr: { write(text: string): unknown };
  /** Where `MPARTICLE_API_KEY`, `MPARTICLE_API_SECRET` and `MPARTICLE_POD` come from. */
  env: Record<string, string | undefined>;
}

/** Settings for tests; the CLI passes none. */
export interface DemoOptions {
  /**
   * With credentials: send here instead of the pod's URL (a proxy, or a fake server in tests). Without
   * credentials it is ignored: the demo starts its own fake.
   */
  baseUrl?: string;
}

// The CLI's exit codes (EXIT in run.ts), repeated here so demo.ts and run.ts do not import each other.
const EXIT_OK = 0;
const EXIT_PARTIAL = 1;
const EXIT_CONFIG = 78;

/** The faults the fake injects: enough to show a Retry-After pause and a backoff, in about two seconds. */
const RATE_LIMITED_REQUESTS = 2;
const UNAVAILABLE_REQUESTS = 2;

/**
 * Run the demo and return the exit code: 0 when every batch was accepted, 1 when some were not, 78 when
 * the credentials are incomplete or the pod is unknown.
 */
export async function runDemo(io: DemoIo, options: DemoOptions = {}): Promise<number> {
  const out = (line = ''): void => {
    io.stdout.write(`${line}\n`);
  };
  const apiKey = nonEmpty(io.env.MPARTICLE_API_KEY);
  const apiSecret = nonEmpty(io.env.MPARTICLE_API_SECRET);
  const pod = nonEmpty(io.env.MPARTICLE_POD);
  const live = apiKey !== undefined || apiSecret !== undefined;
  if (live && (apiKey === undefined || apiSecret === undefined || pod === undefined)) {
    // Half a configuration is a mistake: sending to the fake instead would hide it.
    const missing = [
      apiKey === undefined && 'MPARTICLE_API_KEY',
      apiSecret === undefined && 'MPARTICLE_API_SECRET',
      pod === undefined && 'MPARTICLE_POD',
    ].filter(Boolean);
    io.stderr.write(
      `mparticle-events demo: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set. ` +
        'Set all three to send to your mParticle pod, or none to use the local fake Events API.\n',
    );
    return EXIT_CONFIG;
  }

  const started = Date.now();
  let server: FakeEventsApi | undefined;
  let client: EventsClient | undefined;
  try {
    try {
      if (live) {
        client = new EventsClient({
          apiKey: apiKey as string,
          apiSecret: apiSecret as string,
          pod: pod as Pod,
          ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
          retry: DEMO_RETRY,
        });
      } else {
        // The fake enforces mParticle's default rate limit too, so its answers carry the
        // X-mp-rate-limit-percentage-used header (events-api.md §1.5, §2.2).
        server = await startFakeEventsApi({ rateLimit: { batchesPerSecond: DEFAULT_BATCHES_PER_SECOND } });
        server.fault({ status: 429, retryAfter: 1, rateLimitExceeded: 'org', times: RATE_LIMITED_REQUESTS });
        server.fault({ status: 503, times: UNAVAILABLE_REQUESTS });
        client = new EventsClient({
          apiKey: 'test-key',
          apiSecret: 'test-secret',
          baseUrl: server.url,
          retry: DEMO_RETRY,
        });
      }
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      const name = error.option === 'pod' ? 'MPARTICLE_POD' : error.option;
      io.stderr.write(
        `mparticle-events demo: ${name}: ${error.message.replace(/^Invalid option "[^"]*": /, '')}\n`,
      );
      return EXIT_CONFIG;
    }

    out('mparticle-events demo');
    out();
    if (server) {
      out(`Target   the fake Events API at ${server.url} (no credentials in the environment)`);
      out(
        `Faults   the first ${RATE_LIMITED_REQUESTS} requests get 429 with Retry-After: 1, ` +
          `the next ${UNAVAILABLE_REQUESTS} get 503`,
      );
    } else {
      out(`Target   mParticle pod ${pod} (${client.baseUrl}), environment: development`);
    }

    const { queued, refund, users } = demoBatches(Date.now);
    out(
      `Batches  ${queued.length + 1} for ${users} users: sessions, screen views, custom events, purchases, ` +
        'a refund, identities, user attributes, consent',
    );
    out();

    client.on('retry', (event) => {
      const retryAfter =
        event.retryAfterMs === undefined ? '' : ` (Retry-After ${formatDuration(event.retryAfterMs)})`;
      const reason =
        event.error instanceof ApiError ? `${event.error.status}${retryAfter}` : event.error.name;
      out(
        `  retry    ${event.batches} batches to /${endpointPath(event.endpoint)} after ${reason}: ` +
          `attempt ${event.attempt + 1} in ${formatDuration(event.delayMs)}`,
      );
    });

    out(`enqueue() ${queued.length} batches, then flush():`);
    for (const batch of queued) void client.enqueue(batch);
    const flushed = await client.flush();
    out(`  flushed  ${describeReport(flushed)}`);

    out('send() the refund, awaited:');
    let sent: DeliveryReport;
    try {
      sent = await client.send(refund);
    } catch (error) {
      // A DeliveryError holds the report; anything else is unexpected and goes to the CLI's handler.
      if (!(error instanceof DeliveryError)) throw error;
      sent = error.report;
    }
    out(`  sent     ${describeReport(sent)}`);
    out();

    const total = combine(flushed, sent);
    out('Summary');
    out(`  batches sent     ${formatCount(total.accepted + total.failed + total.dropped)}`);
    out(`  accepted         ${formatCount(total.accepted)}`);
    if (total.failed + total.dropped > 0)
      out(`  not delivered    ${formatCount(total.failed + total.dropped)}`);
    out(`  retried          ${formatCount(total.retried)}`);
    out(`  requests         ${formatCount(total.requests)}`);
    out(`  time             ${seconds(Date.now() - started)}`);
    if (total.percentageUsed !== undefined) {
      out(`  rate limit used  up to ${total.percentageUsed}% (X-mp-rate-limit-percentage-used)`);
    }
    for (const failure of [...flushed.failures, ...sent.failures]) {
      out(`  failed           ${failure.sourceRequestId}: ${failure.error.message}`);
    }

    let ok = total.failed + total.dropped === 0;
    if (server) {
      out();
      out('The fake Events API received');
      for (const line of describeServer(server)) out(`  ${line}`);
      ok &&= server.stats.acceptedBatches === total.accepted;
    } else {
      out();
      out("Find these batches in mParticle's Live Stream, filtered to the development environment.");
    }
    return ok ? EXIT_OK : EXIT_PARTIAL;
  } finally {
    await client?.close({ timeoutMs: 2_000 });
    await server?.close();
  }
}

/** Short waits, so the injected faults cost the demo about two seconds, not the defaults' minutes. */
const DEMO_RETRY = { minDelayMs: 250, maxDelayMs: 2_000 };

interface DemoUser {
  customerId: string;
  email: string;
  firstName: string;
  lastName: string;
  plan: 'free' | 'pro' | 'team';
  platform: 'iOS' | 'Android' | 'web';
  country: string;
  /** GDPR marketing consent (EU users), or a CCPA sale opt-out (US users who asked). */
  consent: { gdprMarketing: boolean } | { ccpaOptOut: boolean };
}

const USERS: readonly DemoUser[] = [
  {
    customerId: 'cust-1001',
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    plan: 'pro',
    platform: 'iOS',
    country: 'GB',
    consent: { gdprMarketing: true },
  },
  {
    customerId: 'cust-1002',
    email: 'grace@example.com',
    firstName: 'Grace',
    lastName: 'Hopper',
    plan: 'team',
    platform: 'web',
    country: 'US',
    consent: { ccpaOptOut: false },
  },
  {
    customerId: 'cust-1003',
    email: 'alan@example.com',
    firstName: 'Alan',
    lastName: 'Turing',
    plan: 'free',
    platform: 'Android',
    country: 'GB',
    consent: { gdprMarketing: false },
  },
  {
    customerId: 'cust-1004',
    email: 'katherine@example.com',
    firstName: 'Katherine',
    lastName: 'Johnson',
    plan: 'pro',
    platform: 'iOS',
    country: 'US',
    consent: { ccpaOptOut: true },
  },
  {
    customerId: 'cust-1005',
    email: 'edsger@example.com',
    firstName: 'Edsger',
    lastName: 'Dijkstra',
    plan: 'free',
    platform: 'web',
    country: 'NL',
    consent: { gdprMarketing: true },
  },
  {
    customerId: 'cust-1006',
    email: 'barbara@example.com',
    firstName: 'Barbara',
    lastName: 'Liskov',
    plan: 'team',
    platform: 'Android',
    country: 'US',
    consent: { ccpaOptOut: false },
  },
  {
    customerId: 'cust-1007',
    email: 'margaret@example.com',
    firstName: 'Margaret',
    lastName: 'Hamilton',
    plan: 'pro',
    platform: 'iOS',
    country: 'US',
    consent: { ccpaOptOut: false },
  },
  {
    customerId: 'cust-1008',
    email: 'tim@example.com',
    firstName: 'Tim',
    lastName: 'Berners-Lee',
    plan: 'free',
    platform: 'web',
    country: 'CH',
    consent: { gdprMarketing: true },
  },
];

const PRODUCTS = [
  {
    id: 'sku-espresso',
    name: 'Espresso Beans 1kg',
    brand: 'Northside Roasters',
    category: 'Coffee',
    price: 24.5,
  },
  { id: 'sku-grinder', name: 'Burr Grinder', brand: 'Steelworks', category: 'Equipment', price: 139 },
  {
    id: 'sku-filters',
    name: 'Paper Filters (100)',
    brand: 'Northside Roasters',
    category: 'Accessories',
    price: 6.25,
  },
  { id: 'sku-kettle', name: 'Gooseneck Kettle', brand: 'Steelworks', category: 'Equipment', price: 59.9 },
] as const;

const MINUTE = 60_000;

function productAt(i: number): (typeof PRODUCTS)[number] {
  return PRODUCTS[i % PRODUCTS.length] as (typeof PRODUCTS)[number];
}

/**
 * Two sessions per user (one with a purchase), to enqueue, and a refund of the first purchase, to send.
 * Sessions lie in the last two hours: the plain endpoints expect data under 30 days old (events-api.md §2.3).
 */
function demoBatches(now: () => number): { queued: Batch[]; refund: Batch; users: number } {
  const queued: Batch[] = [];
  let refund: Batch | undefined;
  USERS.forEach((user, u) => {
    for (let s = 0; s < 2; s++) {
      const start = now() - (110 - u * 7 - s * 45) * MINUTE;
      const sessionUuid = globalThis.crypto.randomUUID();
      const at = (minutes: number) => ({
        session_uuid: sessionUuid,
        timestamp_unixtime_ms: start + minutes * MINUTE,
      });
      const builder = userBuilder(user, now)
        .sessionStart(at(0))
        .screenView({ ...at(0.2), screen_name: 'Home' })
        .customEvent({
          ...at(1),
          event_name: 'Search',
          custom_event_type: 'search',
          custom_attributes: { query: 'coffee', results: 12 },
        })
        .screenView({
          ...at(1.5),
          screen_name: 'Product Detail',
          custom_attributes: { sku: productAt(u + s).id },
        });
      let minutes = 3;
      if (s === 1 || u % 3 === 0) {
        const product = productAt(u + s);
        const quantity = 1 + (u % 2);
        const subtotal = round2(product.price * quantity);
        const transactionId = `T-${2024_0000 + u * 10 + s}`;
        builder.commerceEvent({
          ...at(4),
          currency_code: 'USD',
          product_action: {
            action: 'purchase',
            transaction_id: transactionId,
            total_amount: round2(subtotal * 1.08 + 4.99),
            tax_amount: round2(subtotal * 0.08),
            shipping_amount: 4.99,
            products: [{ ...product, quantity }],
          },
        });
        minutes = 5;
        if (refund === undefined) {
          // The first order comes back: a refund of the whole transaction, sent on its own and awaited.
          refund = userBuilder(user, now)
            .commerceEvent({
              session_uuid: sessionUuid,
              timestamp_unixtime_ms: now() - 2 * MINUTE,
              currency_code: 'USD',
              product_action: {
                action: 'refund',
                transaction_id: transactionId,
                total_amount: subtotal,
                products: [{ ...product, quantity }],
              },
            })
            .build();
        }
      } else {
        builder.customEvent({
          ...at(2.5),
          event_name: 'Add to Wishlist',
          custom_event_type: 'user_preference',
          custom_attributes: { sku: productAt(u).id },
        });
      }
      builder.sessionEnd({ ...at(minutes), session_duration_ms: minutes * MINUTE });
      queued.push(builder.build());
    }
  });
  return { queued, refund: refund as Batch, users: USERS.length };
}

/** A builder with the user's identities, profile, device, app and consent: every batch of theirs has them. */
function userBuilder(user: DemoUser, now: () => number): BatchBuilder {
  return new BatchBuilder({ environment: 'development', now })
    .userIdentities({ customer_id: user.customerId, email: user.email })
    .userAttributes({
      $FirstName: user.firstName,
      $LastName: user.lastName,
      $Country: user.country,
      plan: user.plan,
      interests: ['coffee', 'equipment'],
    })
    .deviceInfo({ platform: user.platform, locale_country: user.country })
    .applicationInfo({ application_name: 'mparticle-events demo', application_version: '1.0.0' })
    .consent((c) =>
      'gdprMarketing' in user.consent
        ? c.gdpr('marketing', { consented: user.consent.gdprMarketing, document: 'privacy-policy-v3' })
        : c.ccpa({ consented: user.consent.ccpaOptOut }),
    );
}

function describeReport(report: DeliveryReport): string {
  return (
    `${formatCount(report.accepted)} accepted, ${formatCount(report.failed + report.dropped)} not delivered, ` +
    `${formatCount(report.retried)} retried, ${plural(report.requests, 'request')}, ${seconds(report.durationMs)}`
  );
}

function combine(a: DeliveryReport, b: DeliveryReport) {
  const percentages = [a.rateLimit?.percentageUsed, b.rateLimit?.percentageUsed].filter(
    (p) => p !== undefined,
  );
  return {
    accepted: a.accepted + b.accepted,
    failed: a.failed + b.failed,
    dropped: a.dropped + b.dropped,
    retried: a.retried + b.retried,
    requests: a.requests + b.requests,
    percentageUsed: percentages.length > 0 ? Math.max(...percentages) : undefined,
  };
}

/** What the fake received: requests by status, batches, events by type, users. */
function describeServer(server: FakeEventsApi): string[] {
  const statuses = new Map<number, number>();
  for (const request of server.requests)
    statuses.set(request.status, (statuses.get(request.status) ?? 0) + 1);
  const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${n} x ${status}`);
  const eventTypes = new Map<string, number>();
  const users = new Set<string>();
  let events = 0;
  for (const { batch } of server.batches) {
    const body = batch as { events?: { event_type?: string }[]; user_identities?: { customer_id?: string } };
    for (const event of body.events ?? []) {
      events++;
      const type = event.event_type ?? '?';
      eventTypes.set(type, (eventTypes.get(type) ?? 0) + 1);
    }
    if (body.user_identities?.customer_id !== undefined) users.add(body.user_identities.customer_id);
  }
  const { acceptedBatches, uniqueSourceRequestIds, duplicateBatches } = server.stats;
  return [
    `requests  ${formatCount(server.requests.length)}: ${byStatus.join(', ')}`,
    `batches   ${formatCount(acceptedBatches)} accepted, ${formatCount(uniqueSourceRequestIds)} distinct ` +
      `source_request_ids, ${formatCount(duplicateBatches)} duplicates`,
    `events    ${formatCount(events)}: ${[...eventTypes].map(([type, n]) => `${n} ${type}`).join(', ')}`,
    `users     ${formatCount(users.size)} (by customer_id)`,
  ];
}

function endpointPath(endpoint: Endpoint): string {
  return endpoint === 'historical' ? 'bulkevents/historical' : endpoint;
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** `2.4s`, or `16ms`: the demo takes seconds, and a tenth shows the Retry-After pauses. */
function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
