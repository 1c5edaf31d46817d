import type { ChannelName, Req, Res } from '../../shared/api/types';
import { ApiError } from '../../shared/errors';
import type { Services } from './services';
import { MAX_ATTACHMENT_BYTES } from '../features/capture/index';
import { toRunSummaryView, toRunView } from '../features/runs/index';
import type { LoadProblem, PolicyStatus } from '../../shared/workflow/views';
import { BundleError } from '../features/bundles/errors';
import { dirReader } from '../features/bundles/verify';
import { serverBundles, serverReader } from '../features/bundles/server-source';
import { exportPack } from '../features/evidence/pack/export';
import { formatReport, verifyPack } from '../features/evidence/pack/verify';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Bundle refusals travel as BUNDLE_REFUSED with the attack code in details.refusal. */
async function bundleCall<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof BundleError) throw e.toApiError();
    throw e;
  }
}

const problemsOf = (errors: readonly { file: string; line?: number | null; reason: string }[]): LoadProblem[] =>
  errors.map((e) => ({ file: e.file, line: e.line ?? null, reason: e.reason }));

/** The active policy, invariant and workflow sets, and every file refused at the last load. */
function policyStatus(s: Services): PolicyStatus {
  return {
    version: s.policy.version(),
    invariants: s.policy.invariantCount(),
    workflows: s.runs.workflows().length,
    problems: problemsOf([...s.policy.lastErrors(), ...s.runs.loadErrors()]),
    loadedAt: s.policyLoadedAt,
  };
}

export type Handler<K extends ChannelName> = (s: Services, input: Req<K>) => Res<K> | Promise<Res<K>>;
export type Handlers = { [K in ChannelName]: Handler<K> };

