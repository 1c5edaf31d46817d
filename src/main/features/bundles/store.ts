// Installed bundles: atomic install (staging, fsync, rename, then one transaction), the active
// version per bundle, the fast check (size, mtime, inode) at start and at load, full re-hash on a
// schedule and on demand, quarantine with fallback to the last good version, and the sealed-state
// report. Consumers read only through ActiveBundle.read/pathOf.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { Logger } from '../../platform/util/logger';
import type { AuditService } from '../../platform/audit/index';
import type { EventBus } from '../../platform/events';
import type { CardRecorder } from './ports';
import { newId } from '../../platform/util/ids';
import type {
  BundleKind,
  BundleProgress,
  BundleVersionView,
  Envelope,
  InstallResult,
  ModelInfo,
  RootMeta,
  SealedStateReport,
  VerifyResult,
} from '../../../shared/bundles/types';
import { BundleError, refuse, refusalMessage } from '../../../shared/bundles/errors';
import type { Message } from '../../../shared/messages';
import { encodeStoredError } from '../../../shared/error-messages';
import { quarantinedAlert, refusedAlert } from './alert-words';
import { activeHandle } from './active-handle';
import { dirReader, sha256, verifyBundle, verifyDirSync, type TrustInput, type VerifiedBundle, type VersionedRole } from './verify';
import type { ActiveBundle, AdmitCheck, BundleChange, BundleService, VerifiedModel } from './types';
import { fsyncDir, fsyncTree, writeDurable } from './durable-fs';
import { fastCheckFile, rehashInstall, type TamperReason } from './file-checks';
import { TamperWatch, type WatchedInstall } from './tamper-watch';
import { activeInstalls, recordInstall, type FileRow, type InstallRow } from './install-rows';
import { quarantineCard } from './quarantine-card';
import { quarantineText, rootSummary, versionView } from './report';
import { verifiedModels } from './models';
import type { BundleReader } from './source';

export interface BundleStoreDeps {
  db: Db;
  dataDir: string;
  /** The device's highest-seen time (TrustedClock): expiry is judged against it. */
  clock: Clock;
  audit: AuditService;
  logger: Logger;
  /** The root pinned in the app (resources/trust/root.json), already parsed. null: nothing verifies. */
  pinnedRoot: Envelope<RootMeta> | null;
  events?: EventBus;
  cards?: CardRecorder;
  alert?: (code: string, message: Message, subject: string) => void;
  reverifyEveryHours?: number;
  /** Installed versions kept per bundle besides the active one (rollback targets). */
  keepPrevious?: number;
  /** Content checks after verification, before install (contracts: the compatibility check). */
  admit?: AdmitCheck;
  /** Install boundaries, for crash tests: after staging is complete, and after the rename. */
  onBoundary?: (b: 'staged' | 'renamed') => void;
}

const ACTOR = 'service:bundles';

export { loadPinnedRoot } from './pinned-root';

export class BundleStore implements BundleService {
  private readonly root: string;
  private readonly listeners = new Set<(c: BundleChange) => void>();
  private timer: NodeJS.Timeout | null = null;
  private readonly reverifyMs: number;

  constructor(private readonly d: BundleStoreDeps) {
    this.root = join(d.dataDir, 'bundles');
    this.reverifyMs = (d.reverifyEveryHours ?? 24) * 3_600_000;
    mkdirSync(this.root, { recursive: true });
    this.recover();
    this.tamperWatch = new TamperWatch({ watched: () => this.watched(), quarantine: (id, r, p) => this.quarantine(id, r, p), logger: d.logger });
  }

  // ---- trust ----

  /** The highest root: rotated-to (stored) or pinned, whichever is newer. */
  trustedRoot(): Envelope<RootMeta> | null {
    const row = this.d.db.prepare('SELECT body FROM bundle_roots ORDER BY version DESC LIMIT 1').get() as { body: string } | undefined;
    const stored = row ? (JSON.parse(row.body) as Envelope<RootMeta>) : null;
    const pinned = this.d.pinnedRoot;
    if (stored && (!pinned || stored.signed.version > pinned.signed.version)) return stored;
    return pinned;
  }

  private roleVersions(bundle: string): Partial<Record<VersionedRole, number>> {
    const rows = this.d.db.prepare('SELECT role, version FROM bundle_role_versions WHERE bundle = ?').all(bundle) as { role: VersionedRole; version: number }[];
    return Object.fromEntries(rows.map((r) => [r.role, r.version]));
  }

