// Structured logs: one JSON object per line (pino) so a log shipper (or `jq`) can parse them without
// guessing at formats. Every line written while a request runs carries its reqId, traceId and spanId
// (request-context.ts). Callers pass metadata only — never bodies, user names, tokens or ciphertext.
import pino from 'pino';
import { currentRequest } from './request-context';

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields`. */
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

// Keys the logger owns: a field can't forge the level, time, component, message or request ids.
const RESERVED = new Set(['ts', 'level', 'component', 'msg', 'reqId', 'traceId', 'spanId', 'parentSpanId']);

function own(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) if (!RESERVED.has(k)) out[k] = v;
  return out;
}

function wrap(p: pino.Logger): Logger {
  return {
    info: (msg, fields) => p.info(own(fields), msg),
    warn: (msg, fields) => p.warn(own(fields), msg),
    error: (msg, fields) => p.error(own(fields), msg),
    child: (fields) => wrap(p.child(own(fields))),
  };
}

/**
 * `sink` gets each line without its newline (tests capture them); by default lines go to stderr,
 * synchronously, which keeps stdout free for the single "listening on" line that scripts wait for
 * and loses nothing when the process exits right after a line.
 */
export function createJsonLogger(component: string, sink?: LogSink): Logger {
  const stream = sink ? { write: (s: string) => sink(s.endsWith('\n') ? s.slice(0, -1) : s) } : pino.destination({ dest: 2, sync: true });
  return wrap(
    pino(
      {
        base: { component },
        messageKey: 'msg',
        formatters: { level: (label) => ({ level: label }) },
        timestamp: () => `,"ts":"${new Date().toISOString()}"`,
        mixin: () => ({ ...currentRequest() }),
      },
      stream,
    ),
  );
}
