import { describe, expect, it } from 'vitest';
import { BundleError } from '../bundles/errors';
import { assertContractsCompatible, checkContractVersions } from './compat';
import { msg } from '../messages';
import { changeInWords, changeMessages } from './words';
import { diffSchemas, type SchemaChangeKind } from './schema-diff';

type S = Record<string, unknown>;
const base = (): S => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['siteId', 'condition'],
  properties: {
    siteId: { type: 'string', pattern: '^[A-Z]{2,4}-[0-9]{1,6}$', title: 'Site ID' },
    condition: { type: 'string', enum: ['good', 'fair', 'poor'] },
    notes: { type: ['string', 'null'], maxLength: 400 },
    score: { type: 'number', minimum: 0, maximum: 10 },
    count: { type: 'integer', minimum: 1 },
    when: { type: 'string' },
    location: {
      type: 'object',
      additionalProperties: false,
      required: ['lat'],
      properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number' } },
    },
    readings: {
      type: 'array',
      maxItems: 50,
      items: { type: 'object', additionalProperties: false, required: ['meter'], properties: { meter: { type: 'string' }, unit: { enum: ['bar', 'pH'] } } },
    },
    tags: { type: 'object', additionalProperties: { type: 'string' } },
    open: { type: 'object', properties: { a: { type: 'string' } } },
    zone: { $ref: '#/$defs/zone' },
    zones: { type: 'array', items: { $ref: '#/$defs/zone' } },
  },
  $defs: { zone: { type: 'string', enum: ['north', 'south'] } },
});

/** Edit a deep copy of the base schema. */
function edit(f: (s: S & { properties: Record<string, S>; $defs: Record<string, S> }) => void): S {
  const s = JSON.parse(JSON.stringify(base())) as S & { properties: Record<string, S>; $defs: Record<string, S> };
  f(s);
  return s;
}
const P = (s: S) => s.properties as Record<string, S>;

