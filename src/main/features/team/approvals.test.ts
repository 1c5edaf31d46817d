import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  certificateSigningBytes,
  type ApprovalStatement,
  type DeviceCertificate,
  type SignedApproval,
  type SignedCertificate,
  type TeamRole,
} from '../../../shared/team/protocol';
import { rawPublicKeyBase64, signBase64 } from '../../../platform/ed25519';
import { signApproval, verifyApproval, type ApprovalTarget } from './approvals';

const TENANT = 'acme';
const NOW = new Date('2025-03-01T12:00:00.000Z');
const server = generateKeyPairSync('ed25519');
const reviewer = generateKeyPairSync('ed25519');

const reviewerCert: DeviceCertificate = {
  type: 'maestro.device-cert.v1',
  tenant: TENANT,
  device: 'dev-rev',
  user: 'rita',
  roles: ['reviewer'],
  signingKey: rawPublicKeyBase64(reviewer.publicKey),
  encryptionKey: null,
  status: 'active',
  issuedAt: '2025-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:00:00.000Z',
  certVersion: 2,
  serverKeyId: 'srv-1',
};
const issue = (over: Partial<DeviceCertificate> = {}, key = server.privateKey): SignedCertificate => {
  const cert = { ...reviewerCert, ...over };
  return { cert, signature: signBase64(key, certificateSigningBytes(cert)) };
};
const statement = (over: Partial<ApprovalStatement> = {}, by: Partial<ApprovalStatement['by']> = {}): ApprovalStatement => ({
  type: 'maestro.approval.v1',
  approvalId: '01JN0000000000000000000001',
  tenant: TENANT,
  runId: 'run-1',
  cardId: 'card-7',
  runDevice: 'dev-field',
  decision: 'approved',
  comment: 'Looks right.',
  by: { user: 'rita', device: 'dev-rev', certVersion: 2, role: 'reviewer', ...by },
  at: '2025-03-01T11:30:00.000Z',
  ...over,
});
const waiting: ApprovalTarget = { id: 'run-1', status: 'awaiting_approval', awaitingCard: 'card-7' };

function check(sa: unknown, over: Partial<Parameters<typeof verifyApproval>[1]> = {}): string {
  const r = verifyApproval(sa, {
    serverKey: server.publicKey,
    tenant: TENANT,
    device: 'dev-field',
    latestCert: () => null,
    now: NOW,
    run: (id) => (id === 'run-1' ? waiting : null),
    seen: () => false,
    ...over,
  });
  return r.ok ? 'ok' : r.code;
}
const good = (): SignedApproval => signApproval(statement(), reviewer.privateKey, issue());
/** An approval by a device holding `roles`, claiming `role`. */
function byRoles(roles: TeamRole[], role: TeamRole): SignedApproval {
  return signApproval(statement({}, { role }), reviewer.privateKey, issue({ roles }));
}

