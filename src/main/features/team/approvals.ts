// Approvals and rejections signed by a reviewer's device, checked by the field device that owns the run.
import type { KeyObject } from 'node:crypto';
import {
  APPROVER_ROLES,
  approvalSigningBytes,
  type ApprovalStatement,
  type DeviceCertificate,
  type SignedApproval,
  type SignedCertificate,
} from '../../../shared/team/protocol';
import { signedApprovalSchema } from '../../../shared/team/schemas';
import { lazyValidator } from '../../../shared/validation';
import { signBase64 } from '../../../platform/ed25519';
import { judgeSigner, refuse, signedBy, verifyCertificate, type Check, type ServerKeys } from './certs';

const validApproval = lazyValidator(signedApprovalSchema);

export function signApproval(statement: ApprovalStatement, signingKey: KeyObject, certificate: SignedCertificate): SignedApproval {
  return { statement, signature: signBase64(signingKey, approvalSigningBytes(statement)), certificate };
}

export interface ApprovalTarget {
  id: string;
  status: string;
  awaitingCard: string | null;
}

export function verifyApproval(
  sa: unknown,
  ctx: {
    serverKey: ServerKeys;
    tenant: string;
    /** this device: approvals are checked by the device that owns the run */
    device: string;
    latestCert: (device: string) => DeviceCertificate | null;
    now: Date;
    run: (runId: string) => ApprovalTarget | null;
    seen: (approvalId: string) => boolean;
  },
): Check & { statement?: ApprovalStatement } {
  if (!validApproval(sa)) return refuse('APPROVAL_MALFORMED', 'approval does not match its schema');
  const { statement: s, signature, certificate } = sa as SignedApproval;
  if (ctx.seen(s.approvalId)) return refuse('APPROVAL_REPLAY', `approval ${s.approvalId} was already applied`);
  if (s.tenant !== ctx.tenant) return refuse('APPROVAL_WRONG_TENANT', `approval ${s.approvalId} is for tenant ${s.tenant}`);
  if (s.runDevice !== ctx.device) return refuse('APPROVAL_WRONG_DEVICE', `approval ${s.approvalId} is for a run on device ${s.runDevice}`);
  const certOk = verifyCertificate(certificate, ctx.serverKey, { tenant: ctx.tenant });
  if (!certOk.ok) return certOk;
  const cert = certificate.cert;
  if (cert.device !== s.by.device || cert.certVersion !== s.by.certVersion || cert.user !== s.by.user) {
    return refuse(
      'APPROVAL_CERT_MISMATCH',
      `approval ${s.approvalId} names ${s.by.user} on ${s.by.device} v${s.by.certVersion} but carries the certificate of ${cert.user} on ${cert.device} v${cert.certVersion}`,
    );
  }
  const signer = judgeSigner(cert, ctx.latestCert(s.by.device), { at: s.at, now: ctx.now, roles: APPROVER_ROLES });
  if (!signer.ok) return signer;
  if (!cert.roles.includes(s.by.role) || !APPROVER_ROLES.includes(s.by.role))
    return refuse('ROLE_NOT_ALLOWED', `approval ${s.approvalId} claims role ${s.by.role}, which its certificate does not grant or which may not approve`);
  if (!signedBy(approvalSigningBytes(s), signature, cert.signingKey))
    return refuse('APPROVAL_BAD_SIGNATURE', `approval ${s.approvalId} is not signed by device ${cert.device}`);
  const run = ctx.run(s.runId);
  if (!run) return refuse('APPROVAL_UNKNOWN_RUN', `approval ${s.approvalId} names unknown run ${s.runId}`);
  if (run.awaitingCard !== s.cardId) return refuse('APPROVAL_WRONG_CARD', `run ${s.runId} does not wait on card ${s.cardId}`);
  if (run.status !== 'awaiting_approval') return refuse('APPROVAL_RUN_NOT_WAITING', `run ${s.runId} is ${run.status}, not awaiting approval`);
  return { ok: true, statement: s };
}