// [what, edited schema, breaking?, the kind the change must carry, its path]
const ROWS: [string, S, boolean, SchemaChangeKind, string][] = [
  ['required field added', edit((s) => (s.required = ['siteId', 'condition', 'when'])), true, 'required-added', '/when'],
  ['required removed (field optional now)', edit((s) => (s.required = ['siteId'])), false, 'required-removed', '/condition'],
  ['optional field added to a closed object', edit((s) => (s.properties.weather = { type: 'string' })), false, 'property-added', '/weather'],
  ['optional field added to an open object', edit((s) => (P(s.properties.open!).b = { type: 'string' })), true, 'property-added', '/open/b'],
  ['unconstrained field added to an open object', edit((s) => (P(s.properties.open!).b = { title: 'anything' })), false, 'property-added', '/open/b'],
  ['field removed', edit((s) => delete s.properties.when), true, 'property-removed', '/when'],
  [
    'field renamed (removed + added, same definition)',
    edit((s) => {
      s.properties.seenAt = s.properties.when!;
      delete s.properties.when;
    }),
    true,
    'property-renamed',
    '/',
  ],
  ['type narrowed: ["string","null"] -> "string"', edit((s) => (s.properties.notes!.type = 'string')), true, 'type-narrowed', '/notes'],
  ['type narrowed: number -> integer', edit((s) => (s.properties.score!.type = 'integer')), true, 'type-narrowed', '/score'],
  ['type widened: integer -> number', edit((s) => (s.properties.count!.type = 'number')), false, 'type-widened', '/count'],
  ['type widened: string -> ["string","null"]', edit((s) => (s.properties.when!.type = ['string', 'null'])), false, 'type-widened', '/when'],
  ['minimum raised', edit((s) => (s.properties.score!.minimum = 1)), true, 'range-narrowed', '/score'],
  ['minimum lowered', edit((s) => (s.properties.score!.minimum = -1)), false, 'range-widened', '/score'],
  ['maximum lowered', edit((s) => (s.properties.score!.maximum = 9)), true, 'range-narrowed', '/score'],
  ['maximum removed', edit((s) => delete s.properties.score!.maximum), false, 'range-widened', '/score'],
  [
    'exclusiveMinimum at the old minimum',
    edit((s) => {
      delete s.properties.score!.minimum;
      s.properties.score!.exclusiveMinimum = 0;
    }),
    true,
    'range-narrowed',
    '/score',
  ],
  [
    'exclusiveMaximum above the old maximum',
    edit((s) => {
      delete s.properties.score!.maximum;
      s.properties.score!.exclusiveMaximum = 11;
    }),
    false,
    'range-widened',
    '/score',
  ],
  ['maxLength lowered', edit((s) => (s.properties.notes!.maxLength = 200)), true, 'range-narrowed', '/notes'],
  ['minLength added', edit((s) => (s.properties.when!.minLength = 1)), true, 'range-narrowed', '/when'],
  ['maxLength raised', edit((s) => (s.properties.notes!.maxLength = 4000)), false, 'range-widened', '/notes'],
  ['maxItems lowered', edit((s) => (s.properties.readings!.maxItems = 10)), true, 'range-narrowed', '/readings'],
  ['minItems added', edit((s) => (s.properties.readings!.minItems = 1)), true, 'range-narrowed', '/readings'],
  ['pattern changed', edit((s) => (s.properties.siteId!.pattern = '^[A-Z]{2}-[0-9]{1,6}$')), true, 'pattern-changed', '/siteId'],
  ['pattern added', edit((s) => (s.properties.when!.pattern = '^\\d')), true, 'pattern-added', '/when'],
  ['pattern removed', edit((s) => delete s.properties.siteId!.pattern), false, 'pattern-removed', '/siteId'],
  ['format added', edit((s) => (s.properties.when!.format = 'date')), true, 'format-added', '/when'],
  ['enum value removed', edit((s) => (s.properties.condition!.enum = ['good', 'fair'])), true, 'enum-narrowed', '/condition'],
  ['enum value added', edit((s) => (s.properties.condition!.enum = ['good', 'fair', 'poor', 'unsafe'])), false, 'enum-widened', '/condition'],
  ['enum added to a free string', edit((s) => (s.properties.when!.enum = ['today'])), true, 'enum-added', '/when'],
  ['const added', edit((s) => (s.properties.when!.const = 'x')), true, 'const-added', '/when'],
  ['additionalProperties false added', edit((s) => (s.properties.open!.additionalProperties = false)), true, 'additional-properties-closed', '/open'],
  ['additionalProperties false removed', edit((s) => delete s.properties.location!.additionalProperties), false, 'additional-properties-opened', '/location'],
  ['additionalProperties schema narrowed', edit((s) => ((s.properties.tags!.additionalProperties as S).maxLength = 5)), true, 'range-narrowed', '/tags/{*}'],
  ['nested object: required field added', edit((s) => (s.properties.location!.required = ['lat', 'lon'])), true, 'required-added', '/location/lon'],
  ['nested object: range narrowed', edit((s) => (P(s.properties.location!).lat!.maximum = 80)), true, 'range-narrowed', '/location/lat'],
  ['array items: enum narrowed', edit((s) => (P(s.properties.readings!.items as S).unit!.enum = ['bar'])), true, 'enum-narrowed', '/readings/[]/unit'],
  [
    'array items: optional field added',
    edit((s) => (P(s.properties.readings!.items as S).note = { type: 'string' })),
    false,
    'property-added',
    '/readings/[]/note',
  ],
  ['array items: type narrowed', edit((s) => (s.properties.readings!.items = { type: 'string' })), true, 'type-narrowed', '/readings/[]'],
  ['$defs target narrowed through $ref', edit((s) => (s.$defs.zone!.enum = ['north'])), true, 'enum-narrowed', '/zone'],
  ['$defs target narrowed through a $ref in array items', edit((s) => (s.$defs.zone!.enum = ['south'])), true, 'enum-narrowed', '/zones/[]'],
  ['$defs target widened through $ref', edit((s) => (s.$defs.zone!.enum = ['north', 'south', 'east'])), false, 'enum-widened', '/zone'],
  ['$ref inlined (same definition)', edit((s) => (s.properties.zone = { type: 'string', enum: ['north', 'south'] })), false, 'annotation-changed', '-'],
  ['title and description changed', edit((s) => (s.properties.siteId!.title = 'Site')), false, 'annotation-changed', '/siteId'],
  [
    'a capture-form widget annotation added',
    edit((s) => ((s.properties.siteId as Record<string, unknown>)['x-maestro-widget'] = 'geo')),
    false,
    'annotation-changed',
    '/siteId',
  ],
  ['uniqueItems added', edit((s) => (s.properties.readings!.uniqueItems = true)), true, 'unique-items-added', '/readings'],
  ['multipleOf added', edit((s) => (s.properties.score!.multipleOf = 0.5)), true, 'multiple-of-changed', '/score'],
  [
    'unknown keyword changed (anyOf added): fail-closed',
    edit((s) => (s.properties.when!.anyOf = [{ minLength: 2 }, { const: '' }])),
    true,
    'unknown-change',
    '/when',
  ],
  ['not added (no rule proves it harmless): fail-closed', edit((s) => (s.properties.notes!.not = { const: 'x' })), true, 'unknown-change', '/notes'],
  ['schema replaced by false', edit((s) => (s.properties.when = false as unknown as S)), true, 'schema-false', '/when'],
  ['schema replaced by true', edit((s) => (s.properties.when = true as unknown as S)), false, 'type-widened', '-'],
];

