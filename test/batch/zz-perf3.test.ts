import { it } from 'vitest';
import { z } from 'zod';
import { customEventDataSchema } from '../../src/events/custom-event.js';
import { commonEventFields, customFlags, eventName } from '../../src/events/common.js';
import { CUSTOM_EVENT_TYPES } from '../../src/events/custom-event.js';
import { opt } from '../../src/internal/zod.js';
it('perf zod parts', () => {
  const N = 200000;
  const cpu = (name: string, fn: () => unknown) => {
    for (let i = 0; i < 20000; i++) fn();
    const t = process.cpuUsage();
    for (let i = 0; i < N; i++) fn();
    const d = process.cpuUsage(t);
    console.log(name, (((d.user + d.system) / N) * 1000).toFixed(0), 'ns');
  };
  const zodVersion = z.strictObject({
    ...commonEventFields,
    event_name: eventName,
    custom_event_type: z.enum(CUSTOM_EVENT_TYPES).default('other'),
    custom_flags: opt(customFlags),
  });
  const data = {
    event_name: 'Signed Up',
    custom_event_type: 'other',
    timestamp_unixtime_ms: 1700000000000,
    source_message_id: 'b0e2',
    custom_attributes: { plan: 'pro', n: 1, source: 'web' },
  };
  cpu('stringify data', () => JSON.stringify(data));
  cpu('mine', () => customEventDataSchema.parse(data));
  cpu('zod jit', () => zodVersion.parse(data));
  const noAttrs = {
    event_name: 'Signed Up',
    custom_event_type: 'other',
    timestamp_unixtime_ms: 1700000000000,
    source_message_id: 'b0e2',
  };
  cpu('mine no attrs', () => customEventDataSchema.parse(noAttrs));
  cpu('zod jit no attrs', () => zodVersion.parse(noAttrs));
  cpu('spread', () => ({ ...data }));
  cpu('freeze spread', () => Object.freeze({ ...data }));
});