  private trust(): TrustInput {
    const root = this.trustedRoot();
    if (!root) return refuse('BUNDLE_UNKNOWN_KEY', 'No trusted root is pinned in this app (resources/trust/root.json): no bundle can verify');
    return { root, roleVersions: (b) => this.roleVersions(b), referenceTime: this.d.clock.now() };
  }

  // ---- startup recovery ----

  /** An interrupted install leaves a staging directory, or a renamed directory the database never recorded: remove both. */
  private recover(): void {
    rmSync(join(this.root, '.staging'), { recursive: true, force: true });
    const known = new Set((this.d.db.prepare('SELECT dir FROM bundle_installs').pluck().all() as string[]).map((x) => x));
    for (const name of readdirSync(this.root)) {
      if (name.startsWith('.')) continue;
      const nd = join(this.root, name);
      if (!lstatSync(nd).isDirectory()) continue;
      for (const v of readdirSync(nd)) {
        const rel = `${name}/${v}`;
        if (!known.has(rel)) {
          this.d.logger.warn('removing an unrecorded bundle directory (interrupted install)', { code: 'BUNDLE_ORPHAN', dir: rel });
          rmSync(join(nd, v), { recursive: true, force: true });
        }
      }
    }
  }

  // ---- install ----

  async install(reader: BundleReader, opts: { opId?: string; actor?: string } = {}): Promise<InstallResult> {
    const opId = opts.opId ?? newId('bop');
    const staging = join(this.root, '.staging', newId('stg'));
    mkdirSync(staging, { recursive: true });
    const progress = (p: BundleProgress) => this.d.events?.emit('bundles.progress', p);
    let v: VerifiedBundle;
    try {
      v = await verifyBundle(reader, this.trust(), { sinkDir: staging, onProgress: progress, opId });
      this.admit(v, staging);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      this.refused(reader.label, e, opts.actor);
      throw e;
    }
    return this.commit(v, staging, reader.label, opts.actor ?? ACTOR, opId);
  }

  /** Synchronous install of a small bundle from a directory (built-in bundles at start). */
  installDirSync(dir: string, opts: { actor?: string } = {}): InstallResult {
    const opId = newId('bop');
    const staging = join(this.root, '.staging', newId('stg'));
    mkdirSync(staging, { recursive: true });
    let v: VerifiedBundle;
    try {
      v = verifyDirSync(dir, this.trust(), staging);
      this.admit(v, staging);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      this.refused(dir, e, opts.actor);
      throw e;
    }
    return this.commit(v, staging, dir, opts.actor ?? ACTOR, opId);
  }

  /**
   * Install the app's built-in bundles (resources/bundles/<name>) whose signed timestamp this device
   * has not installed yet. Unchanged ones cost one small file read each. Refusals are returned, not thrown.
   */
  installBuiltins(dir: string): { installed: string[]; refused: { name: string; code: string; message: string }[] } {
    const out = { installed: [] as string[], refused: [] as { name: string; code: string; message: string }[] };
    if (!existsSync(dir)) return out;
    for (const name of readdirSync(dir).sort()) {
      const bdir = join(dir, name);
      let ts: Buffer;
      try {
        ts = readFileSync(join(bdir, 'metadata', 'timestamp.json'));
      } catch {
        continue;
      }
      const known = this.d.db.prepare('SELECT id FROM bundle_installs WHERE name = ? AND timestamp_sha256 = ?').get(name, sha256(ts));
      if (known) continue;
      try {
        this.installDirSync(bdir, { actor: 'service:bundles(built-in)' });
        out.installed.push(name);
      } catch (e) {
        const code = e instanceof BundleError ? e.code : 'INTERNAL';
        out.refused.push({ name, code, message: (e as Error).message });
        this.d.alert?.(code, refusedAlert(name, e), name);
      }
    }
    return out;
  }

