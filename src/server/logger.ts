// Structured logs: one JSON object per line so a log shipper (or `jq`) can parse them without
// guessing at formats. Callers pass metadata only — never request/response bodies.

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export type LogSink = (line: string) => void;

// stderr keeps stdout free for the single "listening on" line that scripts wait for.
const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

export function createJsonLogger(component: string, sink: LogSink = stderrSink): Logger {
  const write = (level: 'info' | 'warn' | 'error', msg: string, fields?: LogFields): void => {
    const fixed = { ts: new Date().toISOString(), level, component, msg };
    // Spread twice: fixed keys lead the line for readability, and win so fields can't forge them.
    const record = { ...fixed, ...fields, ...fixed };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      // Circular structures or BigInt must not turn a log call into a crash.
      line = JSON.stringify({ ...fixed, logError: 'unserializable fields' });
    }
    sink(line);
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
