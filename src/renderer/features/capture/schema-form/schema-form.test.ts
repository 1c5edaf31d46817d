import { beforeAll, describe, expect, it } from 'vitest';
import { initI18n } from '../../../i18n';
import { childPointer, fieldId, getAt, normalizePointer, parsePointer } from './json-pointer';
import { fieldKind, initialValue, labelAt, schemaAt, type JsonSchema } from './json-schema';
import { clientErrors, mergeErrors, pruneChanged, serverErrors } from './field-errors';

// Labels and messages come from the `capture` messages (English here).
beforeAll(() => void initI18n('en'));

const site: JsonSchema = {
  type: 'object',
  required: ['siteId', 'location', 'flag'],
  properties: {
    siteId: { type: 'string', title: 'Site ID', pattern: '^[A-Z]{2,4}-[0-9]{1,6}$', description: 'For example PS-7' },
    when: { type: 'string', format: 'date' },
    notes: { type: 'string', maxLength: 4000 },
    flag: { type: 'boolean' },
    location: {
      type: 'object',
      title: 'Location',
      required: ['lat', 'lon'],
      properties: { lat: { type: 'number', title: 'Latitude', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 } },
    },
    visits: { type: 'integer', minimum: 1 },
    condition: { type: 'string', enum: ['good', 'poor'] },
    readings: {
      type: 'array',
      title: 'Readings',
      maxItems: 2,
      items: { type: 'object', required: ['meter'], properties: { meter: { type: 'string', title: 'Meter', minLength: 1 } } },
    },
    photos: { type: 'array', items: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$', contentMediaType: 'image/*' } },
    'a/b': { type: 'string' },
  },
};

describe('json pointers', () => {
  it('escapes, parses and reads', () => {
    expect(childPointer('', 'a/b')).toBe('/a~1b');
    expect(parsePointer('/a~1b/0/c~0d')).toEqual(['a/b', '0', 'c~d']);
    expect(normalizePointer('/')).toBe('');
    expect(getAt({ x: [{ y: 3 }] }, '/x/0/y')).toBe(3);
    expect(getAt({ x: 1 }, '/x/y')).toBeUndefined();
    expect(fieldId('/location/lat')).toBe('f.location.lat');
    expect(fieldId('/a~1b')).not.toBe(fieldId('/a/b'));
  });
});

describe('schema reading', () => {
  it('chooses a control per field', () => {
    const p = site.properties!;
    expect(fieldKind(p.siteId!)).toBe('text');
    expect(fieldKind(p.when!)).toBe('date');
    expect(fieldKind(p.notes!)).toBe('textarea');
    expect(fieldKind(p.flag!)).toBe('boolean');
    expect(fieldKind(p.location!)).toBe('object');
    expect(fieldKind(p.visits!)).toBe('integer');
    expect(fieldKind(p.condition!)).toBe('enum');
    expect(fieldKind(p.readings!)).toBe('array');
    expect(fieldKind(p.photos!)).toBe('photos');
    expect(fieldKind(p.photos!.items!)).toBe('photo');
  });
  it('starts required booleans at false and leaves the rest empty', () => {
    expect(initialValue(site)).toEqual({ flag: false });
  });
  it('finds schemas and labels through arrays', () => {
    expect(schemaAt(site, '/readings/1/meter')?.title).toBe('Meter');
    expect(labelAt(site, '/location/lat')).toBe('Location › Latitude');
    expect(labelAt(site, '/readings/1/meter')).toBe('Readings 2 › Meter');
  });
});

describe('client checks', () => {
  it('reports required fields inside a required group nobody started', () => {
    const errs = clientErrors(site, { flag: false });
    expect(errs.map((e) => `${e.path} ${e.keyword}`)).toEqual(['/siteId required', '/location/lat required', '/location/lon required']);
  });
  it('checks ranges, integers, enums, lengths, list sizes and empty list items', () => {
    const errs = clientErrors(site, {
      siteId: 'x',
      flag: true,
      location: { lat: 91, lon: 0 },
      visits: 1.5,
      condition: 'bad',
      readings: [{ meter: '' }, {}, {}],
      photos: [null],
    });
    expect(errs.map((e) => `${e.path} ${e.keyword}`)).toEqual([
      '/location/lat maximum',
      '/visits type',
      '/condition enum',
      '/readings maxItems',
      '/readings/0/meter minLength',
      '/readings/1/meter required',
      '/readings/2/meter required',
      '/photos/0 required',
    ]);
  });
  it('leaves patterns and formats to the server', () => {
    expect(clientErrors(site, { siteId: 'ps 7', flag: false, location: { lat: 1, lon: 1 }, when: 'soon' })).toEqual([]);
  });
});

describe('server details', () => {
  const details = [
    { path: '/', keyword: 'required', message: "must have required property 'location'", params: { missingProperty: 'location' } },
    { path: '/location', keyword: 'required', message: "must have required property 'lat'", params: { missingProperty: 'lat' } },
    { path: '/siteId', keyword: 'pattern', message: 'must match pattern "^[A-Z]"', params: { pattern: '^[A-Z]' } },
    { path: '/when', keyword: 'format', message: 'must match format "date"', params: { format: 'date' } },
    { path: '/location/lon', keyword: 'maximum', message: 'must be <= 180', params: { limit: 180 } },
    { path: '/', keyword: 'additionalProperties', message: 'must NOT have additional properties', params: { additionalProperty: 'extra' } },
    'junk',
  ];
  it('maps ajv instance paths onto fields (required → the missing child)', () => {
    expect(serverErrors(details, site).map((e) => [e.path, e.message])).toEqual([
      ['/location', 'Required'],
      ['/location/lat', 'Required'],
      ['/siteId', 'Not in the expected format (For example PS-7)'],
      ['/when', 'Not a valid date'],
      ['/location/lon', 'Must be <= 180'],
      ['', 'Unknown field "extra"'],
    ]);
    expect(serverErrors(undefined, site)).toEqual([]);
  });
  it('drops an error once its field changes, and prefers the server over the client', () => {
    const server = serverErrors(details, site);
    const after = pruneChanged(server, { siteId: 'ps 7' }, { siteId: 'PS-7' });
    expect(after.some((e) => e.path === '/siteId')).toBe(false);
    expect(after.some((e) => e.path === '')).toBe(false); // the whole document changed
    expect(after.some((e) => e.path === '/location/lat')).toBe(true);
    const merged = mergeErrors(server, clientErrors(site, { flag: false }));
    expect(merged.filter((e) => e.path === '/location/lat')).toHaveLength(1);
    expect(merged.find((e) => e.path === '/siteId')?.source).toBe('server');
  });
});
