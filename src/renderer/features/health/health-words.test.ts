// The Health view's checks in the user's language: each check's messages (what the main process
// sends beside its English summary) read in English exactly as the summary did, and in Swedish as
// Swedish; the titles, the figure values of a known set and the Keys card's note likewise.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { i18next, initI18n, missingKeys } from '../../i18n';
import { ApiError } from '../../../shared/errors';
import type { Message } from '../../../shared/messages';
import { withCause } from '../../../shared/error-messages';
import { storedErrorText } from '../../ui/error-words';
import { errorMessage } from '../../ui/format';
import { messageText } from '../../ui/message';
import { figureValue } from './figures';

const m = (code: string, params?: Message['params']): Message => (params ? { code, params } : { code });
const text = (ms: Message[]) => ms.map(storedErrorText).join(' ');
const SYNC_AT = '2026-12-06T20:43:06.000Z';

/** [messages as the main process sends them, the English summary it sent before]. */
const CASES: [string, Message[], string][] = [
  ['db healthy', [m('health.check.db.store.healthy', { kib: 488 })], 'Database is healthy (488 KiB).'],
  ['db large', [m('health.check.db.store.healthy', { kib: 12345 })], 'Database is healthy (12345 KiB).'],
  [
    'db problem',
    [m('health.check.db.store.problem', { problem: 'row 3 missing from index' })],
    'SQLite quick_check reports a problem: row 3 missing from index',
  ],
  ['chain unverified', [m('health.check.audit.chain.unverified')], 'The audit chain has not been verified yet.'],
  [
    'chain broken',
    [m('health.check.audit.chain.broken', { seq: '7', reason: 'payload_altered' })],
    'The last verification found the chain broken at entry 7 (payload_altered).',
  ],
  [
    'chain consistent',
    [m('health.check.audit.chain.consistent', { count: 3, at: '2026-12-06T20:42:54.922Z' })],
    'Chain consistent on this device (3 entries, checked 2026-12-06T20:42:54.922Z); not yet anchored by the server, so not yet proven.',
  ],
  [
    'chain anchored',
    [m('health.check.audit.chain.anchored', { seq: '12', time: '2026-12-06T20:00:00Z', newer: 0 })],
    'Chain verified up to entry 12, anchored by the server at 2026-12-06T20:00:00Z.',
  ],
  [
    'chain anchored, newer',
    [m('health.check.audit.chain.anchored', { seq: '12', time: '2026-12-06T20:00:00Z', newer: 2 })],
    'Chain verified up to entry 12, anchored by the server at 2026-12-06T20:00:00Z; the 2 newer entries are consistent but not yet anchored.',
  ],
  ['bundles ok', [m('health.check.bundles.sealed.ok', { count: 3, root: '1' })], '3 bundles verified and active under root v1.'],
  [
    'bundles problems',
    [
      m('health.check.bundles.sealed.no_root', { last: 'no' }),
      m('health.check.bundles.sealed.missing', { names: 'maestro.policy, maestro.workflows', last: 'no' }),
      m('health.check.bundles.sealed.quarantined', { count: 2, last: 'no' }),
      m('health.check.bundles.sealed.expired', { count: 1, last: 'no' }),
      m('health.check.bundles.sealed.stale', { count: 1, last: 'no' }),
      m('health.check.bundles.sealed.root_expires', { days: 12, last: 'yes' }),
    ],
    'no trusted root: nothing can verify; no verified maestro.policy, maestro.workflows (fail closed); 2 version(s) quarantined; 1 active bundle(s) past expiry: install a newer signed version; 1 active bundle(s) overdue for a full re-hash; trusted root expires in 12 days',
  ],
  [
    'sync held',
    [m('health.check.sync.queue.held', { dead: 1, blocked: 2 })],
    '1 item could not be delivered and 2 items are held: open the Outbox to decide what to do with them.',
  ],
  [
    'sync held, one blocked',
    [m('health.check.sync.queue.held', { dead: 0, blocked: 1 })],
    '0 items could not be delivered and 1 item is held: open the Outbox to decide what to do with them.',
  ],
  ['not enrolled, none', [m('health.check.sync.queue.not_enrolled', { count: 0 })], 'Not enrolled: 0 items wait in the outbox until this device is enrolled.'],
  ['not enrolled, one', [m('health.check.sync.queue.not_enrolled', { count: 1 })], 'Not enrolled: 1 item waits in the outbox until this device is enrolled.'],
  [
    'queued',
    [m('health.check.sync.queue.queued', { count: 4, at: Date.parse(SYNC_AT) })],
    `4 items queued; last sync ${new Date(SYNC_AT).toLocaleString('en')}.`,
  ],
  ['queued, never', [m('health.check.sync.queue.queued_never', { count: 1 })], '1 item queued; never synced.'],
  ['team not enrolled', [m('health.check.team.sync.not_enrolled')], 'Not enrolled: nothing is shared or pulled.'],
  [
    'team stopped',
    [withCause(m('health.check.team.sync.stopped', { seq: '41', code: 'KEY_MISSING' }), 'no tenant key v2 on this device')],
    'The pull stopped at item 41 (KEY_MISSING): no tenant key v2 on this device',
  ],
  ['team revoked', [m('health.check.team.sync.revoked')], 'This device has been revoked.'],
  [
    'team waiting',
    [m('health.check.team.sync.status', { certificate: '1', keys: 'waiting', key: '', lastPull: 'never', refused: 0 })],
    'Certificate v1, waiting for the tenant key from an admin device; last pull never.',
  ],
  [
    'team no key',
    [m('health.check.team.sync.status', { certificate: '?', keys: 'none', key: '', lastPull: '2026-12-06T20:00:00.000Z', refused: 1 })],
    'Certificate v?, no tenant key yet (no admin device has created one): items are sealed under this device’s own key and not shared; last pull 2026-12-06T20:00:00.000Z; 1 refused item.',
  ],
  [
    'team key',
    [m('health.check.team.sync.status', { certificate: '2', keys: 'current', key: '3', lastPull: '2026-12-06T20:00:00.000Z', refused: 2 })],
    'Certificate v2, tenant key v3; last pull 2026-12-06T20:00:00.000Z; 2 refused items.',
  ],
  [
    'models on fallbacks',
    [
      m('health.check.inference.models.slot', {
        slot: 'text',
        arm: 'fallback',
        id: 'extractive@1',
        state: 'none',
        backend: 'none',
        device: 'none',
        layers: 'none',
      }),
      m('health.check.inference.models.slot', {
        slot: 'embedding',
        arm: 'fallback',
        id: 'hashed-ngram@1',
        state: 'ready',
        backend: 'cpu',
        device: 'none',
        layers: 'none',
      }),
      withCause(m('health.check.inference.models.reason'), m('models.fallback.no_text_model')),
    ],
    'Text: fallback extractive@1 (none); embeddings: fallback hashed-ngram@1 (ready, cpu). no verified text model bundle is installed.',
  ],
  [
    'models on a GPU',
    [
      m('health.check.inference.models.slot', {
        slot: 'text',
        arm: 'model',
        id: 'qwen-0.5b@1.0.0',
        state: 'ready',
        backend: 'cuda',
        device: 'NVIDIA H100',
        layers: 25,
      }),
      m('health.check.inference.models.slot', {
        slot: 'embedding',
        arm: 'model',
        id: 'minilm@1.0.0',
        state: 'error',
        backend: 'none',
        device: 'none',
        layers: 'none',
      }),
      withCause(m('health.check.inference.models.reason'), 'cuda: driver too old'),
    ],
    'Text: qwen-0.5b@1.0.0 (ready, cuda NVIDIA H100, 25 layers on GPU); embeddings: minilm@1.0.0 (error). cuda: driver too old.',
  ],
  ['check failed', [m('health.check.failed', { error: 'database is locked' })], 'Check failed: database is locked'],
];