  /**
   * Install every bundle in `dir` (one per subdirectory: a models/ folder, a USB stick) whose signed
   * timestamp is not installed yet, streaming (large models are fine). Refusals are returned and
   * alerted, not thrown.
   */
  async installFromDir(dir: string, actor = ACTOR): Promise<{ installed: string[]; refused: { name: string; code: string; message: string }[] }> {
    const out = { installed: [] as string[], refused: [] as { name: string; code: string; message: string }[] };
    if (!existsSync(dir)) return out;
    for (const name of readdirSync(dir).sort()) {
      const bdir = join(dir, name);
      let ts: Buffer;
      try {
        if (!lstatSync(bdir).isDirectory()) continue;
        ts = readFileSync(join(bdir, 'metadata', 'timestamp.json'));
      } catch {
        continue;
      }
      if (this.d.db.prepare('SELECT id FROM bundle_installs WHERE timestamp_sha256 = ?').get(sha256(ts))) continue;
      try {
        await this.install(dirReader(bdir), { actor });
        out.installed.push(name);
      } catch (e) {
        const code = e instanceof BundleError ? e.code : 'INTERNAL';
        out.refused.push({ name, code, message: (e as Error).message });
        this.d.alert?.(code, refusedAlert(name, e, dir), name);
      }
    }
    return out;
  }

  /** The admission check on the verified files in staging (they are not installed yet). */
  private admit(v: VerifiedBundle, staging: string): void {
    if (!this.d.admit) return;
    const files = Object.keys(v.targets.signed.targets);
    this.d.admit({ info: v.info, files: () => files, read: (path) => readFileSync(join(staging, 'targets', path)) }, this.active(v.name));
  }

  private refused(label: string, e: unknown, actor?: string): void {
    const code = e instanceof BundleError ? e.code : 'INTERNAL';
    // The refusal as a message (code and params): what an audit reader in any language can search.
    const extra = e instanceof BundleError ? { reason: e.toMessage(), ...(e.details.changes ? { changes: e.details.changes } : {}) } : {};
    this.d.audit.append({ actor: actor ?? ACTOR, action: 'bundle.refused', subject: label, payload: { code, message: (e as Error).message, ...extra } });
    this.d.logger.warn('bundle refused', { code, source: label, reason: (e as Error).message });
  }

  private commit(v: VerifiedBundle, staging: string, source: string, actor: string, opId: string): InstallResult {
    const started = performance.now();
    const tsSha = sha256(v.bytes.timestamp);
    const same = this.d.db.prepare('SELECT * FROM bundle_installs WHERE name = ? AND timestamp_sha256 = ? AND quarantined_at IS NULL').get(v.name, tsSha) as
      InstallRow | undefined;
    if (same) {
      rmSync(staging, { recursive: true, force: true });
      const activated = this.activeId(v.name) !== same.id;
      if (activated) this.setActive(v.name, same.id, actor, 'reinstalled');
      return { bundle: this.view(same), activated, rootRotatedTo: null, durationMs: performance.now() - started };
    }
    this.d.events?.emit('bundles.progress', { opId, phase: 'commit', file: null, bytesDone: v.bytesTotal, bytesTotal: v.bytesTotal, etaSeconds: 0 });
    writeDurable(join(staging, 'metadata', 'timestamp.json'), v.bytes.timestamp);
    writeDurable(join(staging, 'metadata', 'snapshot.json'), v.bytes.snapshot);
    writeDurable(join(staging, 'metadata', 'targets.json'), v.bytes.targets);
    for (const r of v.newRoots) writeDurable(join(staging, 'metadata', `${r.version}.root.json`), r.bytes);
    fsyncTree(staging);
    this.d.onBoundary?.('staged');
    const rel = `${v.name}/${v.versions.targets}.${v.versions.timestamp}-${newId('v')}`;
    mkdirSync(join(this.root, v.name), { recursive: true });
    renameSync(staging, join(this.root, rel));
    fsyncDir(join(this.root, v.name));
    fsyncDir(this.root);
    this.d.onBoundary?.('renamed');

    const now = this.d.clock.now().toISOString();
    const prevRoot = this.trustedRoot();
    const files = Object.entries(v.targets.signed.targets).map(([path, t]) => {
      const st = lstatSync(join(this.root, rel, 'targets', path), { bigint: true });
      return { path, length: t.length, sha256: t.hashes.sha256, mtime_ms: Math.floor(Number(st.mtimeMs)), ino: st.ino.toString() };
    });
    const id = recordInstall(this.d.db, this.d.audit, { v, prevRoot, rel, source, actor, now, tsSha, files });
    this.prune(v.name);
    this.d.events?.emit('bundles.progress', { opId, phase: 'done', file: null, bytesDone: v.bytesTotal, bytesTotal: v.bytesTotal, etaSeconds: 0 });
    this.notify({ name: v.name, change: 'installed' });
    return {
      bundle: this.view(this.row(id)!),
      activated: true,
      rootRotatedTo: v.newRoots.length ? v.root.signed.version : null,
      durationMs: v.durationMs + (performance.now() - started),
    };
  }

