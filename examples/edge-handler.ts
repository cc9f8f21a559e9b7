/**
 * A fetch-style edge handler (Vercel Edge Functions, Cloudflare Workers, Deno Deploy, Netlify Edge) that
 * records events without making the visitor wait for mParticle.
 *
 * `POST` with `{ "userId": "42", "event": "Viewed Pricing", "attributes": { … } }` enqueues one batch and
 * answers 202 at once; `client.flush()` is handed to `ctx.waitUntil()`, which keeps the isolate alive until
 * the batch is delivered. Edge runtimes may stop timers once the response is sent, so the flush is asked
 * for per request rather than left to the queue's interval. A `Sec-GPC: 1` header becomes a CCPA
 * data-sale opt-out.
 *
 * Wiring it up, for example on Cloudflare Workers (one client per isolate, reused across requests):
 *
 *   let handle: EdgeHandler | undefined;
 *   export default {
 *     fetch(request: Request, env: Env, ctx: ExecutionContext) {
 *       handle ??= createEdgeHandler(new EventsClient({ apiKey: env.MPARTICLE_API_KEY, apiSecret: env.MPARTICLE_API_SECRET }));
 *       return handle(request, ctx);
 *     },
 *   };
 *
 * On Vercel, pass `{ waitUntil }` from `@vercel/functions` as `ctx`.
 */
import {
  BatchBuilder,
  consentFromGpc,
  type EventsClient,
  hasGpcSignal,
  ValidationError,
} from 'mparticle-events';

/** What the handler needs from the runtime's context: `waitUntil`, to finish work after responding. */
export interface EdgeContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** A fetch-style handler. */
export type EdgeHandler = (request: Request, ctx: EdgeContext) => Promise<Response>;

interface TrackBody {
  userId?: unknown;
  event?: unknown;
  attributes?: Record<string, string | number | boolean>;
}

/** Create the handler around a client, which should live as long as the isolate. */
export function createEdgeHandler(client: EventsClient): EdgeHandler {
  return async (request, ctx) => {
    if (request.method !== 'POST') return Response.json({ error: 'POST only' }, { status: 405 });
    let body: TrackBody;
    try {
      body = (await request.json()) as TrackBody;
    } catch {
      return Response.json({ error: 'expected a JSON body' }, { status: 400 });
    }
    if (typeof body.userId !== 'string' || body.userId === '') {
      return Response.json({ error: 'userId is required' }, { status: 400 });
    }

    const builder = new BatchBuilder({ environment: 'production' })
      .userIdentities({ customer_id: body.userId })
      // Fields go in as received: build() checks them and names any bad one by its path.
      .customEvent({ event_name: body.event as string, custom_attributes: body.attributes ?? {} });
    // Global Privacy Control: the fetch Headers object works as is.
    if (hasGpcSignal(request.headers)) builder.consent(consentFromGpc(request.headers));
    const userAgent = request.headers.get('user-agent');
    if (userAgent !== null) builder.deviceInfo({ platform: 'web', http_header_user_agent: userAgent });

    let sourceRequestId: string | undefined;
    try {
      const batch = builder.build();
      sourceRequestId = batch.source_request_id ?? undefined;
      // The outcome reaches the flush report; nothing here waits for it.
      void client.enqueue(batch);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return Response.json(
        { error: 'invalid event', issues: error.issues.map((i) => `${i.path}: ${i.message}`) },
        { status: 400 },
      );
    }
    // Respond now; the runtime keeps the isolate alive until the flush settles (flush() never rejects).
    ctx.waitUntil(client.flush());
    return Response.json({ queued: sourceRequestId }, { status: 202 });
  };
}