/** One plain function per channel; inputs arrive already validated against the channel's schema. */
export const handlers: Handlers = {
  'system.info': (s) => s.info,
  'system.health': (s) => s.health.run(s.clock.now().toISOString()),
  'profile.get': (s) => ({ profile: s.profile.get() }),
  'profile.setup': (s, input) => ({ profile: s.profile.setup(input) }),
  'audit.append': (s, input) => {
    // The actor is always the local profile: the caller cannot name one.
    const entry = s.audit.append({
      actor: s.profile.actor(),
      action: 'note.added',
      subject: input.subject ?? '',
      payload: { note: input.note },
    });
    return { entry };
  },
  'audit.list': (s, input) => s.audit.list({ ...input, limit: input.limit ?? 100 }),
  'audit.get': (s, input) => {
    const entry = s.audit.get(input.seq);
    if (!entry) throw new ApiError('NOT_FOUND', `No audit entry with seq ${input.seq}`);
    return { entry };
  },
  'audit.facets': (s) => s.audit.facets(),
  'audit.verify': (s, input) => s.audit.verifyWithProgress(input.knownHead),
  'contracts.list': (s) => ({ contracts: s.contracts.latest() }),
  'drafts.save': (s, input) => ({ draft: s.capture.saveDraft(input) }),
  'drafts.list': (s) => ({ drafts: s.capture.listDrafts() }),
  'drafts.get': (s, input) => ({ draft: s.capture.getDraft(input.id) }),
  'drafts.delete': (s, input) => {
    s.capture.deleteDraft(input.id);
    return { deleted: true };
  },
  'attachments.put': (s, input) => {
    const bytes = Buffer.from(input.dataBase64, 'base64');
    if (bytes.length > MAX_ATTACHMENT_BYTES) throw new ApiError('VALIDATION_ERROR', `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB`);
    if (bytes.length === 0) throw new ApiError('VALIDATION_ERROR', 'Empty attachment');
    return s.capture.attachments.put(bytes, input.name, input.mime, s.clock.now().toISOString());
  },
  'attachments.get': (s, input) => {
    if (!s.capture.attachments.has(input.hash)) throw new ApiError('NOT_FOUND', `No attachment ${input.hash}`);
    const a = s.capture.attachments.read(input.hash);
    return { name: a.name, mime: a.mime, size: a.bytes.length, dataBase64: a.bytes.toString('base64') };
  },
  'capture.submit': (s, input) => s.capture.submit(input),
  'records.list': (s, input) => ({ records: s.capture.listRecords(input.limit ?? 100) }),
  'outbox.list': (s, input) => ({ items: s.outbox.list({ ...input, limit: input.limit ?? 200 }), counts: s.outbox.counts() }),
  'outbox.retry': (s, input) => ({ item: s.outbox.retry(input.id, s.profile.actor()) }),
  'outbox.discard': (s, input) => ({ item: s.outbox.discard(input.id, s.profile.actor(), input.reason) }),
  'sync.status': (s) => s.sync.status(),
  'sync.now': async (s) => {
    await s.sync.syncNow({ force: true });
    return s.sync.status();
  },
  'sync.enroll': async (s, input) => {
    await s.sync.enroll(input.serverUrl, input.token);
    // The first sync starts at once; its progress and outcome reach the UI as sync.status events.
    void s.sync.syncNow().catch((e: unknown) => s.logger.error('first sync failed', { code: 'SYNC_FAILED', err: (e as Error).message }));
    return s.sync.status();
  },
  'team.status': (s) => s.team.status(),
  'team.pull': async (s) => {
    await s.team.prepare();
    // Approvals pulled earlier and not yet applied (the pull above is skipped while the vault is locked).
    await s.team.processInbox();
    return s.team.status();
  },
  'team.skip': (s, input) => s.team.skip(input.seq, input.reason),
  'team.cards': (s, input) => s.team.cards(input),
  'team.runs': (s, input) => s.team.runsPage(input),
  'team.run': (s, input) => s.team.run(input.device, input.runId),
  'team.decide': async (s, input) => {
    const res = await s.team.decideRemote({
      device: input.device,
      runId: input.runId,
      cardId: input.cardId,
      decision: input.decision === 'approve' ? 'approved' : 'rejected',
      comment: input.comment,
    });
    // Send it now when the server answers; offline it waits in the outbox like any item.
    void s.sync.syncNow().catch(() => {});
    return res;
  },
  'team.refusals': (s, input) => ({ items: s.team.refusals(input.limit ?? 100) }),
  'team.peers': (s) => ({ items: s.team.peers() }),
  'team.records': (s, input) => s.team.records(input),
  'sync.rotateKey': async (s) => {
    // Team sync: an admin device makes a new tenant key version and wraps it for the active devices.
    const { tenant, version } = await s.team.rotate();
    s.audit.append({ actor: s.profile.actor(), action: 'keys.rotated', subject: tenant, payload: { version } });
    return { tenant, version };
  },
  'governance.status': (s) => s.governance.status(),
  'admin.devices.list': (s, input) => s.admin.listDevices(input),
  'admin.devices.get': (s, input) => s.admin.device(input.id),
  'admin.devices.act': (s, input) => s.admin.act(input.id, input.action, input.reason, s.profile.actor()),
  'admin.summary': (s) => s.admin.summary(),
  'admin.policy.get': (s) => s.admin.riskPolicy(),
  'admin.policy.set': (s, input) => s.admin.setRiskPolicy(input.policy, input.reason, s.profile.actor()),
  'workflows.list': (s) => ({ workflows: s.runs.workflows(), problems: problemsOf(s.runs.loadErrors()) }),
  'runs.start': async (s, input) => ({ run: toRunView(await s.runs.start({ workflow: input.workflow, input: input.input })) }),
  'runs.list': (s, input) => {
    const page = s.runs.list({ ...input, limit: input.limit ?? 100 });
    return { runs: page.items.map(toRunSummaryView), nextBeforeId: page.nextBeforeId };
  },
  'runs.get': (s, input) => ({ run: toRunView(s.runs.get(input.id)), cards: s.runs.cards.forRun(input.id) }),
  'runs.decide': async (s, input) => {
    const p = s.profile.require();
    const decision = input.decision === 'approve' ? 'approved' : 'rejected';
    // Enrolled: the same signed record a remote reviewer makes, applied here and sent to the server.
    const signed = p.role === 'reviewer' || p.role === 'admin' ? await s.team.localDecision(input.runId, decision, input.comment) : null;
    const run = await s.runs.decide(input.runId, {
      decision,
      comment: input.comment,
      actor: { id: p.id, role: p.role, tenant: p.tenant },
      ...(signed ? { via: signed.via, within: signed.within } : {}),
    });
    return { run: toRunView(run) };
  },
  'cards.list': (s, input) => s.runs.cards.list(input),
  'cards.get': (s, input) => ({ card: s.runs.cards.get(input.id) }),
  'cards.stats': (s, input) => s.runs.cards.stats(input.days ?? 30),
  'bundles.report': (s) => s.bundles.report(),
  'bundles.install': (s, input) =>
    bundleCall(async () => {
      const src = input.source;
      const reader = src.kind === 'path' ? dirReader(src.path) : await serverReader({ db: s.db, clock: s.clock, secrets: s.secrets, fetch: s.fetch }, src.name);
      return s.bundles.install(reader, { actor: s.profile.actor(), opId: input.opId });
    }),
  'bundles.available': async (s) => {
    const installed = s.bundles.installedVersions();
    const list = await serverBundles({ db: s.db, clock: s.clock, secrets: s.secrets, fetch: s.fetch });
    return { bundles: list.map((b) => ({ name: b.name, version: b.version, installed: installed[b.name] ?? null })) };
  },
  'bundles.verify': (s, input) => bundleCall(async () => ({ results: await s.bundles.verifyInstalled(input.id, { opId: input.opId }) })),
  'bundles.activate': (s, input) => bundleCall(() => s.bundles.activate(input.id, input.reason, s.profile.actor())),
  'updates.status': (s) => s.updates.status(),
  'updates.install': (s) => {
    if (!s.updateInstaller)
      throw new ApiError('UNAVAILABLE', 'This host cannot install updates; install the new version with the desktop app', { reason: 'web_host' });
    return s.updateInstaller.install();
  },
  'memory.search': (s, input) => s.memory.search(input),
  'memory.get': (s, input) => ({ item: s.memory.get(input.id) }),
  'memory.add': async (s, input) => ({
    item: await s.memory.add({ tier: input.tier, text: input.text, locale: input.locale, sourceRefs: input.sourceRefs ?? [], actor: s.profile.actor() }),
  }),
  'memory.pin': (s, input) => ({ item: s.memory.pin(input.id, s.profile.actor()) }),
  'memory.delete': (s, input) => s.memory.delete(input.id, input.reason, s.profile.actor()),
  'memory.stats': (s) => s.memory.stats(),
  'models.status': (s) => s.inference.status(),
  'models.reload': (s) => s.inference.reload(),
  'evidence.exportPack': async (s, input) => {
    const dir = join(s.info.dataDir, 'exports');
    mkdirSync(dir, { recursive: true });
    const opId = input.opId ?? `pack-${Date.now()}`;
    const out = join(dir, `pack-${input.runId}-${s.clock.now().toISOString().replace(/[:.]/g, '-')}.tgz`);
    const r = await exportPack(s, input.runId, {
      out,
      includePii: input.includePii ?? false,
      onProgress: (p) => s.events.emit('evidence.pack.progress', { opId, ...p }),
    });
    s.events.emit('evidence.pack.progress', { opId, phase: 'done', done: r.files, total: r.files });
    s.audit.append({
      actor: s.profile.actor(),
      action: 'evidence.pack.exported',
      subject: input.runId,
      payload: { manifestSha256: r.manifestSha256, files: r.files, piiIncluded: r.piiIncluded },
    });
    return { path: r.out, files: r.files, bytes: r.bytes, manifestSha256: r.manifestSha256, piiIncluded: r.piiIncluded, countersigned: r.countersigned };
  },
  'evidence.verifyPack': async (_s, input) => {
    const r = await verifyPack(input.path);
    return { ...r, failures: r.failures.map((f) => ({ file: f.file, code: f.code, message: f.message })), text: formatReport(r) };
  },
  'inference.abort': (s, input) => ({ aborted: s.inference.abort(input.runId) }),
  'artifacts.add': (s, input) => {
    const { runId, ...rest } = input;
    return { artifact: s.evidence.addArtifact(runId, rest, s.profile.actor()) };
  },
  'artifacts.list': (s, input) => ({ artifacts: s.evidence.listArtifacts(input.runId) }),
  'release.gate': (s, input) => s.evidence.releaseGate(input.runId, s.profile.actor()),
  'release.report': (s, input) => s.evidence.complianceReport(input.runId),
  'policy.status': (s) => policyStatus(s),
  'policy.reload': (s) => {
    const r = s.policy.reload();
    const w = s.runs.reloadWorkflows();
    s.policyLoadedAt = s.clock.now().toISOString();
    // A refused file leaves the previous set active; the user sees why in the alerts and here.
    for (const e of [...r.errors, ...w.errors]) s.sync.alert('POLICY_LOAD_FAILED', `${e.file}${e.line ? `:${e.line}` : ''}: ${e.reason}`, e.file);
    s.audit.append({
      actor: s.profile.actor(),
      action: 'policy.reloaded',
      subject: s.policy.version() ?? '',
      payload: { ok: r.ok && w.errors.length === 0, invariants: s.policy.invariantCount(), workflows: w.workflows.length },
    });
    return policyStatus(s);
  },
  'keys.unlock': async (s, input) => {
    const store = await s.secrets();
    if (store.kind !== 'vault') throw new ApiError('CONFLICT', 'This device uses the OS keychain; there is no vault to unlock');
    try {
      await store.unlock(input.passphrase);
    } catch (e) {
      throw new ApiError('FORBIDDEN', (e as Error).message);
    }
    return s.sync.status();
  },
};