const doc = (version: string, schema: S) => ({ contract: `field.inspect.site@${version}`, schema });

describe('contract compatibility: a table of schema changes', () => {
  it('has at least 25 rows, breaking and harmless ones', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(25);
    expect(ROWS.filter((r) => r[2]).length).toBeGreaterThan(10);
    expect(ROWS.filter((r) => !r[2]).length).toBeGreaterThan(10);
  });

  it.each(ROWS)('%s: breaking=%s (%s at %s)', (_what, after, breaking, kind, path) => {
    const changes = diffSchemas(base(), after);
    expect(changes.some((c) => c.breaking)).toBe(breaking);
    // Every change says why as a message too (what the UI shows), a code of refusals.change.
    for (const c of changes) expect(c.why.code).toMatch(/^refusals\.change\.[a-z_]+$/);
    if (path !== '-') expect(changes).toContainEqual(expect.objectContaining({ kind, path, breaking }));
    else expect(changes.every((c) => !c.breaking)).toBe(true);

    // A minor and a patch version: refused exactly when breaking, with the change list.
    for (const v of ['1.3.0', '1.2.1']) {
      const run = () => assertContractsCompatible([doc('1.2.0', base())], [doc(v, after)]);
      if (!breaking) expect(run()[0]!.verdict).toMatch(/^(compatible|unchanged)$/);
      else {
        const err = (() => {
          try {
            run();
          } catch (e) {
            return e;
          }
          return null;
        })() as BundleError;
        expect(err).toBeInstanceOf(BundleError);
        expect(err.code).toBe('CONTRACT_NOT_COMPATIBLE');
        const list = err.details.changes as { contract: string; previous: string; path: string; kind: string; before: unknown; after: unknown }[];
        expect(list.length).toBeGreaterThan(0);
        expect(list.every((c) => c.contract === `field.inspect.site@${v}` && c.previous === 'field.inspect.site@1.2.0')).toBe(true);
        if (path !== '-') expect(list.some((c) => c.kind === kind && c.path === path)).toBe(true);
      }
    }
    // A new major may break: it passes here and the sync's CONTRACT_BREAKING path applies.
    const major = checkContractVersions([doc('1.2.0', base())], [doc('2.0.0', after)]);
    expect(major[0]).toMatchObject({ verdict: 'new-major', previous: 'field.inspect.site@1.2.0' });
  });
});

