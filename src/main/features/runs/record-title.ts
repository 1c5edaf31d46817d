// A run's record in words: its title with the record's identifying value, and the words card search
// finds its cards by (shared/workflow/decision-context.ts picks the contract's title fields).
import type { ContractDoc } from '../../../shared/api/types';
import { formatValue, identifierOf, titleFieldsOf, titleWith, valueAt } from '../../../shared/workflow/decision-context';
import type { RunContracts } from './ports';
import type { RunRow } from './rows';

/** The input contract's document, when it is still loaded (a run keeps going on a contract that was since replaced). */
export function contractOf(contracts: RunContracts, ref: string): ContractDoc | null {
  try {
    return contracts.has(ref) ? contracts.get(ref).doc : null;
  } catch {
    return null;
  }
}

export const inputOf = (row: RunRow): unknown => {
  try {
    return JSON.parse(row.input) as unknown;
  } catch {
    return null;
  }
};

/**
 * The run's title with its record's identifying value. Runs started since titles carried it store it
 * (start.ts); older rows hold the workflow's title and get it here. Memoised per run input (titles are
 * read in every list).
 */
const titles = new Map<string, string>();
export function runTitle(contracts: RunContracts, row: RunRow): string {
  const key = `${row.title}\u0000${row.input_contract}\u0000${row.input_digest}`;
  let t = titles.get(key);
  if (t === undefined) {
    const doc = contractOf(contracts, row.input_contract);
    const id = doc ? identifierOf(doc.schema, inputOf(row), doc.pii) : null;
    t = id && row.title.endsWith(` · ${id}`) ? row.title : titleWith(row.title, id);
    if (titles.size > 5_000) titles.clear();
    titles.set(key, t);
  }
  return t;
}

/** The words card search finds a run's cards by: its title fields' values (never PII). */
export function searchWordsOf(contracts: RunContracts, row: RunRow): string {
  const doc = contractOf(contracts, row.input_contract);
  if (!doc) return '';
  const data = inputOf(row);
  return titleFieldsOf(doc.schema, doc.pii)
    .map((p) => formatValue(valueAt(data, p)))
    .filter((v): v is string => !!v)
    .join(' ')
    .slice(0, 2_000);
}