  /** Keep the active version and the `keepPrevious` newest others; delete older directories and rows. */
  private prune(name: string): void {
    const keep = this.d.keepPrevious ?? 2;
    const active = this.activeId(name);
    const rows = this.d.db.prepare('SELECT id, dir FROM bundle_installs WHERE name = ? ORDER BY id DESC').all(name) as { id: number; dir: string }[];
    const others = rows.filter((r) => r.id !== active);
    for (const r of others.slice(keep)) {
      this.d.db.transaction(() => {
        this.d.db.prepare('DELETE FROM bundle_files WHERE install_id = ?').run(r.id);
        this.d.db.prepare('DELETE FROM bundle_installs WHERE id = ?').run(r.id);
      })();
      rmSync(join(this.root, r.dir), { recursive: true, force: true });
    }
  }

  // ---- active versions ----

  private row(id: number): InstallRow | undefined {
    return this.d.db.prepare('SELECT * FROM bundle_installs WHERE id = ?').get(id) as InstallRow | undefined;
  }

  private activeId(name: string): number | null {
    return (this.d.db.prepare('SELECT install_id FROM bundle_active WHERE name = ?').pluck().get(name) as number | undefined) ?? null;
  }

  private fileRows(id: number): FileRow[] {
    return this.d.db.prepare('SELECT path, length, sha256, mtime_ms, ino FROM bundle_files WHERE install_id = ? ORDER BY path').all(id) as FileRow[];
  }

  private setActive(name: string, id: number, actor: string, reason: string): void {
    this.d.db.transaction(() => {
      this.d.db
        .prepare('INSERT INTO bundle_active (name, install_id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET install_id = excluded.install_id')
        .run(name, id);
      this.d.audit.append({ actor, action: 'bundle.activated', subject: name, payload: { installId: id, version: this.row(id)?.version ?? null, reason } });
    })();
    this.notify({ name, change: 'activated' });
  }

  active(name: string): ActiveBundle | null {
    const id = this.activeId(name);
    if (id === null) return null;
    const row = this.row(id);
    if (!row || row.quarantined_at) return null;
    return this.handle(row);
  }

  activeOfKind(kind: BundleKind): ActiveBundle[] {
    const ids = this.d.db
      .prepare(
        'SELECT a.install_id FROM bundle_active a JOIN bundle_installs i ON i.id = a.install_id WHERE i.kind = ? AND i.quarantined_at IS NULL ORDER BY a.name',
      )
      .pluck()
      .all(kind) as number[];
    return ids.map((id) => this.handle(this.row(id)!));
  }

  verifiedModels(role?: ModelInfo['role']): VerifiedModel[] {
    return verifiedModels(this, role);
  }

  private handle(row: InstallRow): ActiveBundle {
    return activeHandle(row, this.fileRows(row.id), join(this.root, row.dir), (id, reason, path) => this.quarantine(id, reason, path));
  }

  // ---- checks ----

  startupCheck(): { files: number; durationMs: number; mismatches: number } {
    const t0 = performance.now();
    let files = 0;
    let mismatches = 0;
    const bad: { id: number; reason: TamperReason; path: string }[] = [];
    for (const { id, dir, files: rows } of this.watched()) {
      for (const f of rows) {
        files++;
        const reason = fastCheckFile(dir, f);
        if (reason) {
          mismatches++;
          bad.push({ id, reason, path: f.path });
          break;
        }
      }
    }
    const durationMs = performance.now() - t0;
    for (const b of bad) this.quarantine(b.id, b.reason, b.path);
    this.d.db
      .prepare(
        'INSERT INTO bundle_checks (id, at, files, duration_ms, mismatches) VALUES (1, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at, files = excluded.files, duration_ms = excluded.duration_ms, mismatches = excluded.mismatches',
      )
      .run(this.d.clock.now().toISOString(), files, durationMs, mismatches);
    return { files, durationMs, mismatches };
  }

