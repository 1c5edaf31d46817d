import { describe, expect, it } from 'vitest';
import { compileSchema } from './validation';
import { WIDGET_ANNOTATION } from './contract-annotations';

describe('contract schemas: the widget annotation', () => {
  const place = {
    type: 'object',
    [WIDGET_ANNOTATION]: 'geo',
    required: ['lat', 'lon'],
    properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lon: { type: 'number', minimum: -180, maximum: 180 } },
  };

  it('compiles in strict mode and changes nothing about what validates', () => {
    const withIt = compileSchema(place);
    const { [WIDGET_ANNOTATION]: _dropped, ...plain } = place;
    const without = compileSchema(plain);
    for (const v of [{ lat: 1, lon: 2 }, { lat: 91, lon: 2 }, { lat: 1 }, 'x']) expect(withIt(v)).toBe(without(v));
    expect(withIt({ lat: 52.5, lon: 13.4 })).toBe(true);
    expect(withIt({ lat: 100, lon: 13.4 })).toBe(false);
  });

  it('a malformed annotation is refused when the schema is compiled', () => {
    expect(() => compileSchema({ ...place, [WIDGET_ANNOTATION]: 7 })).toThrow(/must be string/);
    expect(() => compileSchema({ ...place, [WIDGET_ANNOTATION]: 'Geo Widget!' })).toThrow(/must match pattern/);
  });

  it('any other unknown keyword is still refused (strict mode stays on)', () => {
    expect(() => compileSchema({ ...place, 'x-maestro-other': 'geo' })).toThrow(/unknown keyword/);
  });
});
