#!/usr/bin/env node
// Checks one injection-corpus language pack (scripts/injection/langs/<lang>.json): shape, minimum
// counts, known slots, no duplicates. Used by the pack authors and by gen-corpus.
import { readFileSync } from 'node:fs';

export const INTENTS = ['override', 'prompt_leak', 'budget', 'pre_approval', 'from_now_on', 'persona', 'governance', 'exfiltration'];
export const MIN = { intent: 14, hard_negative: 70, benign: 45, carriers: 14 };
const SLOTS = new Set(['site', 'n', 'amount', 'person', 'email', 'url', 'id']);

export function checkPack(p) {
  const errors = [];
  if (typeof p.lang !== 'string' || !/^[a-z]{2}$/.test(p.lang)) errors.push('lang must be an ISO 639-1 code');
  const lists = [];
  for (const i of INTENTS) lists.push([`injection.${i}`, p.injection?.[i], MIN.intent]);
  lists.push(['hard_negative', p.hard_negative, MIN.hard_negative], ['benign', p.benign, MIN.benign], ['carriers', p.carriers, MIN.carriers]);
  const seen = new Set();
  const counts = {};
  for (const [name, list, min] of lists) {
    if (!Array.isArray(list)) {
      errors.push(`${name}: missing`);
      continue;
    }
    counts[name] = list.length;
    if (list.length < min) errors.push(`${name}: ${list.length} < ${min}`);
    for (const s of list) {
      if (typeof s !== 'string' || s.trim().length < 3) {
        errors.push(`${name}: empty or non-string entry`);
        continue;
      }
      const key = s.trim().toLowerCase();
      if (seen.has(key)) errors.push(`${name}: duplicate "${s.slice(0, 60)}"`);
      seen.add(key);
      for (const m of s.matchAll(/\{([^}]*)\}/g)) if (!SLOTS.has(m[1])) errors.push(`${name}: unknown slot {${m[1]}} in "${s.slice(0, 60)}"`);
    }
  }
  return { errors, counts };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let bad = 0;
  for (const f of process.argv.slice(2)) {
    const { errors, counts } = checkPack(JSON.parse(readFileSync(f, 'utf8')));
    console.log(f, JSON.stringify(counts));
    for (const e of errors) console.log('  ERROR', e);
    if (errors.length) bad++;
    else console.log('  OK');
  }
  process.exit(bad ? 1 : 0);
}
