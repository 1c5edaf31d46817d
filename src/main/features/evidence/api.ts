// artifacts.*, release.*, evidence.* handlers (channels: src/shared/api/evidence.ts).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HandlersFor } from '../../../shared/api/channel';
import type { evidenceChannels } from '../../../shared/api/evidence';
import type { AuditService } from '../../platform/audit/index';
import type { EventBus } from '../../platform/events';
import type { Clock } from '../../platform/util/clock';
import type { EvidenceService } from './index';
import { exportPack } from './pack/export';
import { formatReport, verifyPack } from './pack/verify';

export interface EvidenceApiDeps {
  evidence: EvidenceService;
  /** What the disclosure pack is collected from. */
  pack: Parameters<typeof exportPack>[0];
  /** Packs are written to <dataDir>/exports. */
  dataDir: string;
  clock: Clock;
  events: EventBus;
  audit: Pick<AuditService, 'append'>;
  /** Who acts: the local profile. */
  profile: { actor(): string };
}

export function evidenceApi(d: EvidenceApiDeps): HandlersFor<typeof evidenceChannels> {
  return {
    'evidence.exportPack': async (input) => {
      const dir = join(d.dataDir, 'exports');
      mkdirSync(dir, { recursive: true });
      const opId = input.opId ?? `pack-${Date.now()}`;
      const out = join(dir, `pack-${input.runId}-${d.clock.now().toISOString().replace(/[:.]/g, '-')}.tgz`);
      const r = await exportPack(d.pack, input.runId, {
        out,
        includePii: input.includePii ?? false,
        onProgress: (p) => d.events.emit('evidence.pack.progress', { opId, ...p }),
      });
      d.events.emit('evidence.pack.progress', { opId, phase: 'done', done: r.files, total: r.files });
      d.audit.append({
        actor: d.profile.actor(),
        action: 'evidence.pack.exported',
        subject: input.runId,
        payload: { manifestSha256: r.manifestSha256, files: r.files, piiIncluded: r.piiIncluded },
      });
      return { path: r.out, files: r.files, bytes: r.bytes, manifestSha256: r.manifestSha256, piiIncluded: r.piiIncluded, countersigned: r.countersigned };
    },
    'evidence.verifyPack': async (input) => {
      const r = await verifyPack(input.path);
      return { ...r, failures: r.failures.map((f) => ({ file: f.file, code: f.code, message: f.message })), text: formatReport(r) };
    },
    'artifacts.add': (input) => {
      const { runId, ...rest } = input;
      return { artifact: d.evidence.addArtifact(runId, rest, d.profile.actor()) };
    },
    'artifacts.list': (input) => ({ artifacts: d.evidence.listArtifacts(input.runId) }),
    'release.gate': (input) => d.evidence.releaseGate(input.runId, d.profile.actor()),
    'release.report': (input) => d.evidence.complianceReport(input.runId),
  };
}