  async verifyInstalled(id?: number, opts: { opId?: string } = {}): Promise<VerifyResult[]> {
    const rows = (
      id === undefined
        ? this.d.db.prepare('SELECT * FROM bundle_installs WHERE quarantined_at IS NULL ORDER BY name, id').all()
        : [this.row(id)].filter(Boolean)
    ) as InstallRow[];
    if (id !== undefined && rows.length === 0) throw new BundleError('BUNDLE_MISSING_FILE', `No installed bundle version ${id}`);
    const out: VerifyResult[] = [];
    // Progress over every byte to re-hash (bytes, ETA), like an install.
    const opId = opts.opId ?? newId('vop');
    const total = rows.reduce((n, r) => n + (r.quarantined_at ? 0 : r.bytes), 0);
    const started = performance.now();
    let done = 0;
    let last = 0;
    const emit = (phase: BundleProgress['phase'], file: string | null, force = false) => {
      const t = performance.now();
      if (!force && t - last < 100) return;
      last = t;
      const elapsed = (t - started) / 1000;
      const eta = done > 0 && elapsed > 0.05 ? Math.round((((total - done) * elapsed) / done) * 10) / 10 : null;
      this.d.events?.emit('bundles.progress', { opId, phase, file, bytesDone: done, bytesTotal: total, etaSeconds: phase === 'done' ? 0 : eta });
    };
    emit('files', null, true);
    for (const row of rows) {
      const t0 = performance.now();
      const r = row.quarantined_at
        ? { refusal: { code: 'BUNDLE_TAMPERED' as const, message: quarantineText(row), path: row.quarantine_path }, files: 0, bytes: 0 }
        : await rehashInstall(this.root, row, this.fileRows(row.id), (file, n) => {
            done += n;
            emit('files', `${row.name}/${file}`);
          });
      if (r.refusal && !row.quarantined_at && 'why' in r.refusal) this.quarantine(row.id, r.refusal.why, r.refusal.path);
      else if (!r.refusal) {
        this.d.db.prepare('UPDATE bundle_installs SET verified_at = ? WHERE id = ?').run(this.d.clock.now().toISOString(), row.id);
        this.notify({ name: row.name, change: 'verified' });
      }
      out.push({
        ok: !r.refusal,
        checkedFiles: r.files,
        bytes: r.bytes,
        durationMs: performance.now() - t0,
        // The view's refusal: code, developer text, file and the words; the tamper detail (`why`) went to quarantine().
        refusal: r.refusal && {
          code: r.refusal.code,
          message: r.refusal.message,
          path: r.refusal.path,
          reason: refusalMessage(r.refusal.code, { path: r.refusal.path }),
        },
        bundle: this.view(this.row(row.id)!),
      });
    }
    emit('done', null, true);
    return out;
  }

  async activate(id: number, reason: string, actor: string): Promise<InstallResult> {
    const t0 = performance.now();
    const row = this.row(id);
    if (!row) throw new BundleError('BUNDLE_MISSING_FILE', `No installed bundle version ${id}`);
    if (row.quarantined_at) throw new BundleError('BUNDLE_TAMPERED', `${row.name} ${row.version} is quarantined: ${quarantineText(row)}`);
    const [r] = await this.verifyInstalled(id);
    if (!r!.ok)
      throw new BundleError('BUNDLE_TAMPERED', `${row.name} ${row.version} failed its re-hash and is now quarantined: ${r!.refusal?.message ?? ''}`, {
        path: r!.refusal?.path ?? undefined,
      });
    const activated = this.activeId(row.name) !== id;
    if (activated) this.setActive(row.name, id, actor, reason);
    return { bundle: this.view(this.row(id)!), activated, rootRotatedTo: null, durationMs: performance.now() - t0 };
  }

