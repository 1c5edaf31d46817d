// One channel = one TypeBox declaration of its request and response: the JSON Schema the
// dispatcher validates with (ajv) and the TypeScript type the code sees come from the same object.
import { Type, type Static, type TObject, type TProperties, type TSchema, type TUnsafe, type UnsafeOptions } from '@sinclair/typebox';

export interface Channel<Q extends TSchema = TSchema, S extends TSchema = TSchema> {
  /** One sentence for the API reference. */
  summary: string;
  req: Q;
  res: S;
}

export type ChannelTable = Record<string, Channel>;

export const channel = <Q extends TSchema, S extends TSchema>(summary: string, req: Q, res: S): Channel<Q, S> => ({ summary, req, res });

export type ReqOf<C extends Channel> = Static<C['req']>;
export type ResOf<C extends Channel> = Static<C['res']>;
/** A handler receives the already validated request; its response is validated before it leaves. */
export type Handler<C extends Channel> = (input: ReqOf<C>) => ResOf<C> | Promise<ResOf<C>>;
export type HandlersFor<T extends ChannelTable> = { [K in keyof T]: Handler<T[K]> };

// Building blocks shared by the feature tables.

/** A closed object: unknown keys are refused. */
export const obj = <P extends TProperties>(properties: P): TObject<P> => Type.Object(properties, { additionalProperties: false });
export const empty = obj({});
/** `{ enum: [...] }` exactly (not TypeBox's anyOf of constants), typed as the union of its values. */
export const enumOf = <const T extends readonly (string | number)[]>(values: T): TUnsafe<T[number]> => Type.Unsafe<T[number]>({ enum: [...values] });
export const nullable = <T extends TSchema>(s: T) => Type.Union([Type.Null(), s]);
/** Any JSON object: `{ type: 'object' }`. */
export const anyObject = (): TUnsafe<Record<string, unknown>> => Type.Unsafe<Record<string, unknown>>({ type: 'object' });
export const str = () => Type.String();
export const isoTime = () => Type.String({ format: 'date-time', maxLength: 40 });
export const sha256Hex = () => Type.String({ pattern: '^[0-9a-f]{64}$' });
export const shortText = (maxLength: number) => Type.String({ minLength: 1, maxLength });
export const ulid = () => Type.String({ pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' });
/** Why an admin acts: 3-500 characters, not only blanks (the server's own rule). */
export const adminReason = () => Type.String({ minLength: 3, maxLength: 500, pattern: '\\S' });
export const opId = () => Type.String({ pattern: '^[A-Za-z0-9_-]{1,80}$' });

/**
 * A schema from a shared module that is not (yet) declared with TypeBox, with the TypeScript type
 * it stands for. Once that module exports TypeBox schemas, use them directly instead.
 */
export const foreign = <T>(schema: object): TUnsafe<T> => Type.Unsafe<T>(schema as UnsafeOptions);

/**
 * A request over this device's data or the whole tenant's (cards, runs): `scope` picks the branch and its
 * fields; absent, it is 'device'. One channel per list, not a team twin of each.
 */
export const scopedReq = <D extends TProperties, T extends TProperties>(device: D, tenant: T) =>
  Type.Union([obj({ scope: Type.Optional(Type.Literal('device')), ...device }), obj({ scope: Type.Literal('tenant'), ...tenant })]);
/** The reply to a scoped request: tagged with the scope it answers. */
export const scopedRes = <D extends TProperties, T extends TProperties>(device: D, tenant: T) =>
  Type.Union([obj({ scope: Type.Literal('device'), ...device }), obj({ scope: Type.Literal('tenant'), ...tenant })]);
