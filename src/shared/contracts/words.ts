// A contract compatibility change for people: in English for logs, CLI output and error messages
// (changeInWords), and as messages for the UI (changeMessages: the renderer words them in the
// reader's language). Pure and dependency-free so the renderer can use it.
import { isMessage, msg, type Message } from '../messages';

export interface ChangeLike {
  contract?: string;
  previous?: string;
  path: string;
  reason: string;
}

/** e.g. "field.inspect.site@1.3.0 (after 1.2.0), field /condition: value(s) "unsafe" no longer accepted". */
export function changeInWords(c: ChangeLike): string {
  const where = c.path === '/' ? 'the record' : `field ${c.path}`;
  const after = c.previous ? ` (after ${c.previous.split('@')[1] ?? c.previous})` : '';
  return `${c.contract ? `${c.contract}${after}, ` : ''}${where}: ${c.reason}`;
}

/** One change as the UI words it: where it is (a message with the contract and the field) and why it breaks. */
export interface ChangeMessage {
  /** `refusals.changeLine.*` with `contract`, `after` and `path`; its `reason` param is the worded `why`. */
  where: Message;
  why: Message;
}

/** The `where` of a change: the contract and the version it follows (when known), the field or the whole record. */
function whereOf(contract: string | undefined, previous: string | undefined, path: string): Message {
  const root = path === '/' ? 'yes' : 'no';
  if (!contract) return msg('refusals.changeLine.bare', { root, path });
  if (!previous) return msg('refusals.changeLine.contract', { contract, root, path });
  return msg('refusals.changeLine.after', { contract, after: previous.split('@')[1] ?? previous, root, path });
}

/**
 * `details.changes` of a CONTRACT_NOT_COMPATIBLE refusal (untrusted input) as messages; malformed
 * entries are skipped. A change without `why` (from an older version) keeps its English `reason`.
 */
export function changeMessages(raw: unknown): ChangeMessage[] {
  if (!Array.isArray(raw)) return [];
  const out: ChangeMessage[] = [];
  for (const c of raw as unknown[]) {
    if (typeof c !== 'object' || c === null) continue;
    const { contract, previous, path, reason, why } = c as Record<string, unknown>;
    if (typeof path !== 'string' || (typeof reason !== 'string' && !isMessage(why))) continue;
    out.push({
      where: whereOf(typeof contract === 'string' ? contract : undefined, typeof previous === 'string' ? previous : undefined, path),
      why: isMessage(why) ? why : msg('refusals.change.text', { text: reason as string }),
    });
  }
  return out;
}
