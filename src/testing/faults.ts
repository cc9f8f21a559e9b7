/**
 * Fault injection for the fake server: checking fault specs, matching them to requests, counting hits.
 * Internal to the fake server.
 */
import { ConfigurationError } from '../errors.js';
import type { FaultHandle, FaultSpec } from './types.js';

/** A fault in force: its spec, copied and checked, and how often it applied. */
export interface ActiveFault {
  readonly spec: Readonly<FaultSpec>;
  readonly description: string;
  hits: number;
}

/** What a request looks like to fault matching. */
export interface FaultTarget {
  path: string;
  apiKey: string | undefined;
}

/** The faults of one server, in the order added. */
export class FaultRegistry {
  #faults: ActiveFault[] = [];
  readonly #random: () => number;

  constructor(random: () => number) {
    this.#random = random;
  }

  add(spec: FaultSpec): FaultHandle {
    const fault: ActiveFault = { spec: checkFault(spec), description: describeFault(spec), hits: 0 };
    this.#faults.push(fault);
    return {
      remove: () => {
        this.#faults = this.#faults.filter((f) => f !== fault);
      },
      get hits() {
        return fault.hits;
      },
    };
  }

  clear(): void {
    this.#faults = [];
  }

  /** The first fault that applies to this request, with its hit counted; `undefined` when none does. */
  take(target: FaultTarget): ActiveFault | undefined {
    for (const fault of this.#faults) {
      const { spec } = fault;
      if (spec.times !== undefined && fault.hits >= spec.times) continue;
      if (spec.path !== undefined && !target.path.endsWith(spec.path)) continue;
      if (spec.apiKey !== undefined && target.apiKey !== spec.apiKey) continue;
      // Drawn only for requests that pass the filters, so a seeded random gives the same sequence
      // whatever other traffic the server sees.
      if (spec.probability !== undefined && spec.probability < 1 && !(this.#random() < spec.probability)) {
        continue;
      }
      fault.hits++;
      return fault;
    }
    return undefined;
  }
}

function checkFault(spec: FaultSpec): Readonly<FaultSpec> {
  if (spec === null || typeof spec !== 'object') throw new ConfigurationError('fault', 'expected an object');
  const { status, reset, stall, delayMs, times, probability } = spec;
  if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 599)) {
    throw new ConfigurationError('fault.status', 'expected an HTTP status between 100 and 599');
  }
  if (reset !== undefined && reset !== true) throw new ConfigurationError('fault.reset', 'expected true');
  if (stall !== undefined && stall !== true) throw new ConfigurationError('fault.stall', 'expected true');
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
    throw new ConfigurationError('fault.delayMs', 'expected a number of milliseconds >= 0');
  }
  for (const option of ['retryAfter', 'rateLimitExceeded', 'headers', 'body'] as const) {
    if (spec[option] !== undefined && status === undefined) {
      throw new ConfigurationError(`fault.${option}`, 'only applies together with status');
    }
  }
  const actions = [status !== undefined, reset === true, stall === true].filter(Boolean).length;
  if (actions > 1) throw new ConfigurationError('fault', 'give only one of status, reset and stall');
  if (actions === 0 && delayMs === undefined) {
    throw new ConfigurationError('fault', 'give status, reset, stall or delayMs');
  }
  if (times !== undefined && !(Number.isInteger(times) && times >= 0)) {
    throw new ConfigurationError('fault.times', 'expected an integer >= 0');
  }
  if (probability !== undefined && !(probability >= 0 && probability <= 1)) {
    throw new ConfigurationError('fault.probability', 'expected a number between 0 and 1');
  }
  return { ...spec, ...(spec.headers ? { headers: { ...spec.headers } } : {}) };
}

function describeFault(spec: FaultSpec): string {
  const parts: string[] = [];
  if (spec.delayMs !== undefined) parts.push(`delay ${spec.delayMs}ms`);
  if (spec.status !== undefined) parts.push(`status ${spec.status}`);
  if (spec.reset) parts.push('reset');
  if (spec.stall) parts.push('stall');
  return parts.join(' + ');
}
