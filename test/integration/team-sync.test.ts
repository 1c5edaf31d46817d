// Team sync end to end (issue 9): a field device, a reviewer and an admin against one real server
// process. The admin creates the tenant key and wraps it per device; the field device's RED step
// waits offline; the reviewer pulls, approves on its own machine; the field device pulls, verifies and
// resumes. Forged approvals are refused and the run keeps waiting. The server's storage holds no
// plaintext of any payload, card or key. A pull killed mid-way leaves cursor and items in step.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { sealServerBundles } from '../../src/main/features/bundles/testing';
import { DEFAULT_RESOURCES_DIR } from '../../src/main/app/services';
import { join } from 'node:path';
import type { Services } from '../../src/main/app/services';
import { tempDir, unlockedVault } from '../../src/main/platform/test-utils';
import { createServices } from '../../src/main/app/services';
import { signApproval } from '../../src/main/features/team/approvals';
import { TEAM_CONTRACTS, type ApprovalStatement, type ChangesResponse, type SignedApproval, type SignedCertificate } from '../../src/shared/team/protocol';
import { report } from '../../src/main/features/runs/test-helpers';
import { newUlid } from '../../src/main/platform/util/ulid';
import { enrolled, handOutKeys, teamServer, type TeamServer } from './team-helpers';
import { execFileSync } from 'node:child_process';
import { createDispatcher } from '../../src/main/app/dispatch';
import type { TeamCardView, TeamPage, TeamRunView } from '../../src/shared/team/views';
import { serverEnv } from './server-process';

const REPORT_WF = 'site-inspection-report@1.0.0';
const SITE = 'field.inspect.site@1.2.0';
const CANARY = 'CANARY-7f3e9b-pump-station';

const devices: Services[] = [];
const servers: TeamServer[] = [];
afterAll(async () => {
  devices.forEach((d) => d.close());
  await Promise.all(servers.map((s) => s.srv.stop()));
});

async function team() {
  const t = await teamServer();
  servers.push(t);
  const admin = await enrolled(t, 'Dana Admin', 'dana@acme', 'admin');
  const field = await enrolled(t, 'Ada Field', 'ada@acme', 'field');
  const reviewer = await enrolled(t, 'Rita Reviewer', 'rita@acme', 'reviewer');
  devices.push(admin, field, reviewer);
  await handOutKeys(admin);
  await field.team.pull();
  await reviewer.team.pull();
  return { t, admin, field, reviewer };
}

const runStatus = (s: Services, id: string) => s.runs.get(id).status;

async function waitingRun(field: Services, over: Record<string, unknown> = {}) {
  const run = await field.runs.start({ workflow: REPORT_WF, input: report({ conclusion: 'unsafe', ...over }) });
  expect(run.status).toBe('awaiting_approval');
  const card = field.db.prepare('SELECT awaiting_card FROM runs WHERE id = ?').pluck().get(run.id) as string;
  return { runId: run.id, cardId: card };
}

function certOf(s: Services): SignedCertificate {
  const id = s.sync.config()!.deviceId;
  return JSON.parse(s.db.prepare('SELECT cert FROM team_certs WHERE device = ? ORDER BY version DESC LIMIT 1').pluck().get(id) as string) as SignedCertificate;
}

/** Queue a hand-made approval item on `sender` (what a compromised or buggy reviewer could send). */
function queueForged(sender: Services, sa: SignedApproval, subject = sa.statement.cardId): void {
  const cfg = sender.sync.config()!;
  sender.outbox.enqueueShare(
    'approval',
    newUlid(),
    TEAM_CONTRACTS.approval,
    { tenant: cfg.tenant, deviceId: sender.profile.require().deviceId },
    new Date().toISOString(),
    {
      subject,
      to: sa.statement.runDevice,
      payload: JSON.stringify(sa),
    },
  );
}

function serverBytes(t: TeamServer): Buffer {
  return Buffer.concat(
    ['server.db', 'server.db-wal', 'server.db-shm']
      .map((f) => join(t.dir, f))
      .filter(existsSync)
      .map((p) => readFileSync(p)),
  );
}