describe('verifyApproval', () => {
  it('accepts an approval signed by a reviewer device for a run waiting on the card', () => {
    const sa = good();
    const r = verifyApproval(sa, {
      serverKey: server.publicKey,
      tenant: TENANT,
      device: 'dev-field',
      latestCert: () => reviewerCert,
      now: NOW,
      run: () => waiting,
      seen: () => false,
    });
    expect(r).toEqual({ ok: true, statement: sa.statement });
    expect(check(byRoles(['admin'], 'admin'))).toBe('ok');
    expect(check(signApproval(statement({ decision: 'rejected' }), reviewer.privateKey, issue()))).toBe('ok');
  });
  it('refuses a malformed approval', () => {
    const sa = good();
    expect(check({ ...sa, extra: true })).toBe('APPROVAL_MALFORMED');
    expect(check({ statement: sa.statement, certificate: sa.certificate })).toBe('APPROVAL_MALFORMED');
    expect(check({ ...sa, statement: { ...sa.statement, decision: 'maybe' } })).toBe('APPROVAL_MALFORMED');
  });
  it('refuses a replay of an applied approval', () => {
    expect(check(good(), { seen: (id) => id === '01JN0000000000000000000001' })).toBe('APPROVAL_REPLAY');
  });
  it('refuses an approval for another tenant', () => {
    expect(check(signApproval(statement({ tenant: 'globex' }), reviewer.privateKey, issue()))).toBe('APPROVAL_WRONG_TENANT');
  });
  it('refuses an approval for a run on another device', () => {
    expect(check(good(), { device: 'dev-other' })).toBe('APPROVAL_WRONG_DEVICE');
  });
  it('refuses a certificate the server did not sign, or of another tenant', () => {
    expect(check(signApproval(statement(), reviewer.privateKey, issue({}, reviewer.privateKey)))).toBe('CERT_BAD_SIGNATURE');
    expect(check(signApproval(statement(), reviewer.privateKey, issue({ tenant: 'globex' })))).toBe('CERT_WRONG_TENANT');
  });
  it('refuses a certificate of another device, version or user than the statement names', () => {
    expect(check(signApproval(statement({}, { device: 'dev-x' }), reviewer.privateKey, issue()))).toBe('APPROVAL_CERT_MISMATCH');
    expect(check(signApproval(statement({}, { certVersion: 1 }), reviewer.privateKey, issue()))).toBe('APPROVAL_CERT_MISMATCH');
    expect(check(signApproval(statement({}, { user: 'mallory' }), reviewer.privateKey, issue()))).toBe('APPROVAL_CERT_MISMATCH');
  });
  it('refuses an approval under a revoked certificate', () => {
    expect(check(signApproval(statement(), reviewer.privateKey, issue({ status: 'revoked' })))).toBe('CERT_REVOKED');
    expect(check(good(), { latestCert: () => ({ ...reviewerCert, certVersion: 3, status: 'revoked' }) })).toBe('CERT_REVOKED');
  });
  it('refuses an approval whose device lost the reviewer role or changed keys since', () => {
    expect(check(good(), { latestCert: () => ({ ...reviewerCert, certVersion: 3, roles: ['field'] }) })).toBe('CERT_SUPERSEDED');
    const newKey = rawPublicKeyBase64(generateKeyPairSync('ed25519').publicKey);
    expect(check(good(), { latestCert: () => ({ ...reviewerCert, certVersion: 3, signingKey: newKey }) })).toBe('CERT_SUPERSEDED');
  });
  it('accepts an approval under a certificate renewed since', () => {
    const renewal = { ...reviewerCert, certVersion: 3, issuedAt: '2025-12-05T00:00:00.000Z', expiresAt: '2026-12-05T00:00:00.000Z' };
    expect(check(good(), { latestCert: () => renewal })).toBe('ok');
  });
  it('refuses an approval outside the certificate validity or from the future', () => {
    expect(check(signApproval(statement(), reviewer.privateKey, issue({ expiresAt: '2025-02-01T00:00:00.000Z' })))).toBe('CERT_EXPIRED');
    expect(check(signApproval(statement({ at: '2025-03-01T12:10:00.000Z' }), reviewer.privateKey, issue()))).toBe('STATEMENT_IN_FUTURE');
  });
  it('refuses an approval by a field-role certificate, or claiming a role it lacks', () => {
    expect(check(byRoles(['field'], 'field'))).toBe('ROLE_NOT_ALLOWED');
    expect(check(byRoles(['field'], 'reviewer'))).toBe('ROLE_NOT_ALLOWED');
    expect(check(byRoles(['reviewer'], 'admin'))).toBe('ROLE_NOT_ALLOWED');
    expect(check(byRoles(['field', 'reviewer'], 'field'))).toBe('ROLE_NOT_ALLOWED');
  });
  it('refuses a forged approval not signed with the certificate key', () => {
    const forger = generateKeyPairSync('ed25519');
    expect(check(signApproval(statement(), forger.privateKey, issue()))).toBe('APPROVAL_BAD_SIGNATURE');
    const sa = good();
    expect(check({ ...sa, statement: { ...sa.statement, decision: 'rejected' } })).toBe('APPROVAL_BAD_SIGNATURE');
    expect(check({ ...sa, statement: { ...sa.statement, comment: 'edited' } })).toBe('APPROVAL_BAD_SIGNATURE');
  });
  it('refuses an approval for an unknown run', () => {
    expect(check(signApproval(statement({ runId: 'run-9' }), reviewer.privateKey, issue()))).toBe('APPROVAL_UNKNOWN_RUN');
  });
  it('refuses an approval naming another card than the run waits on', () => {
    expect(check(signApproval(statement({ cardId: 'card-8' }), reviewer.privateKey, issue()))).toBe('APPROVAL_WRONG_CARD');
    expect(check(good(), { run: () => ({ ...waiting, awaitingCard: null }) })).toBe('APPROVAL_WRONG_CARD');
  });
  it('refuses an approval for a run no longer waiting', () => {
    expect(check(good(), { run: () => ({ ...waiting, status: 'running' }) })).toBe('APPROVAL_RUN_NOT_WAITING');
  });
});
