/**
 * A plain `node:http` service that turns requests into mParticle batches.
 *
 * `POST /track` takes `{ "userId": "42", "event": "Signed Up", "attributes": { … } }` and `POST /orders` takes
 * `{ "userId": "42", "orderId": "T-1001", "currency": "USD", "items": [{ "sku", "name", "price", "quantity" }] }`.
 * Each request becomes one batch for that user, handed to `client.enqueue()`, and the service answers 202 at
 * once: the client's own queue sends batches when a request's worth has gathered or every
 * `flushIntervalMs`, with retries and rate limiting. A `Sec-GPC: 1` header is recorded as a CCPA opt-out.
 * On SIGTERM the service stops taking requests and drains the queue with `client.close()`.
 *
 * Run it (after `npm run build`, on Node 22.6 or later, which runs TypeScript directly):
 *
 *   MPARTICLE_API_KEY=… MPARTICLE_API_SECRET=… MPARTICLE_POD=us1 node --experimental-strip-types examples/node-http-service.ts
 *   curl -X POST localhost:3000/track -d '{"userId":"42","event":"Signed Up"}'
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import {
  BatchBuilder,
  consentFromGpc,
  type DeliveryReport,
  EventsClient,
  type EventsClientOptions,
  hasGpcSignal,
  type Pod,
  ValidationError,
} from 'mparticle-events';

/** Options of {@link createService}. */
export interface ServiceOptions {
  /** How the client reaches mParticle: credentials and `pod`, or `baseUrl` for a proxy or the fake server. */
  client: EventsClientOptions;
  /** Where batches land in mParticle. Default `'production'`. */
  environment?: 'production' | 'development';
  /** How long a batch may wait in the client's queue for others to share its request. Default 1000 ms. */
  flushIntervalMs?: number;
  /** How long `close()` keeps delivering what is queued. Default 5000 ms. */
  closeTimeoutMs?: number;
}

/** A running service: its HTTP server, its client, and the shutdown that SIGTERM runs. */
export interface Service {
  server: Server;
  client: EventsClient;
  /** Stop taking requests, deliver what is queued (within `closeTimeoutMs`), and report what happened. */
  close(): Promise<DeliveryReport>;
}

interface TrackBody {
  userId: string;
  event: string;
  attributes?: Record<string, string | number | boolean>;
}

interface OrderBody {
  userId: string;
  orderId: string;
  currency: string;
  items: { sku: string; name: string; price: number; quantity: number }[];
}

/** Largest request body the service reads; a batch must stay under 128 KB anyway (events-api.md §2.1). */
const MAX_BODY_BYTES = 64_000;

/**
 * Create the service: an HTTP server (not yet listening) and the `EventsClient` it enqueues into.
 */
export function createService(options: ServiceOptions): Service {
  const environment = options.environment ?? 'production';
  // One client for the whole process: it owns the queue, the rate limiter and the Retry-After pause.
  const client = new EventsClient({
    ...options.client,
    queue: { ...options.client.queue, flushIntervalMs: options.flushIntervalMs ?? 1_000 },
    onDeadLetter: (failure) => {
      // A real service would park these somewhere durable; the batch keeps its source_request_id, so
      // resending it later is deduplicated by mParticle.
      console.error(`mParticle: batch ${failure.sourceRequestId} not delivered: ${failure.error.message}`);
    },
  });

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof ValidationError) {
        reply(response, 400, {
          error: 'invalid event',
          issues: error.issues.map((i) => `${i.path}: ${i.message}`),
        });
      } else if (error instanceof SyntaxError || error instanceof BadRequest) {
        reply(response, 400, { error: error.message });
      } else {
        console.error(error);
        reply(response, 500, { error: 'internal error' });
      }
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST' || (request.url !== '/track' && request.url !== '/orders')) {
      reply(response, 404, { error: 'not found' });
      return;
    }
    const body = JSON.parse(await readBody(request)) as Partial<TrackBody & OrderBody>;
    if (typeof body.userId !== 'string' || body.userId === '') throw new BadRequest('userId is required');

    const builder = new BatchBuilder({ environment }).userIdentities({ customer_id: body.userId });
    // Global Privacy Control: `Sec-GPC: 1` becomes a CCPA data-sale opt-out. Node's headers record works as is.
    if (hasGpcSignal(request.headers)) builder.consent(consentFromGpc(request.headers));
    const ip = request.socket.remoteAddress;
    if (ip !== undefined) builder.ip(ip.replace(/^::ffff:/, ''));
    const userAgent = request.headers['user-agent'];
    if (userAgent !== undefined) builder.deviceInfo({ platform: 'web', http_header_user_agent: userAgent });

    if (request.url === '/track') {
      // Fields go in as received: build() below checks them and names any bad one by its path.
      builder.customEvent({ event_name: body.event as string, custom_attributes: body.attributes ?? {} });
    } else {
      const items = Array.isArray(body.items) ? body.items : [];
      const products = items.map((item) => ({
        id: item.sku,
        name: item.name,
        price: item.price,
        quantity: item.quantity,
      }));
      builder.commerceEvent({
        currency_code: body.currency as string,
        product_action: {
          action: 'purchase',
          transaction_id: body.orderId as string,
          total_amount: Math.round(products.reduce((sum, p) => sum + p.price * p.quantity, 0) * 100) / 100,
          products,
        },
      });
    }
    // build() validates: a bad event is the caller's mistake, answered 400 with every issue's path.
    const batch = builder.build();
    // Fire and forget: the outcome shows in flush and close reports, and failures reach onDeadLetter.
    void client.enqueue(batch);
    reply(response, 202, { queued: batch.source_request_id });
  }

  let closing: Promise<DeliveryReport> | undefined;
  const close = (): Promise<DeliveryReport> => {
    closing ??= (async () => {
      // Stop taking connections first, so nothing is enqueued after close() has begun.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await stopped;
      return client.close({ timeoutMs: options.closeTimeoutMs ?? 5_000 });
    })();
    return closing;
  };

  return { server, client, close };
}

class BadRequest extends Error {}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) {
        reject(new BadRequest(`body over ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

// Run as a program: credentials from the environment, drain on SIGTERM (what orchestrators send first).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const service = createService({
    client: {
      apiKey: process.env.MPARTICLE_API_KEY ?? '',
      apiSecret: process.env.MPARTICLE_API_SECRET ?? '',
      pod: (process.env.MPARTICLE_POD ?? 'us1') as Pod,
    },
    environment: 'development',
  });
  const port = Number(process.env.PORT ?? 3000);
  service.server.listen(port, () => console.log(`listening on http://localhost:${port}`));
  process.once('SIGTERM', () => {
    void service.close().then((report) => {
      console.log(`closed: ${report.accepted} batches delivered, ${report.failed} not delivered`);
    });
  });
}
