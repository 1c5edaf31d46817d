import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { MemoryItem } from '../../../shared/memory/types';
import { dateTime } from '../../ui/format';
import { rank, score } from './memory';
import { useMemory } from './memory-store';
import { TierBadge } from './TierBadge';
import { InlineValue, VALUE_MARK } from '../../ui/InlineValue';

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The citation id (the memory id) in a read-only field, with a copy button. */
function CitationId({ id }: { id: string }) {
  const { t } = useTranslation('memory');
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(id);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  }
  return (
    <span className="citation">
      <input aria-label={t('item.citationId')} className="mono" readOnly value={id} onFocus={(e) => e.target.select()} data-testid="citation-id" />
      <button type="button" className="secondary small-btn" onClick={() => void copy()}>
        {t('item.copy')}
      </button>
      <span className="small" role="status">
        {copied === 'yes' ? <span className="ok">{t('item.copied')}</span> : copied === 'no' ? <span className="muted">{t('item.copyFailed')}</span> : null}
      </span>
    </span>
  );
}

/** One memory item in full: text, citation id, hash, embedding, sources, expiry; pin to core, delete. */
export function ItemDetail({ item }: { item: MemoryItem }) {
  const { t } = useTranslation('memory');
  const { hits, pin, pinning, askDelete, detailError, actionError } = useMemory();
  const hit = hits.find((h) => h.item.id === item.id);
  const core = item.tier === 'core';
  return (
    <article className="card stack memory-item" aria-label={t('item.label')} data-testid="memory-item" data-id={item.id} data-tier={item.tier}>
      <header className="card-head">
        <TierBadge tier={item.tier} />
        {hit && (
          <span className="small muted">
            <InlineValue text={t('item.scoreLine', { score: VALUE_MARK, vectorRank: rank(hit.vectorRank), textRank: rank(hit.textRank) })}>
              <span className="mono">{score(hit.score)}</span>
            </InlineValue>
          </span>
        )}
      </header>
      <p className="memory-text" data-testid="memory-text" lang={item.locale}>
        {item.text}
      </p>
      <dl className="figures memory-figures small">
        <Figure label={t('item.citationId')}>
          <CitationId key={item.id} id={item.id} />
        </Figure>
        <Figure label={t('item.locale')}>{item.locale}</Figure>
        <Figure label={t('item.created')}>{dateTime(item.createdAt)}</Figure>
        <Figure label={t('item.expires')}>
          <span data-testid="memory-expires">{item.expiresAt ? dateTime(item.expiresAt) : t('item.never')}</span>
        </Figure>
        <Figure label={t('item.hash')}>
          <span className="mono" data-testid="memory-hash">
            {item.contentHash}
          </span>
        </Figure>
        <Figure label={t('item.embedding')}>
          <span className="mono">{item.embeddingModel ?? t('item.notEmbedded')}</span>
        </Figure>
        {item.runId && (
          <Figure label={t('item.run')}>
            <span className="mono">{item.runId}</span>
          </Figure>
        )}
        <Figure label={t('item.refs')}>
          {item.sourceRefs.length ? (
            <ul className="plain-list mono" data-testid="memory-refs">
              {item.sourceRefs.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : (
            <span className="muted">{t('item.none')}</span>
          )}
        </Figure>
      </dl>
      {detailError && (
        <p className="small error" role="alert">
          {t('item.readFailed', { error: detailError })}
        </p>
      )}
      {actionError && (
        <p className="small error" role="alert" data-testid="memory-action-error">
          {actionError}
        </p>
      )}
      <div className="row-actions">
        <button type="button" onClick={() => void pin(item.id)} disabled={core || pinning} title={core ? t('item.alreadyCore') : t('item.pinHint')}>
          {pinning ? t('item.pinning') : t('item.pin')}
        </button>
        <button type="button" className="danger" onClick={() => askDelete(item)}>
          {t('item.delete')}
        </button>
        {core && <span className="small muted">{t('item.coreNote')}</span>}
      </div>
    </article>
  );
}
