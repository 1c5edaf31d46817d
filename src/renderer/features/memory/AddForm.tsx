import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MemoryTier } from '../../../shared/memory/types';
import { ADDABLE_TIERS, isLocale, parseRefs } from './memory';
import { useMemory } from './memory-store';

const MAX_TEXT = 20000;
const defaultLocale = (): string => (typeof navigator !== 'undefined' && isLocale(navigator.language) ? navigator.language : 'en');

/** Adding an item by hand (audited). Working memory is written by runs only, so it is not offered. */
export function AddForm() {
  const { t } = useTranslation('memory');
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
    <form className="card stack memory-add" aria-label={t('add.label')} data-testid="memory-add" onSubmit={(e) => void submit(e)}>
      <h3>{t('add.title')}</h3>
      <label>
        {t('add.tier')}
        <select value={tier} onChange={(e) => setTier(e.target.value as Exclude<MemoryTier, 'working'>)}>
          {ADDABLE_TIERS.map((x) => (
            <option key={x} value={x}>
              {t(`add.tierOption.${x}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('add.text')}
        <textarea value={text} onChange={(e) => setText(e.target.value)} rows={4} maxLength={MAX_TEXT} required />
      </label>
      <div className="memory-add-row">
        <label>
          {t('add.locale')}
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
          {t('add.refs')}
          <input value={refs} onChange={(e) => setRefs(e.target.value)} placeholder={t('add.refsPlaceholder')} />
        </label>
      </div>
      <span id="memory-add-locale-hint" className={`small ${localeOk ? 'muted' : 'error'}`}>
        {localeOk ? t('add.localeHint') : t('add.localeBad')}
      </span>
      {addError && (
        <p className="small error" role="alert" data-testid="memory-add-error">
          {addError}
        </p>
      )}
      <div className="row-actions">
        <button type="submit" disabled={!ok}>
          {adding ? t('add.adding') : t('add.submit')}
        </button>
        {!adding && !text.trim() && <span className="small muted">{t('add.needText')}</span>}
      </div>
    </form>
  );
}
