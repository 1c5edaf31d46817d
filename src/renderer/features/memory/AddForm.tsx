import { useState, type FormEvent } from 'react';
import type { MemoryTier } from '../../../shared/memory/types';
import { ADDABLE_TIERS, isLocale, parseRefs } from './memory';
import { useMemory } from './memory-store';

const MAX_TEXT = 20000;
const TIER_HINT: Record<Exclude<MemoryTier, 'working'>, string> = {
  core: 'always in context, never evicted',
  episodic: 'what happened, when',
  semantic: 'facts and knowledge',
  procedural: 'how to do things',
};
const defaultLocale = (): string => (typeof navigator !== 'undefined' && isLocale(navigator.language) ? navigator.language : 'en');

/** Adding an item by hand (audited). Working memory is written by runs only, so it is not offered. */
export function AddForm() {
  const { add, adding, addError } = useMemory();
  const [tier, setTier] = useState<Exclude<MemoryTier, 'working'>>('semantic');
  const [text, setText] = useState('');
  const [locale, setLocale] = useState(defaultLocale);
  const [refs, setRefs] = useState('');
  const localeOk = isLocale(locale.trim());
  const ok = text.trim().length > 0 && localeOk && !adding;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!ok) return;
    const item = await add({ tier, text: text.trim(), locale: locale.trim(), sourceRefs: parseRefs(refs) });
    if (item) {
      setText('');
      setRefs('');
    }
  }

  return (
    <form className="card stack memory-add" aria-label="Add to memory" data-testid="memory-add" onSubmit={(e) => void submit(e)}>
      <h3>Add an item</h3>
      <label>
        Tier
        <select value={tier} onChange={(e) => setTier(e.target.value as Exclude<MemoryTier, 'working'>)}>
          {ADDABLE_TIERS.map((t) => (
            <option key={t} value={t}>
              {t} — {TIER_HINT[t]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Text
        <textarea value={text} onChange={(e) => setText(e.target.value)} rows={4} maxLength={MAX_TEXT} required />
      </label>
      <div className="memory-add-row">
        <label>
          Item locale
          <input
            value={locale}
            onChange={(e) => setLocale(e.target.value)}
            maxLength={35}
            required
            aria-invalid={!localeOk || undefined}
            aria-describedby="memory-add-locale-hint"
          />
        </label>
        <label className="memory-add-refs">
          Source refs
          <input value={refs} onChange={(e) => setRefs(e.target.value)} placeholder="record:…, run:… (optional)" />
        </label>
      </div>
      <span id="memory-add-locale-hint" className={`small ${localeOk ? 'muted' : 'error'}`}>
        {localeOk ? 'A language tag: en, sv, fr-CA.' : 'Not a language tag: use en, sv, fr-CA.'}
      </span>
      {addError && (
        <p className="small error" role="alert" data-testid="memory-add-error">
          {addError}
        </p>
      )}
      <div className="row-actions">
        <button type="submit" disabled={!ok}>
          {adding ? 'Adding…' : 'Add to memory'}
        </button>
        {!adding && !text.trim() && <span className="small muted">Write the text to remember first.</span>}
      </div>
    </form>
  );
}