describe('health checks in words', () => {
  beforeAll(async () => {
    initI18n('en');
    await i18next.changeLanguage('en');
  });
  afterEach(async () => {
    await i18next.changeLanguage('en');
  });

  it.each(CASES)('%s: English reads as the summary did, Swedish differs', async (_, messages, summary) => {
    missingKeys.clear();
    expect(text(messages)).toBe(summary);
    await i18next.changeLanguage('sv');
    const sv = text(messages);
    expect(sv).not.toBe(summary);
    expect(sv).not.toMatch(/health\.check|models\.|\{/);
    expect([...missingKeys]).toEqual([]);
  });

  it('titles every check in plain words, in the language in use', async () => {
    const ids = ['db.store', 'audit.chain', 'bundles.sealed', 'sync.queue', 'team.sync', 'inference.models', 'governance.risk', 'policy.loaded'];
    const en = ids.map((id) => i18next.t(`health:check.${id}.title`));
    expect(en).toEqual(['Database', 'Audit chain', 'Sealed bundles', 'Sync queue', 'Team sync', 'Local models', 'Device risk', 'Policy']);
    await i18next.changeLanguage('ar');
    const ar = ids.map((id) => i18next.t(`health:check.${id}.title`));
    ar.forEach((t, i) => expect(t).not.toBe(en[i]));
    expect(ar.join(' ')).not.toMatch(/[a-z]/);
  });

  it('says the figure values of a known set in words', async () => {
    expect(figureValue('level', 'low')).toBe('low');
    expect(figureValue('allowedNow', 'read, capture, draft')).toBe('read, capture, draft');
    expect(figureValue('textArm', 'fallback')).toBe('fallback');
    expect(figureValue('quickCheck', 'ok')).toBe('ok');
    await i18next.changeLanguage('sv');
    expect(figureValue('level', 'low')).toBe('låg');
    expect(figureValue('allowedNow', 'read, capture, draft')).toBe('läsa, samla in, spara utkast');
    expect(figureValue('embeddingArm', 'fallback')).toBe('reserv');
    expect(figureValue('allowedNow', '')).toBe('');
    // A value this build has no words for, and a figure that is not a set, stay as they are.
    expect(figureValue('level', 'extreme')).toBe('extreme');
    expect(figureValue('headHash', 'low')).toBe('low');
  });

  it('says where the keys are kept (the Keys card) and why the app cannot open (the unlock screen)', async () => {
    expect(messageText(m('outbox.keys.note.vault'))).toBe(
      'No OS keychain on this machine: keys are kept in a passphrase vault (scrypt + AES-256-GCM) in the data directory.',
    );
    expect(messageText(m('outbox.keys.note.keychain'))).toBe('Keys are kept in the operating system keychain.');
    const corrupt = new ApiError('UNAVAILABLE', 'DB_CORRUPT: /data/maestro.db is damaged', { reason: 'db_corrupt' });
    expect(errorMessage(corrupt)).toBe('The device database is damaged; it was left untouched. Restore a backup or ask your admin.');
    await i18next.changeLanguage('sv');
    expect(messageText(m('outbox.keys.note.vault'))).toMatch(/lösenfrasvalv/);
    expect(errorMessage(corrupt)).toMatch(/skadad/);
  });
});
