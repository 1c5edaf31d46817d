import { useState, type ReactNode } from 'react';
import type { MemoryItem } from '../../../shared/memory/types';
import { dateTime } from '../../ui/format';
import { rank, score } from './memory';
import { useMemory } from './memory-store';
import { TierBadge } from './TierBadge';

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
      <input aria-label="Citation id" className="mono" readOnly value={id} onFocus={(e) => e.target.select()} data-testid="citation-id" />
      <button type="button" className="secondary small-btn" onClick={() => void copy()}>
        Copy citation id
      </button>
      <span className="small" role="status">
        {copied === 'yes' ? (
          <span className="ok">Copied</span>
        ) : copied === 'no' ? (
          <span className="muted">Select it and copy (the clipboard is not available here)</span>
        ) : null}
      </span>
    </span>
  );
}

/** One memory item in full: text, citation id, hash, embedding, sources, expiry; pin to core, delete. */
export function ItemDetail({ item }: { item: MemoryItem }) {
  const { hits, pin, pinning, askDelete, detailError, actionError } = useMemory();
  const hit = hits.find((h) => h.item.id === item.id);
  const core = item.tier === 'core';
  return (
    <article className="card stack memory-item" aria-label="Memory item" data-testid="memory-item" data-id={item.id} data-tier={item.tier}>
      <header className="card-head">
        <TierBadge tier={item.tier} />
        {hit && (
          <span className="small muted">
            score <span className="mono">{score(hit.score)}</span> · vector {rank(hit.vectorRank)} · text {rank(hit.textRank)}
          </span>
        )}
      </header>
      <p className="memory-text" data-testid="memory-text" lang={item.locale}>
        {item.text}
      </p>
      <dl className="figures memory-figures small">
        <Figure label="Citation id">
          <CitationId key={item.id} id={item.id} />
        </Figure>
        <Figure label="Locale">{item.locale}</Figure>
        <Figure label="Created">{dateTime(item.createdAt)}</Figure>
        <Figure label="Expires">
          <span data-testid="memory-expires">{item.expiresAt ? dateTime(item.expiresAt) : 'never (kept until compaction, eviction or deletion)'}</span>
        </Figure>
        <Figure label="Content hash">
          <span className="mono" data-testid="memory-hash">
            {item.contentHash}
          </span>
        </Figure>
        <Figure label="Embedding">
          <span className="mono">{item.embeddingModel ?? 'not embedded yet'}</span>
        </Figure>
        {item.runId && (
          <Figure label="Run">
            <span className="mono">{item.runId}</span>
          </Figure>
        )}
        <Figure label="Source refs">
          {item.sourceRefs.length ? (
            <ul className="plain-list mono" data-testid="memory-refs">
              {item.sourceRefs.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          ) : (
            <span className="muted">none</span>
          )}
        </Figure>
      </dl>
      {detailError && (
        <p className="small error" role="alert">
          Could not read the item again: {detailError}
        </p>
      )}
      {actionError && (
        <p className="small error" role="alert" data-testid="memory-action-error">
          {actionError}
        </p>
      )}
      <div className="row-actions">
        <button
          type="button"
          onClick={() => void pin(item.id)}
          disabled={core || pinning}
          title={core ? 'Already in core memory' : 'Always in context; never evicted'}
        >
          {pinning ? 'Pinning…' : 'Pin to core'}
        </button>
        <button type="button" className="danger" onClick={() => askDelete(item)}>
          Delete…
        </button>
        {core && <span className="small muted">Core memory: always in context, never evicted.</span>}
      </div>
    </article>
  );
}
