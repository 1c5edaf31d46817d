// Forms with logic (docs/decisions/0029-forms-with-logic.md): one table of cases that the capture
// form's own validator (renderer, no ajv) and the main process's ajv must both agree with. Each case:
// a contract schema, the data, whether it is valid, the fields that get errors (ajv's `required` and
// `dependentRequired` errors point at the missing field) and the fields the form shows.
// ajv's strict mode asks that property schemas inside branches carry their `type`, and that a
// branch's `required` fields be declared in that branch's `properties`.

export interface FormLogicCase {
  name: string;
  schema: Record<string, unknown>;
  data: Record<string, unknown>;
  valid: boolean;
  /** JSON Pointers of the fields with errors (order does not matter). */
  errors: string[];
  /** JSON Pointers of the fields the form renders for this data. */
  visible: string[];
}

type Table = [name: string, data: Record<string, unknown>, errors: string[], visible?: string[]][];

function group(label: string, schema: Record<string, unknown>, visible: string[], rows: Table): FormLogicCase[] {
  return rows.map(([name, data, errors, shown]) => ({
    name: `${label}: ${name}`,
    schema,
    data,
    valid: errors.length === 0,
    errors,
    visible: shown ?? visible,
  }));
}

const unsafeClosure = {
  type: 'object',
  required: ['conclusion'],
  properties: {
    conclusion: { type: 'string', enum: ['safe', 'unsafe'] },
    notes: { type: 'string', maxLength: 20 },
  },
  if: { properties: { conclusion: { const: 'unsafe' } }, required: ['conclusion'] },
  then: {
    properties: {
      closure_reason: {
        type: 'string',
        minLength: 1,
        maxLength: 50,
        'x-maestro-messages': { required: { en: 'Say why the site is closed', sv: 'Ange varför platsen stängs' }, maxLength: 'Keep it short' },
      },
    },
    required: ['closure_reason'],
  },
};

const ageBranches = {
  type: 'object',
  properties: { age: { type: 'integer', minimum: 0 }, guardian: { type: 'string' }, employer: { type: 'string' } },
  if: { properties: { age: { type: 'integer', maximum: 17 } }, required: ['age'] },
  then: { properties: { guardian: { type: 'string' } }, required: ['guardian'] },
  else: { properties: { employer: { type: 'string' } }, required: ['employer'] },
};

const hazardCode = {
  type: 'object',
  required: ['code'],
  properties: { code: { type: 'string' }, permit: { type: 'string' } },
  // No `required` in the condition: with no code at all it holds (vacuously), as in JSON Schema.
  if: { properties: { code: { type: 'string', pattern: '^HZ-' } } },
  then: { properties: { permit: { type: 'string' } }, required: ['permit'] },
};

const utilityKind = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { type: 'string', enum: ['water', 'power', 'road'] } },
  if: { properties: { kind: { enum: ['water', 'power'] } }, required: ['kind'] },
  then: { properties: { meter: { type: 'number', minimum: 0 } }, required: ['meter'] },
  else: { properties: { lane_count: { type: 'integer', minimum: 1, maximum: 8 } } },
};

const contact = {
  type: 'object',
  properties: { phone: { type: 'string' }, phone_type: { type: 'string', enum: ['mobile', 'landline'] }, email: { type: 'string' } },
  dependentRequired: { phone: ['phone_type'], email: [] },
};

const damageCount = {
  type: 'object',
  properties: { has_damage: { type: 'boolean' }, count: { type: 'integer' } },
  dependentSchemas: {
    count: { properties: { count: { type: 'integer', minimum: 1 }, unit: { type: 'string', enum: ['pcs', 'm'] } }, required: ['unit'] },
  },
};

const nestedClosure = {
  type: 'object',
  required: ['conclusion'],
  properties: { conclusion: { type: 'string', enum: ['safe', 'unsafe'] } },
  allOf: [
    {
      if: { properties: { conclusion: { const: 'unsafe' } }, required: ['conclusion'] },
      then: {
        properties: { closure: { type: 'string', enum: ['temporary', 'permanent'] } },
        required: ['closure'],
        if: { properties: { closure: { const: 'temporary' } }, required: ['closure'] },
        then: { properties: { reopen_on: { type: 'string', format: 'date' } }, required: ['reopen_on'] },
      },
    },
    {
      if: { properties: { conclusion: { const: 'safe' } }, required: ['conclusion'] },
      then: { properties: { next_visit_months: { type: 'integer', minimum: 1, default: 12 } } },
    },
  ],
};

