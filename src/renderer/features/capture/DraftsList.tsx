import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ContractDoc, Draft } from '../../../shared/api/types';
import { schemaOf, useCapture } from './capture-store';
import { dateTime, errorMessage } from '../../ui/format';
import { isPlainObject } from './schema-form/json-schema';
import { clipText, clipTitle } from './clip';
import { contractWords } from './schema-form/localize';

/** A line that tells drafts apart: the first few filled-in text values, in the form's order (`empty`: none filled in). */
function draftSummary(d: Draft, contract: ContractDoc | undefined, empty: string): string {
  const data = d.data;
  if (!isPlainObject(data)) return '';
  const order = Object.keys(schemaOf(contract).properties ?? {});
  const keys = [...order.filter((k) => k in data), ...Object.keys(data).filter((k) => !order.includes(k))];
  const bits = keys.map((k) => data[k]).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
  return bits.slice(0, 3).map(String).join(' · ') || empty;
}

function DraftRow({ d, contract, current }: { d: Draft; contract: ContractDoc | undefined; current: boolean }) {
  const { t, i18n } = useTranslation('capture');
  const { resumeDraft, deleteDraft } = useCapture();
  const [error, setError] = useState<string | null>(null);
  const summary = draftSummary(d, contract, t('drafts.empty'));
  const run = (f: () => Promise<void>) => () => {
    setError(null);
    f().catch((e: unknown) => setError(errorMessage(e)));
  };
  return (
    <li className={current ? 'draft current' : 'draft'} data-draft-id={d.id}>
      <div className="draft-title">
        {contract ? contractWords(contract, i18n.language).title : d.contract} {current && <span className="badge badge-ok">{t('drafts.editing')}</span>}
      </div>
      <div className="small draft-summary" title={clipTitle(summary)}>
        {clipText(summary)}
      </div>
      <div className="muted small">{t('drafts.edited', { when: dateTime(d.updatedAt) })}</div>
      <div className="row-actions">
        <button type="button" className="secondary small-btn" onClick={run(() => resumeDraft(d.id))} disabled={current || !contract}>
          {t('drafts.resume')}
        </button>
        <button type="button" className="danger small-btn" onClick={run(() => deleteDraft(d.id))}>
          {t('drafts.delete')}
        </button>
      </div>
      {!contract && <div className="muted small">{t('drafts.notInstalled')}</div>}
      {error && (
        <div className="error small" role="alert">
          {error}
        </div>
      )}
    </li>
  );
}

/** Drafts kept on this device (SQLite), newest first: resume or delete. */
export function DraftsList() {
  const { t } = useTranslation('capture');
  const { drafts, draftsNext, moreDrafts, contracts, draftId } = useCapture();
  return (
    <aside className="drafts card" aria-label={t('drafts.label')}>
      <h3>{t('drafts.title')}</h3>
      {drafts.length === 0 ? (
        <p className="muted small">{t('drafts.none')}</p>
      ) : (
        <ul className="draft-list" data-testid="drafts">
          {drafts.map((d) => (
            <DraftRow key={d.id} d={d} contract={contracts.find((c) => c.contract === d.contract)} current={d.id === draftId} />
          ))}
        </ul>
      )}
      {draftsNext && (
        <button type="button" className="link" onClick={() => void moreDrafts()}>
          {t('drafts.more')}
        </button>
      )}
    </aside>
  );
}