  /**
   * A verified file changed at rest: quarantine the version, write a decision card, an audit entry
   * and an alert, and fall back to the newest other version that passes the fast check.
   */
  quarantine(id: number, reason: TamperReason, path: string | null): void {
    const row = this.row(id);
    if (!row || row.quarantined_at) return;
    const now = this.d.clock.now().toISOString();
    const wasActive = this.activeId(row.name) === id;
    let fallback: InstallRow | null = null;
    if (wasActive) {
      const candidates = this.d.db
        .prepare('SELECT * FROM bundle_installs WHERE name = ? AND id != ? AND quarantined_at IS NULL ORDER BY id DESC')
        .all(row.name, id) as InstallRow[];
      fallback = candidates.find((c) => this.fileRows(c.id).every((f) => fastCheckFile(join(this.root, c.dir), f) === null)) ?? null;
    }
    this.d.db.transaction(() => {
      this.d.db
        .prepare('UPDATE bundle_installs SET quarantined_at = ?, quarantine_reason = ?, quarantine_path = ? WHERE id = ?')
        .run(now, encodeStoredError(reason.message), path, id);
      if (wasActive) {
        if (fallback) this.d.db.prepare('UPDATE bundle_active SET install_id = ? WHERE name = ?').run(fallback.id, row.name);
        else this.d.db.prepare('DELETE FROM bundle_active WHERE name = ?').run(row.name);
      }
      this.d.audit.append({
        actor: ACTOR,
        action: 'bundle.quarantined',
        subject: row.name,
        payload: {
          installId: id,
          version: row.version,
          reason: reason.message,
          path,
          fallback: fallback ? { installId: fallback.id, version: fallback.version } : null,
        },
      });
      this.d.cards?.record(quarantineCard(row, reason.text, path, fallback), ACTOR);
    })();
    this.d.alert?.('BUNDLE_TAMPERED', quarantinedAlert(row, fallback, reason.message), row.name);
    this.d.logger.error('bundle quarantined', { code: 'BUNDLE_TAMPERED', bundle: row.name, version: row.version, path, fallback: fallback?.version ?? null });
    this.notify({ name: row.name, change: 'quarantined' });
  }

  // ---- schedule ----

  /** Active, unquarantined versions and their files: what the tamper watch checks. */
  watched(): WatchedInstall[] {
    return activeInstalls(this.d.db).map((row) => ({ id: row.id, dir: join(this.root, row.dir), files: this.fileRows(row.id) }));
  }

  readonly tamperWatch: TamperWatch; // folder watches + rolling re-hash, started by startSchedule

  startSchedule(): void {
    if (this.timer) return;
    this.tamperWatch.start();
    const due = () => {
      const oldest = this.d.db.prepare('SELECT MIN(verified_at) FROM bundle_installs WHERE quarantined_at IS NULL').pluck().get() as string | null;
      return oldest !== null && this.d.clock.now().getTime() - Date.parse(oldest) >= this.reverifyMs;
    };
    const tick = () => {
      if (due())
        void this.verifyInstalled().catch((e: unknown) =>
          this.d.logger.error('scheduled bundle re-hash failed', { code: 'BUNDLE_REVERIFY_FAILED', err: (e as Error).message }),
        );
    };
    // Check soon after start (a laptop that was off past its schedule catches up), then hourly.
    this.timer = setInterval(tick, Math.min(this.reverifyMs, 3_600_000));
    this.timer.unref();
    setTimeout(tick, 5_000).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tamperWatch.stop();
  }

  subscribe(l: (c: BundleChange) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private notify(c: BundleChange): void {
    this.d.events?.emit('bundles.changed', c);
    for (const l of this.listeners) {
      try {
        l(c);
      } catch (e) {
        this.d.logger.error('bundle listener failed', { code: 'BUNDLE_LISTENER_FAILED', err: (e as Error).message });
      }
    }
  }

  installedVersions(): Record<string, string> {
    const rows = this.d.db.prepare('SELECT i.name, i.version FROM bundle_active a JOIN bundle_installs i ON i.id = a.install_id').all() as {
      name: string;
      version: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.version]));
  }

  // ---- report ----

  view(row: InstallRow): BundleVersionView {
    return versionView(row, this.d.clock.now().getTime(), this.reverifyMs, this.activeId(row.name) === row.id);
  }

  report(): SealedStateReport {
    const root = this.trustedRoot();
    const rows = this.d.db.prepare('SELECT * FROM bundle_installs ORDER BY name, id DESC').all() as InstallRow[];
    const check = this.d.db.prepare('SELECT at, files, duration_ms AS durationMs, mismatches FROM bundle_checks WHERE id = 1').get() as
      SealedStateReport['lastStartupCheck'] | undefined;
    return {
      root: rootSummary(root),
      bundles: rows.map((r) => this.view(r)),
      referenceTime: this.d.clock.now().toISOString(),
      reverifyEveryHours: this.reverifyMs / 3_600_000,
      lastStartupCheck: check ?? null,
    };
  }
}