const siteAccess = {
  type: 'object',
  required: ['site'],
  properties: {
    site: {
      type: 'object',
      properties: { access: { type: 'string', enum: ['open', 'locked'] }, key_holder: { type: 'string', minLength: 1 } },
      if: { properties: { access: { const: 'locked' } }, required: ['access'] },
      then: { properties: { key_holder: { type: 'string', minLength: 1 } }, required: ['key_holder'] },
    },
    depth: { type: 'number', minimum: 0, maximum: 100, 'x-maestro-messages': { maximum: { en: 'Too deep', sv: 'För djupt' } } },
  },
};

const alarm = {
  type: 'object',
  properties: { reading: { type: 'number' }, alarm_note: { type: 'string' } },
  if: { properties: { reading: { type: 'number', exclusiveMinimum: 50 } }, required: ['reading'] },
  then: { properties: { alarm_note: { type: 'string' } }, required: ['alarm_note'] },
};

const injury = {
  type: 'object',
  properties: { injured: { type: 'boolean' }, count: { type: 'integer', minimum: 0 }, treated: { type: 'boolean' } },
  if: { properties: { injured: { const: true } }, required: ['injured'] },
  then: { properties: { count: { type: 'integer' }, treated: { type: 'boolean' } }, required: ['count', 'treated'] },
};

const escalation = {
  type: 'object',
  properties: { severity: { type: 'string', enum: ['low', 'high', 'critical'] }, escalate_to: { type: 'string' } },
  if: {
    anyOf: [
      { properties: { severity: { const: 'high' } }, required: ['severity'] },
      { properties: { severity: { const: 'critical' } }, required: ['severity'] },
    ],
  },
  then: { properties: { escalate_to: { type: 'string', minLength: 2 } }, required: ['escalate_to'] },
};

const withClosure = ['/conclusion', '/notes', '/closure_reason'];