// Each case runs three devices and a server process: 10–20 s alone, more on a loaded 2-core CI machine.
describe('team sync: field, reviewer and admin devices against one server', { timeout: 90_000 }, () => {
  it('a RED step waits offline, the reviewer approves on another machine, the field run resumes and finishes; all three views agree; the server holds no plaintext', async () => {
    const { t, admin, field, reviewer } = await team();
    // Every device holds tenant key version 1; only the admin created it.
    for (const s of [admin, field, reviewer]) expect(s.team.status().keys.versions).toEqual([1]);
    expect(admin.db.prepare('SELECT source FROM tenant_keys WHERE version = 1').pluck().get()).toBe('created');
    expect(field.db.prepare('SELECT source FROM tenant_keys WHERE version = 1').pluck().get()).toBe('unwrapped');

    // Offline work on the field device: a capture and a run that stops at its RED step.
    field.capture.submit({
      contract: SITE,
      data: { siteId: 'PS-7', inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'poor', inspector: { name: 'Ada' }, notes: CANARY },
    });
    const { runId, cardId } = await waitingRun(field, { summary: `Cracked vessel. ${CANARY}` });

    // Later the field device syncs: the run, its cards and the capture go out, sealed.
    await field.sync.syncNow();
    expect(field.outbox.counts().queued).toBe(0);

    // The reviewer pulls: it sees the run waiting on the field device, named, with its card, through the
    // same channels as its own runs and cards with scope 'tenant'.
    await reviewer.team.pull();
    const api = createDispatcher(reviewer);
    const tenantRuns = await api('runs.list', { scope: 'tenant' });
    expect(tenantRuns).toMatchObject({ ok: true, data: { scope: 'tenant' } });
    const rr = (tenantRuns.ok ? (tenantRuns.data as TeamPage<TeamRunView>).items : []).find((r) => r.run.id === runId)!;
    expect(rr).toMatchObject({ device: field.sync.config()!.deviceId, user: 'ada@acme', local: false, awaitingCard: cardId });
    expect(rr.run.status).toBe('awaiting_approval');
    const waiting = await api('cards.list', { scope: 'tenant', status: 'awaiting_approval' });
    expect(waiting.ok && (waiting.data as TeamPage<TeamCardView>).items.map((c) => c.card.id)).toContain(cardId);
    expect(reviewer.team.cards({}).asOf).not.toBeNull();
    // This device's own list (the default scope) does not hold another device's card.
    const own = await api('cards.list', {});
    expect(own).toMatchObject({ ok: true, data: { scope: 'device' } });
    expect(own.ok && (own.data as { cards: { id: string }[] }).cards.map((c) => c.id)).not.toContain(cardId);
    // The capture arrived too, decrypted on the reviewer's device (and only there: see the scan below).
    expect(reviewer.team.records({}).items.find((r) => JSON.stringify(r.data).includes(CANARY))).toMatchObject({
      kind: 'record',
      contract: SITE,
      user: 'ada@acme',
    });

    // The reviewer approves on its own machine (runs.decide, scope 'tenant'): signed, encrypted, sent, accepted.
    const decided = await api('runs.decide', {
      scope: 'tenant',
      device: rr.device,
      runId,
      cardId,
      decision: 'approve',
      comment: `Vessel isolated, go ahead ${CANARY}`,
      confirm: true,
    });
    expect(decided).toMatchObject({ ok: true, data: { scope: 'tenant', state: 'queued' } });
    const { approvalId } = (decided.ok ? decided.data : {}) as { approvalId: string };
    await reviewer.sync.syncNow();
    expect(reviewer.db.prepare('SELECT state FROM team_decisions WHERE approval_id = ?').pluck().get(approvalId)).toBe('accepted');

    // The field device pulls, verifies and resumes: the run finishes.
    await field.team.pull();
    await field.runs.idle();
    expect(runStatus(field, runId)).toBe('succeeded');
    const approval = field.runs.cards.get(cardId).approval;
    expect(approval).toMatchObject({
      state: 'approved',
      by: 'rita@acme',
      via: { device: reviewer.sync.config()!.deviceId, certVersion: certOf(reviewer).cert.certVersion, approvalId },
    });

    // Field syncs its new state; reviewer and admin pull: all three agree.
    await field.sync.syncNow();
    await reviewer.team.pull();
    await admin.team.pull();
    for (const s of [reviewer, admin]) {
      const got = await createDispatcher(s)('runs.get', { scope: 'tenant', device: field.sync.config()!.deviceId, runId });
      expect(got).toMatchObject({ ok: true, data: { scope: 'tenant' } });
      const view = (got.ok ? got.data : null) as { run: TeamRunView; cards: TeamCardView[] };
      expect(view.run.run.status).toBe('succeeded');
      expect(view.cards.find((c) => c.card.id === cardId)?.card.approval).toMatchObject({ state: 'approved', by: 'rita@acme' });
    }
    expect(reviewer.team.runsPage({}).items.find((r) => r.run.id === runId)?.decision?.state).toBe('applied');
    expect(field.team.run(field.sync.config()!.deviceId, runId).run.run.status).toBe('succeeded');

    // A second reviewer decision on the same card: the server lets the first one win.
    const late = await enrolled(t, 'Rex Reviewer', 'rex@acme', 'reviewer');
    devices.push(late);
    await handOutKeys(admin);
    await late.team.pull();
    late.db.prepare("UPDATE team_runs SET status = 'awaiting_approval', awaiting_card = ? WHERE run_id = ?").run(cardId, runId);
    const lateDecision = await late.team.decideRemote({ device: rr.device, runId, cardId, decision: 'rejected', comment: 'no' });
    await late.sync.syncNow();
    const lost = late.db.prepare('SELECT state, message FROM team_decisions WHERE approval_id = ?').get(lateDecision.approvalId) as {
      state: string;
      message: string;
    };
    expect(lost.state).toBe('conflict');
    expect(lost.message).toMatch(/rita@acme/);
    // Settled, not a dead letter (which would raise the device's risk).
    expect(late.outbox.counts()).toMatchObject({ dead: 0, queued: 0 });
    expect(late.outbox.list({ state: 'discarded', limit: 5 }).map((i) => i.kind)).toEqual(['approval']);

    // Nothing the server stores is readable: no payload, card, comment or key in any of its files.
    const bytes = serverBytes(t);
    expect(bytes.includes(Buffer.from(CANARY))).toBe(false);
    expect(bytes.includes(Buffer.from('Cracked vessel'))).toBe(false);
    expect(bytes.includes(Buffer.from(cardId.slice(5)))).toBe(true); // sanity: ids are metadata and visible
    for (const s of [admin, field, reviewer]) {
      const key = await s.tenantKeys.get('acme', 1);
      expect(bytes.includes(key)).toBe(false);
      expect(bytes.includes(Buffer.from(key.toString('base64')))).toBe(false);
    }
  });

  it('forged approvals are refused with their reason and the run keeps waiting', async () => {
    const { t, admin, field, reviewer } = await team();
    const fieldId = field.sync.config()!.deviceId;
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await waitingRun(field, { reportId: `RPT-2026-10${i}` }));
    await field.sync.syncNow();
    await reviewer.team.pull();
    const rCert = certOf(reviewer);
    const stmt = (r: { runId: string; cardId: string }, over: Partial<ApprovalStatement> = {}): ApprovalStatement => ({
      type: 'maestro.approval.v1',
      approvalId: newUlid(),
      tenant: 'acme',
      runId: r.runId,
      cardId: r.cardId,
      runDevice: fieldId,
      decision: 'approved',
      comment: 'Checked with the site lead, proceed',
      by: { user: 'rita@acme', device: rCert.cert.device, certVersion: rCert.cert.certVersion, role: 'reviewer' },
      at: new Date().toISOString(),
      ...over,
    });

    // 1. signed with a key that is not the one in the reviewer's certificate
    queueForged(reviewer, signApproval(stmt(runs[0]!), generateKeyPairSync('ed25519').privateKey, rCert));
    // 2. signed by a reviewer device whose certificate was then revoked
    const gone = await enrolled(t, 'Gus Reviewer', 'gus@acme', 'reviewer');
    devices.push(gone);
    const goneCert = certOf(gone);
    const goneKey = (await gone.secrets()).get(`device-signing-key:${goneCert.cert.device}`);
    const { createPrivateKey } = await import('node:crypto');
    const goneSigned = signApproval(
      stmt(runs[1]!, { by: { user: 'gus@acme', device: goneCert.cert.device, certVersion: goneCert.cert.certVersion, role: 'reviewer' } }),
      createPrivateKey((await goneKey)!),
      goneCert,
    );
    execFileSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', 'revoke-device', '--device', goneCert.cert.device, '--reason', 'laptop stolen'], {
      env: serverEnv(t.dir, t.port),
      encoding: 'utf8',
    });
    queueForged(reviewer, goneSigned);
    // 3. a field device's own certificate (field role); the server also refuses it from the field device itself
    const other = await enrolled(t, 'Fay Field', 'fay@acme', 'field');
    devices.push(other);
    await handOutKeys(admin);
    await other.sync.syncNow();
    const oCert = certOf(other);
    const oKey = createPrivateKey((await (await other.secrets()).get(`device-signing-key:${oCert.cert.device}`))!);
    const fieldSigned = signApproval(
      stmt(runs[2]!, { by: { user: 'fay@acme', device: oCert.cert.device, certVersion: oCert.cert.certVersion, role: 'reviewer' } }),
      oKey,
      oCert,
    );
    queueForged(reviewer, fieldSigned);
    queueForged(other, fieldSigned, `${runs[2]!.cardId}-direct`);
    await other.sync.syncNow();
    expect(
      other.outbox
        .list({ state: 'dead', limit: 5 })
        .map((i) => (typeof i.lastError === 'string' ? i.lastError : i.lastError?.code))
        .join(' '),
    ).toMatch(/errors\.FORBIDDEN\./);
    // 4. a genuine signature over another card than the run waits on
    const rKey = createPrivateKey((await (await reviewer.secrets()).get(`device-signing-key:${rCert.cert.device}`))!);
    queueForged(reviewer, signApproval(stmt(runs[3]!, { cardId: runs[4]!.cardId }), rKey, rCert), `${runs[3]!.cardId}`);
    // 5. a genuine approval of run 4 … replayed for the same card after it was applied
    const genuine = signApproval(stmt(runs[4]!), rKey, rCert);
    queueForged(reviewer, genuine);
    await reviewer.sync.syncNow();
    await field.team.pull();
    await field.runs.idle();
    expect(runStatus(field, runs[4]!.runId)).toBe('succeeded');
    queueForged(reviewer, genuine, `${runs[4]!.cardId}-again`);
    await reviewer.sync.syncNow();
    await field.team.pull();

    const codes = field.team
      .refusals(20)
      .filter((r) => r.kind === 'approval')
      .map((r) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['APPROVAL_BAD_SIGNATURE', 'CERT_REVOKED', 'ROLE_NOT_ALLOWED', 'APPROVAL_WRONG_CARD', 'APPROVAL_REPLAY']));
    for (const r of runs.slice(0, 4)) expect(runStatus(field, r.runId)).toBe('awaiting_approval');
    // Refusals are alerts and audit entries, and the pull went on (it is not stopped).
    expect(field.team.status().pull.stopped).toBeNull();
    expect(field.audit.list({ action: 'team.approval_refused', limit: 50 }).entries.length).toBeGreaterThanOrEqual(5);
  });

  it('revocation and rotation: the revoked reviewer cannot pull and never gets the new key version; active devices do and seal under it', async () => {
    const { t, admin, field, reviewer } = await team();
    const rId = reviewer.sync.config()!.deviceId;
    execFileSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', 'revoke-device', '--device', rId, '--reason', 'laptop lost'], {
      env: serverEnv(t.dir, t.port),
      encoding: 'utf8',
    });
    const rotated = await admin.team.rotate();
    expect(rotated.version).toBe(2);
    await field.team.pull();
    expect(field.team.status().keys.versions).toEqual([1, 2]);
    // The field device learnt of the revocation (a new certificate version on the pull).
    expect(field.team.peers().find((p) => p.device === rId)).toMatchObject({ status: 'revoked', certVersion: 2 });
    // New items use version 2.
    field.capture.submit({
      contract: SITE,
      data: { siteId: 'PS-99', inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } },
    });
    await field.sync.syncNow();
    expect(field.db.prepare("SELECT key_version FROM outbox WHERE kind = 'record' ORDER BY id DESC LIMIT 1").pluck().get()).toBe(2);
    // The revoked device: refused by the server, and it holds no version 2.
    await reviewer.team.pull();
    expect(reviewer.team.status().keys.versions).toEqual([1]);
    expect(reviewer.db.prepare('SELECT count(*) FROM team_records').pluck().get()).toBe(0);
    // An admin device of the tenant sees the device events.
    await admin.team.pull();
    expect(admin.db.prepare('SELECT type FROM team_events WHERE device = ?').pluck().all(rId)).toEqual(expect.arrayContaining(['enrolled', 'revoked']));
  });

  it('a newer signed policy the server offers reaches a field device on its pull, verified, and is in force', async () => {
    const policyDir = join(tempDir('maestro-pol-'), 'policy');
    cpSync(join(DEFAULT_RESOURCES_DIR, 'policy'), policyDir, { recursive: true });
    const file = join(policyDir, 'policy.yaml');
    const current = /^version:\s*"?([0-9.]+)"?/m.exec(readFileSync(file, 'utf8'))![1]!;
    const [y, m, p] = current.split('.').map(Number);
    const next = `${y}.${m}.${p! + 7}`;
    writeFileSync(file, readFileSync(file, 'utf8').replace(current, next));
    const bundlesDir = await sealServerBundles({ outDir: join(tempDir('maestro-srvb-'), 'bundles'), policyDir });
    const t = await teamServer({ MAESTRO_SERVER_BUNDLES_DIR: bundlesDir });
    servers.push(t);
    const field = await enrolled(t, 'Ada Field', 'ada@acme', 'field');
    devices.push(field);
    expect(field.policy.version()).toBe(next);
    expect(field.bundles.active('maestro.policy')?.info.version).toBe(next);
    expect(field.audit.list({ action: 'bundle.installed', limit: 20 }).entries.some((e) => JSON.stringify(e.payload).includes(next))).toBe(true);
  });

  it('a gap, a bad receipt and an undecryptable item each stop the pull with an alert, and it stays stopped until skipped with a reason', async () => {
    const { t, admin, field } = await team();
    // A reviewer whose network path can be made to misbehave.
    let mode: 'ok' | 'gap' | 'receipt' = 'ok';
    const tamper: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (mode === 'ok' || !String(input).includes('/v1/sync/changes')) return res;
      const body = (await res.json()) as ChangesResponse;
      if (mode === 'gap') body.since += 3;
      if (mode === 'receipt' && body.items[0]?.item) body.items[0].item.receipt.signature = Buffer.alloc(64, 7).toString('base64');
      return new Response(JSON.stringify(body), { status: res.status, headers: { 'content-type': 'application/json' } });
    };
    const dataDir = tempDir('maestro-rev-');
    const r = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir), fetch: tamper });
    devices.push(r);
    r.profile.setup({ name: 'Rita Reviewer', tenant: 'acme' });
    await r.sync.enroll(t.srv.url, t.token('rita@acme', 'reviewer'));
    await r.sync.syncNow();
    await handOutKeys(admin);
    const capture = (n: number) =>
      field.capture.submit({
        contract: SITE,
        data: { siteId: `PS-${n}`, inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } },
      });
    const stoppedWith = async (code: string) => {
      const st = r.team.status();
      expect(st.pull.stopped?.code).toBe(code);
      expect((await r.sync.status()).alerts.map((a) => a.code)).toContain(code);
      // Pulling again does not move past it.
      mode = 'ok';
      const cursor = st.pull.cursor;
      await r.team.pull();
      expect(r.team.status().pull).toMatchObject({ cursor, stopped: { code } });
      r.team.skip(st.pull.stopped!.seq, `checked with the server operator (${code})`);
      expect(r.audit.list({ action: 'team.item_skipped', limit: 10 }).entries.map((e) => (e.payload as { code: string }).code)).toContain(code);
      expect(r.team.status().pull.stopped).toBeNull();
    };

    await r.team.pull();
    capture(1);
    await field.sync.syncNow();
    mode = 'gap';
    await r.team.pull();
    await stoppedWith('PULL_GAP');

    capture(2);
    await field.sync.syncNow();
    mode = 'receipt';
    await r.team.pull();
    await stoppedWith('PULL_RECEIPT_INVALID');

    // A device whose copy of the tenant key is corrupt seals items nobody can open.
    (field.tenantKeys as unknown as { cache: Map<string, Buffer> }).cache.set('tenant-key:acme:v1', randomBytes(32));
    capture(3);
    await field.sync.syncNow();
    await r.team.pull();
    await stoppedWith('PULL_DECRYPT_FAILED');
    expect(r.audit.list({ action: 'team.pull_stopped', limit: 10 }).entries).toHaveLength(3);
  });

  it('a pull killed mid-way: after restart cursor and applied items agree and nothing is applied twice', async () => {
    const t = await teamServer();
    servers.push(t);
    const admin = await enrolled(t, 'Dana Admin', 'dana@acme', 'admin');
    const field = await enrolled(t, 'Ada Field', 'ada@acme', 'field');
    const dataDir = tempDir('maestro-rev-');
    const reviewer = await enrolled(t, 'Rita Reviewer', 'rita@acme', 'reviewer', dataDir);
    devices.push(admin, field);
    await handOutKeys(admin);
    await reviewer.team.pull();
    reviewer.close();
    const N = 1600;
    for (let i = 0; i < N; i++)
      field.capture.submit({
        contract: SITE,
        data: { siteId: `PS-${i}`, inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } },
      });
    await field.sync.syncNow();
    expect(field.outbox.counts().acked).toBeGreaterThanOrEqual(N);

    // The reviewer pulls in a child process that is killed after its first page commits.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/team-pull-child.ts'], {
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child did not report a page: ${out}`)), 60_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (/page \d+/.test(out)) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => resolve());
    });
    await new Promise((r) => child.once('exit', r));

    const again = await enrolled_reopen(dataDir);
    const check = () => {
      const st = again.db.prepare('SELECT cursor, applied FROM team_state').get() as { cursor: number; applied: number };
      const beyond = again.db.prepare('SELECT count(*) FROM team_records WHERE seq > ?').pluck().get(st.cursor) as number;
      const rows = again.db.prepare('SELECT count(*) FROM team_records').pluck().get() as number;
      return { st, beyond, rows };
    };
    const mid = check();
    expect(mid.beyond).toBe(0);
    expect(mid.rows).toBeLessThan(N);
    expect(mid.rows).toBeGreaterThan(0);
    await again.team.pull();
    const end = check();
    expect(end.rows).toBe(N);
    expect(end.beyond).toBe(0);
    expect(new Set(again.db.prepare('SELECT item_id FROM team_records').pluck().all()).size).toBe(N);
  });
});

async function enrolled_reopen(dataDir: string): Promise<Services> {
  const { teamDevice } = await import('./team-helpers');
  const s = await teamDevice('Rita Reviewer', 'acme', dataDir);
  devices.push(s);
  return s;
}
