// Per-file progress of attachment uploads and downloads: bytes, speed, ETA, state, and the pause
// switch the upload loop checks between chunks. Progress is held in memory for this session; a pause
// is kept in the database (transfer_pauses), so a paused upload stays paused after a restart and is
// listed as paused until resumed. A paused upload stays queued in the outbox and resumes from the
// first chunk the server lacks.
import type { Transfer, TransferState } from '../../../shared/api/types';
import { msg, type Message } from '../../../shared/messages';
import type { EventBus } from '../../platform/events';
import type { Clock } from '../../platform/util/clock';
import type { Db } from '../../platform/db/connection';

const EMIT_EVERY_MS = 200;
const MAX_KEPT = 200;

interface Live extends Transfer {
  /** When this run of the transfer started, and the bytes done then (for the speed). */
  startMs: number;
  startBytes: number;
  lastEmitMs: number;
}

export class Transfers {
  private readonly items = new Map<string, Live>();
  private readonly paused = new Map<string, string>();

  constructor(
    private readonly events: EventBus,
    private readonly clock: Clock,
    private readonly db?: Db,
  ) {
    for (const r of db?.prepare('SELECT hash, name FROM transfer_pauses ORDER BY paused_at').all() ?? []) {
      const { hash, name } = r as { hash: string; name: string };
      this.paused.set(hash, name);
    }
  }

  private key = (direction: Transfer['direction'], hash: string) => `${direction}:${hash}`;

  /** A transfer begins (or resumes) with `doneBytes` already on the other side. */
  begin(t: Pick<Transfer, 'hash' | 'direction' | 'device' | 'name' | 'totalBytes' | 'doneBytes'>): void {
    const now = this.clock.now();
    const live: Live = {
      ...t,
      state: 'running',
      bytesPerSecond: 0,
      etaSeconds: null,
      message: null,
      updatedAt: now.toISOString(),
      startMs: now.getTime(),
      startBytes: t.doneBytes,
      lastEmitMs: 0,
    };
    this.items.delete(this.key(t.direction, t.hash));
    this.items.set(this.key(t.direction, t.hash), live);
    if (this.items.size > MAX_KEPT) this.items.delete(this.items.keys().next().value!);
    this.emit(live, true);
  }

  progress(direction: Transfer['direction'], hash: string, doneBytes: number): void {
    const t = this.items.get(this.key(direction, hash));
    if (!t) return;
    const now = this.clock.now().getTime();
    t.doneBytes = doneBytes;
    const secs = (now - t.startMs) / 1000;
    t.bytesPerSecond = secs > 0 ? Math.round((doneBytes - t.startBytes) / secs) : 0;
    t.etaSeconds = t.bytesPerSecond > 0 ? Math.round(((t.totalBytes - doneBytes) / t.bytesPerSecond) * 10) / 10 : null;
    this.emit(t, false);
  }

  /** `message`: why it waits, was refused or failed (a message code: the renderer says it in words). */
  end(direction: Transfer['direction'], hash: string, state: TransferState, message: Message | null = null): void {
    const t = this.items.get(this.key(direction, hash));
    if (!t) return;
    t.state = state;
    t.message = message;
    if (state === 'done') t.etaSeconds = 0;
    this.emit(t, true);
  }

  private emit(t: Live, force: boolean): void {
    const now = this.clock.now();
    if (!force && now.getTime() - t.lastEmitMs < EMIT_EVERY_MS) return;
    t.lastEmitMs = now.getTime();
    t.updatedAt = now.toISOString();
    this.events.emit('transfers.progress', this.view(t));
  }

  private view(t: Live): Transfer {
    const { startMs: _s, startBytes: _b, lastEmitMs: _e, ...view } = t;
    return view;
  }

  list(): Transfer[] {
    const live = [...this.items.values()].reverse().map((t) => this.view(t));
    // Paused in an earlier session and not started since: listed so the person can resume them.
    const earlier = [...this.paused]
      .filter(([hash]) => !this.items.has(this.key('upload', hash)))
      .map(([hash, name]) => this.placeholder(hash, name, 'paused'));
    return [...live, ...earlier];
  }

  isPaused(hash: string): boolean {
    return this.paused.has(hash);
  }

  /** Pause an upload (known or not yet started): the loop stops after its current chunk. */
  pause(hash: string, name = hash): Transfer {
    const t = this.items.get(this.key('upload', hash));
    if (t?.state === 'done') return this.view(t); // nothing left to hold
    this.paused.set(hash, name);
    this.db
      ?.prepare('INSERT INTO transfer_pauses (hash, name, paused_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING')
      .run(hash, name, this.clock.now().toISOString());
    if (t && t.state === 'running') {
      t.state = 'paused';
      t.message = msg('errors.sync.transfer_paused');
      this.emit(t, true);
    }
    return t ? this.view(t) : this.placeholder(hash, name, 'paused');
  }

  resume(hash: string, name = hash): Transfer {
    this.paused.delete(hash);
    this.db?.prepare('DELETE FROM transfer_pauses WHERE hash = ?').run(hash);
    const t = this.items.get(this.key('upload', hash));
    if (t && t.state === 'paused') {
      t.state = 'waiting';
      t.message = null;
      this.emit(t, true);
    }
    return t ? this.view(t) : this.placeholder(hash, name, 'waiting');
  }

  private placeholder(hash: string, name: string, state: TransferState): Transfer {
    return {
      hash,
      direction: 'upload',
      device: null,
      name,
      state,
      doneBytes: 0,
      totalBytes: 0,
      bytesPerSecond: 0,
      etaSeconds: null,
      message: null,
      updatedAt: this.clock.now().toISOString(),
    };
  }
}