export const FORM_LOGIC_CASES: FormLogicCase[] = [
  ...group(
    'unsafe closure',
    unsafeClosure,
    ['/conclusion', '/notes'],
    [
      ['safe needs nothing more', { conclusion: 'safe' }, []],
      ['unsafe shows and requires the reason', { conclusion: 'unsafe' }, ['/closure_reason'], withClosure],
      ['unsafe with a reason', { conclusion: 'unsafe', closure_reason: 'Roof caved in' }, [], withClosure],
      ['an empty reason is too short', { conclusion: 'unsafe', closure_reason: '' }, ['/closure_reason'], withClosure],
      ['a long reason is too long', { conclusion: 'unsafe', closure_reason: 'x'.repeat(51) }, ['/closure_reason'], withClosure],
      ['nothing chosen: no branch', {}, ['/conclusion']],
      ['a value outside the list', { conclusion: 'maybe' }, ['/conclusion']],
      ['base checks still apply', { conclusion: 'safe', notes: 'x'.repeat(21) }, ['/notes']],
      ['both base and branch errors', { conclusion: 'unsafe', notes: 'x'.repeat(21) }, ['/notes', '/closure_reason'], withClosure],
    ],
  ),
  ...group(
    'age then/else',
    ageBranches,
    ['/age', '/guardian', '/employer'],
    [
      ['a minor needs a guardian', { age: 10 }, ['/guardian']],
      ['a minor with a guardian', { age: 10, guardian: 'Ann' }, []],
      ['an adult needs an employer', { age: 30 }, ['/employer']],
      ['an adult with an employer', { age: 30, employer: 'Acme' }, []],
      ['no age: the else branch', {}, ['/employer']],
      ['17 is still a minor', { age: 17, guardian: 'Ann' }, []],
      ['18 is not', { age: 18, guardian: 'Ann' }, ['/employer']],
      ['a negative age fails and is a minor', { age: -1, employer: 'Acme' }, ['/age', '/guardian']],
      ['a fractional age is not an integer (condition fails too)', { age: 2.5, guardian: 'Ann' }, ['/age', '/employer']],
    ],
  ),
  ...group(
    'hazard pattern',
    hazardCode,
    ['/code', '/permit'],
    [
      ['a hazard code needs a permit', { code: 'HZ-1' }, ['/permit']],
      ['another code does not', { code: 'AB-1' }, []],
      ['a hazard code with a permit', { code: 'HZ-1', permit: 'P-9' }, []],
      ['no code: the condition holds vacuously', {}, ['/code', '/permit']],
      ['patterns are case-sensitive', { code: 'hz-1' }, []],
    ],
  ),
  ...group(
    'utility enum',
    utilityKind,
    ['/kind', '/lane_count'],
    [
      ['water shows the meter', { kind: 'water' }, ['/meter'], ['/kind', '/meter']],
      ['power with a reading', { kind: 'power', meter: 3 }, [], ['/kind', '/meter']],
      ['a negative reading', { kind: 'power', meter: -3 }, ['/meter'], ['/kind', '/meter']],
      ['a road shows lanes', { kind: 'road' }, []],
      ['too many lanes', { kind: 'road', lane_count: 9 }, ['/lane_count']],
      ['half a lane', { kind: 'road', lane_count: 2.5 }, ['/lane_count']],
      ['nothing chosen: the else branch shows', {}, ['/kind']],
    ],
  ),
  ...group(
    'contact dependentRequired',
    contact,
    ['/phone', '/phone_type', '/email'],
    [
      ['empty is fine', {}, []],
      ['a phone needs its type', { phone: '123' }, ['/phone_type']],
      ['a phone with its type', { phone: '123', phone_type: 'mobile' }, []],
      ['a type alone', { phone_type: 'mobile' }, []],
      ['an email depends on nothing', { email: 'a@b' }, []],
      ['a type outside the list', { phone: '123', phone_type: 'fax' }, ['/phone_type']],
    ],
  ),
  ...group(
    'damage dependentSchemas',
    damageCount,
    ['/has_damage', '/count'],
    [
      ['empty is fine', {}, []],
      ['a count shows and requires the unit', { count: 2 }, ['/unit'], ['/has_damage', '/count', '/unit']],
      ['the branch tightens the count', { count: 0, unit: 'm' }, ['/count'], ['/has_damage', '/count', '/unit']],
      ['a count with its unit', { count: 2, unit: 'pcs' }, [], ['/has_damage', '/count', '/unit']],
      ['other fields do not trigger it', { has_damage: true }, []],
    ],
  ),
  ...group(
    'nested conditions',
    nestedClosure,
    ['/conclusion'],
    [
      ['safe shows the next visit', { conclusion: 'safe' }, [], ['/conclusion', '/next_visit_months']],
      ['unsafe asks how it is closed', { conclusion: 'unsafe' }, ['/closure'], ['/conclusion', '/closure']],
      ['a permanent closure', { conclusion: 'unsafe', closure: 'permanent' }, [], ['/conclusion', '/closure']],
      ['a temporary closure asks when it reopens', { conclusion: 'unsafe', closure: 'temporary' }, ['/reopen_on'], ['/conclusion', '/closure', '/reopen_on']],
      [
        'a temporary closure with a date',
        { conclusion: 'unsafe', closure: 'temporary', reopen_on: '2026-05-01' },
        [],
        ['/conclusion', '/closure', '/reopen_on'],
      ],
      ['a branch field is checked', { conclusion: 'safe', next_visit_months: 0 }, ['/next_visit_months'], ['/conclusion', '/next_visit_months']],
      ['nothing chosen', {}, ['/conclusion']],
    ],
  ),
  ...group(
    'nested object',
    siteAccess,
    ['/site', '/site/access', '/site/key_holder', '/depth'],
    [
      ['open needs no key holder', { site: { access: 'open' } }, []],
      ['locked needs a key holder', { site: { access: 'locked' } }, ['/site/key_holder']],
      ['an empty key holder', { site: { access: 'locked', key_holder: '' } }, ['/site/key_holder']],
      ['the author message field', { site: {}, depth: 101 }, ['/depth']],
      ['all filled in', { site: { access: 'locked', key_holder: 'K' }, depth: 5 }, []],
    ],
  ),
  ...group(
    'alarm exclusiveMinimum',
    alarm,
    ['/reading', '/alarm_note'],
    [
      ['at the limit', { reading: 50 }, []],
      ['over the limit needs a note', { reading: 50.5 }, ['/alarm_note']],
      ['over the limit with a note', { reading: 50.5, alarm_note: 'hot' }, []],
      ['no reading', {}, []],
    ],
  ),
  ...group(
    'injury const true',
    injury,
    ['/injured', '/count', '/treated'],
    [
      ['injured needs two answers', { injured: true }, ['/count', '/treated']],
      ['not injured', { injured: false }, []],
      ['injured, answered', { injured: true, count: 2, treated: false }, []],
      ['nothing answered', {}, []],
    ],
  ),
  ...group(
    'escalation anyOf',
    escalation,
    ['/severity', '/escalate_to'],
    [
      ['low needs nothing', { severity: 'low' }, []],
      ['critical needs someone', { severity: 'critical' }, ['/escalate_to']],
      ['high with too short a name', { severity: 'high', escalate_to: 'a' }, ['/escalate_to']],
      ['high with a name', { severity: 'high', escalate_to: 'Ops' }, []],
    ],
  ),
];
