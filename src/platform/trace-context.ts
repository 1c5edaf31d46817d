// W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent`: the device sends one with
// every request, the sync server keeps its trace id, answers with its own span id, and logs both, so
// one sync run can be followed across the device's log and every server instance that served it.
// Not covered by the request signature: it only correlates logs and grants nothing.
import { randomBytes } from 'node:crypto';

export const TRACEPARENT = 'traceparent';

export interface TraceParent {
  traceId: string;
  /** The sender's span (the parent of the receiver's). */
  parentId: string;
  flags: string;
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
// version-traceid-parentid-flags, lowercase hex only; a later version may append fields after a dash.
const SHAPE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The header parsed, or null when absent or malformed (the receiver then starts a new trace). */
export function parseTraceparent(header: string | null | undefined): TraceParent | null {
  if (!header || header.length > 512) return null;
  const m = SHAPE.exec(header.trim());
  if (!m) return null;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  // 'ff' is forbidden; version 00 has exactly four fields.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return null;
  return { traceId, parentId, flags };
}

export const newTraceId = (): string => nonZeroHex(16);
export const newSpanId = (): string => nonZeroHex(8);

/** A version-00 header; `sampled` sets flag 01 (the span is recorded, here: in the logs). */
export function formatTraceparent(traceId: string, spanId: string, sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (/[^0]/.test(hex)) return hex;
  }
}
