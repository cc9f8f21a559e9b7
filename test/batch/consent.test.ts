/**
 * Consent: GDPR purposes (trimmed and lower-cased, as mParticle's SDKs do) and CCPA data_sale_opt_out,
 * consented always written, timestamps defaulting to now; the Global Privacy Control helper.
 */
import { describe, expect, it } from 'vitest';
import {
  BatchBuilder,
  ConsentBuilder,
  canonicalPurpose,
  consentFromGpc,
  hasGpcSignal,
  parseBatch,
  serializeBatch,
} from '../../src/index.js';
import { NOW, schemaErrors } from './support.js';

const user = () => new BatchBuilder({ now: () => NOW }).mpid(1n);

describe('consent_state', () => {
  it('the issue example: a GDPR purpose and CCPA, timestamps defaulting to now, consented: false written', () => {
    const batch = user()
      .consent((c) =>
        c.gdpr('marketing', { consented: true, document: 'privacy_v3' }).ccpa({ consented: false }),
      )
      .build();
    expect(batch.consent_state).toEqual({
      gdpr: { marketing: { consented: true, document: 'privacy_v3', timestamp_unixtime_ms: NOW } },
      ccpa: { data_sale_opt_out: { consented: false, timestamp_unixtime_ms: NOW } },
    });
    // consented: false is written, not omitted.
    expect(serializeBatch(batch)).toMatch(/"data_sale_opt_out":\{[^}]*"consented":false/);
    expect(schemaErrors(serializeBatch(batch))).toEqual([]);
  });

  it('GDPR purposes are trimmed and lower-cased, by the builder and by parseBatch', () => {
    expect(canonicalPurpose('  Location_Collection ')).toBe('location_collection');
    const built = user()
      .consent((c) => c.gdpr(' Marketing ', { consented: false }))
      .build();
    expect(Object.keys(built.consent_state?.gdpr ?? {})).toEqual(['marketing']);
    const parsed = parseBatch({
      mpid: 1,
      consent_state: { gdpr: { 'My Purpose': { consented: true, timestamp_unixtime_ms: 1 } } },
    });
    expect(Object.keys(parsed.consent_state?.gdpr ?? {})).toEqual(['my purpose']);
  });

  it('two purposes that are the same once canonical are rejected in a raw state', () => {
    const raw = {
      gdpr: {
        Marketing: { consented: true, timestamp_unixtime_ms: 1 },
        marketing: { consented: false, timestamp_unixtime_ms: 1 },
      },
    };
    expect(() => parseBatch({ mpid: 1, consent_state: raw })).toThrow(
      /consent_state\.gdpr\.marketing: GDPR purpose "marketing" is given twice/,
    );
  });

  it('recording a purpose again keeps the last, across consent() calls too', () => {
    const batch = user()
      .consent((c) => c.gdpr('ads', { consented: true }).gdpr('analytics', { consented: true }))
      .consent((c) => c.gdpr('ADS', { consented: false, timestamp_unixtime_ms: NOW + 1 }))
      .build();
    expect(batch.consent_state?.gdpr).toEqual({
      ads: { consented: false, timestamp_unixtime_ms: NOW + 1 },
      analytics: { consented: true, timestamp_unixtime_ms: NOW },
    });
  });

  it('takes a plain state too, filling missing timestamps', () => {
    const batch = user()
      .consent({
        gdpr: { marketing: { consented: true } },
        ccpa: { data_sale_opt_out: { consented: true, timestamp_unixtime_ms: new Date(5) } },
      })
      .build();
    expect(batch.consent_state).toEqual({
      gdpr: { marketing: { consented: true, timestamp_unixtime_ms: NOW } },
      ccpa: { data_sale_opt_out: { consented: true, timestamp_unixtime_ms: 5 } },
    });
  });

  it('consented is required: the server rejects a purpose without it', () => {
    expect(() =>
      user()
        .consent({ gdpr: { marketing: {} as never } })
        .build(),
    ).toThrow(/consent_state\.gdpr\.marketing\.consented/);
    expect(() =>
      parseBatch({ mpid: 1, consent_state: { ccpa: { data_sale_opt_out: { timestamp_unixtime_ms: 1 } } } }),
    ).toThrow(/consent_state\.ccpa\.data_sale_opt_out\.consented/);
  });

  it('CCPA has one purpose, data_sale_opt_out', () => {
    expect(() =>
      parseBatch({
        mpid: 1,
        consent_state: { ccpa: { sale: { consented: true, timestamp_unixtime_ms: 1 } } },
      }),
    ).toThrow(/consent_state\.ccpa\.sale: unknown key/);
  });

  it('ConsentBuilder on its own', () => {
    const state = new ConsentBuilder({ now: () => 7 })
      .gdpr('A', { consented: true, location: 'web' })
      .build();
    expect(state).toEqual({ gdpr: { a: { consented: true, location: 'web', timestamp_unixtime_ms: 7 } } });
    expect(new ConsentBuilder().build()).toEqual({});
  });
});

describe('Global Privacy Control', () => {
  it.each([
    ['a Node headers record', { 'sec-gpc': '1' }, true],
    ['any header-name case', { 'Sec-GPC': '1' }, true],
    ['a repeated header', { 'sec-gpc': ['0', '1'] }, true],
    ['fetch Headers', new Headers({ 'Sec-GPC': '1' }), true],
    ['a boolean', true, true],
    ['Sec-GPC: 0', { 'sec-gpc': '0' }, false],
    ['another value', { 'sec-gpc': 'yes' }, false],
    ['no header', new Headers({ dnt: '1' }), false],
    ['false', false, false],
    ['nothing', undefined, false],
  ] as const)('reads %s', (_what, source, expected) => {
    expect(hasGpcSignal(source)).toBe(expected);
  });

  it('maps the signal to CCPA opt-out by default (consented: true means opted out)', () => {
    expect(consentFromGpc({ 'sec-gpc': '1' }, {}, () => NOW)).toEqual({
      ccpa: { data_sale_opt_out: { consented: true, timestamp_unixtime_ms: NOW } },
    });
  });

  it('or to a refused GDPR purpose of your choice, with details', () => {
    expect(
      consentFromGpc(true, { regulation: 'gdpr', purpose: ' Marketing', document: 'gpc' }, () => NOW),
    ).toEqual({
      gdpr: { marketing: { consented: false, document: 'gpc', timestamp_unixtime_ms: NOW } },
    });
  });

  it('no signal records nothing: the absence of GPC is not consent', () => {
    expect(consentFromGpc({ 'sec-gpc': '0' })).toEqual({});
    const batch = user()
      .consent((c) => c.gpc({}))
      .build();
    expect(batch.consent_state).toEqual({});
  });

  it('through the builder, into a valid batch', () => {
    const batch = user()
      .consent((c) => c.gdpr('analytics', { consented: true }).gpc(new Headers({ 'Sec-GPC': '1' })))
      .consent((c) => c.gpc(true, { regulation: 'gdpr', purpose: 'ads' }))
      .build();
    expect(batch.consent_state).toEqual({
      gdpr: {
        analytics: { consented: true, timestamp_unixtime_ms: NOW },
        ads: { consented: false, timestamp_unixtime_ms: NOW },
      },
      ccpa: { data_sale_opt_out: { consented: true, timestamp_unixtime_ms: NOW } },
    });
    expect(schemaErrors(serializeBatch(batch))).toEqual([]);
  });
});
