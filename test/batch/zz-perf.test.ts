import { it } from 'vitest';
import { BatchBuilder, serializeBatch } from '../../src/index.js';
it('perf', () => {
  const make = () => {
    const b = new BatchBuilder({ environment: 'production' })
      .mpid('-7636538281262557000')
      .userIdentities({ customer_id: '42', email: 'ada@example.com' })
      .userAttributes({ $FirstName: 'Ada', plan: 'pro', tags: ['a', 'b'] })
      .deviceInfo({
        platform: 'web',
        http_header_user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)',
      });
    for (let i = 0; i < 10; i++) {
      if (i % 2)
        b.customEvent({
          event_name: `Signed Up ${i}`,
          custom_attributes: { plan: 'pro', n: i, source: 'web' },
        });
      else b.screenView({ screen_name: 'Home', custom_attributes: { ref: 'x' } });
    }
    return b;
  };
  const finished = make().build();
  const plain = JSON.parse(JSON.stringify(finished));
  const N = 20000;
  const bench = (name: string, fn: () => unknown) => {
    for (let i = 0; i < 3000; i++) fn();
    const t = performance.now();
    for (let i = 0; i < N; i++) fn();
    const us = ((performance.now() - t) / N) * 1000;
    console.log(name, us.toFixed(2), 'us');
    return us;
  };
  const base = bench('JSON.stringify(finished)', () => JSON.stringify(plain));
  const builders = Array.from({ length: N + 3000 }, make);
  let k = 0;
  const full = bench('build+serialize (builder prepared)', () => serializeBatch(builders[k++]!.build()));
  const all = bench('make+build+serialize', () => serializeBatch(make().build()));
  console.log(
    'ratio build+serialize/stringify',
    (full / base).toFixed(2),
    'with builder calls',
    (all / base).toFixed(2),
    'bytes',
    JSON.stringify(plain).length,
  );
});