describe('contract compatibility: which version is the previous one', () => {
  const narrowed = edit((s) => (s.properties.condition!.enum = ['good']));

  it('an identical schema is unchanged; an unknown name is new', () => {
    const c = checkContractVersions([doc('1.2.0', base())], [doc('1.2.0', base()), { contract: 'lab.record.specimen@1.0.0', schema: {} }]);
    expect(c.map((x) => x.verdict)).toEqual(['unchanged', 'new']);
  });

  it('a document without a schema accepts anything: a minor without one is unchanged, a minor that adds one narrows', () => {
    const bare = (v: string) => ({ contract: `field.inspect.site@${v}`, title: 'no schema' });
    expect(checkContractVersions([bare('1.2.0')], [bare('1.3.0')]).map((x) => x.verdict)).toEqual(['unchanged']);
    expect(checkContractVersions([bare('1.2.0')], [doc('1.3.0', base())]).map((x) => x.verdict)).toEqual(['not-compatible']);
  });

  it('the same version with breaking content is refused (a patch in place)', () => {
    expect(() => assertContractsCompatible([doc('1.2.0', base())], [doc('1.2.0', narrowed)])).toThrow(/CONTRACT_NOT_COMPATIBLE|breaking change/);
  });

  it('versions inside one bundle are compared with each other, the highest lower one first', () => {
    const c = checkContractVersions([], [doc('1.0.0', base()), doc('1.1.0', base()), doc('1.2.0', narrowed)]);
    expect(c.map((x) => [x.contract, x.previous, x.verdict])).toEqual([
      ['field.inspect.site@1.0.0', null, 'new'],
      ['field.inspect.site@1.1.0', 'field.inspect.site@1.0.0', 'unchanged'],
      ['field.inspect.site@1.2.0', 'field.inspect.site@1.1.0', 'not-compatible'],
    ]);
  });

  it('a major after a breaking step is compared with the highest lower version and allowed', () => {
    const c = checkContractVersions([doc('1.4.2', base())], [doc('2.0.0', narrowed)]);
    expect(c[0]).toMatchObject({ previous: 'field.inspect.site@1.4.2', verdict: 'new-major' });
  });

  it('describes a change in plain words', () => {
    const [c] = diffSchemas(
      base(),
      edit((s) => (s.required = ['siteId', 'condition', 'when'])),
    );
    expect(changeInWords({ ...c!, contract: 'field.inspect.site@1.3.0', previous: 'field.inspect.site@1.2.0' })).toBe(
      'field.inspect.site@1.3.0 (after 1.2.0), field /when: field "when" is now required: data without it is refused',
    );
    // For the UI: where (contract, version, field) and why, as messages.
    expect(c!.why).toEqual(msg('refusals.change.required_added', { field: 'when' }));
    expect(changeMessages([{ ...c!, contract: 'field.inspect.site@1.3.0', previous: 'field.inspect.site@1.2.0' }])).toEqual([
      {
        where: msg('refusals.changeLine.after', { contract: 'field.inspect.site@1.3.0', after: '1.2.0', root: 'no', path: '/when' }),
        why: msg('refusals.change.required_added', { field: 'when' }),
      },
    ]);
    // From untrusted details: malformed entries are skipped; a change from an older version (no `why`) keeps its English reason.
    expect(changeMessages([{ path: '/', reason: 'fields not listed are refused now' }, { path: 3 }, null, 'x'])).toEqual([
      { where: msg('refusals.changeLine.bare', { root: 'yes', path: '/' }), why: msg('refusals.change.text', { text: 'fields not listed are refused now' }) },
    ]);
    expect(changeMessages('nope')).toEqual([]);
  });

  it('a recursive $ref schema terminates and finds a change below the recursion', () => {
    const tree = (max: number): S => ({
      $defs: {
        node: { type: 'object', properties: { label: { type: 'string', maxLength: max }, children: { type: 'array', items: { $ref: '#/$defs/node' } } } },
      },
      $ref: '#/$defs/node',
    });
    expect(diffSchemas(tree(10), tree(10))).toEqual([]);
    expect(diffSchemas(tree(10), tree(5))).toContainEqual(expect.objectContaining({ kind: 'range-narrowed', path: '/label', breaking: true }));
  });
});
