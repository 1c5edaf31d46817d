// Operator commands run on the server host against the same storage as `serve`:
//   enroll-token --tenant T --user U --role field|reviewer|admin [--ttl-hours N]
//   revoke-device --device D [--reason R]
//   set-roles DEVICE ROLE[,ROLE…] --reason R
//   verify-audit [--anchor SEQ:HASH]   (cli/verify-audit.ts: checks the server audit hash chain)
//   rotate-server-key …, server-keys  (cli/server-keys.ts: server key rotation)
//   after-restore [--gap N]           (cli/after-restore.ts: moves sequences past a restored backup)
// Argument parsing and the commands are here (testable); main.ts only dispatches. Revocations and
// role changes issue a new certificate version, signed with the server key (the one `serve` uses).
import { parseArgs } from 'node:util';
import { enrollmentTokenRequestSchema } from '../shared/sync/schemas';
import { rolesChangeSchema } from '../shared/team/schemas';
import { compileSchema, describeErrors } from '../shared/validation';
import { certifier } from './certificates';
import type { ServerKey } from './crypto/server-key';
import { createEnrollmentToken, type TokenRequest } from './enrollment-tokens';
import { normalizeRoles } from './storage/team';
import { parseVerifyAudit, runVerifyAudit, type VerifyAuditCommand } from './cli/verify-audit';
import { parseAfterRestore, runAfterRestore, type AfterRestoreCommand } from './cli/after-restore';
import { isServerKeysCommand, parseServerKeysCommand, runServerKeysCommand, SERVER_KEYS_USAGE, type ServerKeysCommand } from './cli/server-keys';
import type { Role, ServerStorage } from './storage/types';

export const USAGE = `usage: maestro-server                      serve (MAESTRO_SERVER_HOST/PORT, default 127.0.0.1:8787)
       maestro-server enroll-token --tenant T --user U --role field|reviewer|admin [--ttl-hours N]
       maestro-server revoke-device --device D [--reason R]
       maestro-server set-roles DEVICE ROLE[,ROLE...] --reason R
       maestro-server verify-audit [--anchor SEQ:HASH]
       maestro-server after-restore [--gap N]
${SERVER_KEYS_USAGE}`;

/** Bad arguments: exit 2 with the message and the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type CliCommand =
  | { name: 'enroll-token'; request: TokenRequest }
  | { name: 'revoke-device'; device: string; reason: string | null }
  | { name: 'set-roles'; device: string; roles: Role[]; reason: string }
  | VerifyAuditCommand
  | AfterRestoreCommand
  | ServerKeysCommand;

export function parseCommand(args: readonly string[]): CliCommand {
  const [name, ...rest] = args;
  if (name === 'verify-audit') return parseVerifyAudit(rest, (m) => new UsageError(m));
  if (name === 'after-restore') return parseAfterRestore(rest, (m) => new UsageError(m));
  if (name && isServerKeysCommand(name)) return parseServerKeysCommand(name, rest, (m) => new UsageError(m));
  let values: Record<string, string | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: name === 'set-roles',
      options:
        name === 'enroll-token'
          ? { tenant: { type: 'string' }, user: { type: 'string' }, role: { type: 'string' }, 'ttl-hours': { type: 'string' } }
          : name === 'set-roles'
            ? { reason: { type: 'string' } }
            : { device: { type: 'string' }, reason: { type: 'string' } },
    });
    values = parsed.values as Record<string, string | undefined>;
    positionals = parsed.positionals;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (name === 'enroll-token') {
    const ttl = values['ttl-hours'];
    const request: Record<string, unknown> = { tenant: values.tenant, user: values.user, role: values.role };
    if (ttl !== undefined) request.ttlHours = /^\d+$/.test(ttl) ? Number(ttl) : ttl;
    for (const k of Object.keys(request)) if (request[k] === undefined) delete request[k];
    const validate = compileSchema(enrollmentTokenRequestSchema);
    if (!validate(request)) {
      // Speak in flags, not JSON paths: "--tenant is required", "--ttl-hours: must be <= 720".
      const flag = (p: string): string => `--${p.replace(/^\//, '').replace('ttlHours', 'ttl-hours')}`;
      const problems = describeErrors(validate.errors).map((e) =>
        e.keyword === 'required' ? `${flag(String(e.params.missingProperty))} is required` : `${flag(e.path)}: ${e.message}`,
      );
      throw new UsageError(problems.join('; '));
    }
    return { name, request: request as unknown as TokenRequest };
  }
  if (name === 'revoke-device') {
    if (!values.device) throw new UsageError('--device is required');
    if (values.reason !== undefined && (values.reason.length < 1 || values.reason.length > 500)) throw new UsageError('--reason: must be 1-500 characters');
    return { name, device: values.device, reason: values.reason ?? null };
  }
  if (name === 'set-roles') {
    const [device, list, ...extra] = positionals;
    if (!device || !list || extra.length > 0) throw new UsageError('set-roles takes a device id and a comma-separated list of roles');
    const request = { roles: list.split(','), reason: values.reason, confirm: true };
    if (request.reason === undefined) throw new UsageError('--reason is required');
    const validate = compileSchema(rolesChangeSchema);
    if (!validate(request)) {
      const problems = describeErrors(validate.errors).map((e) => `${e.path.startsWith('/roles') ? 'roles' : '--reason'}: ${e.message}`);
      throw new UsageError(problems.join('; '));
    }
    return { name, device, roles: normalizeRoles(request.roles as Role[]), reason: request.reason };
  }
  throw new UsageError(`unknown command ${name ?? ''}`);
}

/**
 * Runs a command; returns the lines to print on stdout and the exit code. `serverKey` is asked for
 * only by the commands that issue certificates.
 */
export async function runCommand(cmd: CliCommand, storage: ServerStorage, now: Date, serverKey: () => ServerKey): Promise<{ out: string[]; code: number }> {
  if (cmd.name === 'rotate-server-key' || cmd.name === 'server-keys') return runServerKeysCommand(cmd, storage, now, serverKey, process.env);
  if (cmd.name === 'verify-audit') return runVerifyAudit(cmd, process.env, (line) => process.stderr.write(`${line}\n`));
  if (cmd.name === 'after-restore') return runAfterRestore(cmd, process.env, now);
  if (cmd.name === 'enroll-token') {
    const { token, expiresAt } = await createEnrollmentToken(storage, now, cmd.request, 'cli');
    return { out: [`token: ${token}`, `expiresAt: ${expiresAt}`], code: 0 };
  }
  const ts = now.toISOString();
  if (cmd.name === 'set-roles') {
    const out = await storage.setDeviceRoles({
      id: cmd.device,
      tenant: null,
      roles: cmd.roles,
      reason: cmd.reason,
      audit: { ts, actor: 'cli', action: 'device.roles_changed', subject: cmd.device, payload: { by: 'cli', reason: cmd.reason, roles: cmd.roles } },
      certify: certifier(serverKey()),
    });
    if (!out.ok) return { out: [out.reason === 'revoked' ? `device revoked: ${cmd.device}` : `device not found: ${cmd.device}`], code: 1 };
    return { out: [`roles: ${out.certificate.cert.roles.join(',')}`, `certVersion: ${out.certificate.cert.certVersion}`], code: 0 };
  }
  const payload = { by: 'cli', ...(cmd.reason !== null ? { reason: cmd.reason } : {}) };
  const revokedAt = await storage.revokeDevice(
    cmd.device,
    null,
    { ts, actor: 'cli', action: 'device.revoked', subject: cmd.device, payload },
    {
      certify: certifier(serverKey()),
      reason: cmd.reason,
    },
  );
  if (revokedAt === null) return { out: [`device not found: ${cmd.device}`], code: 1 };
  return { out: [`revokedAt: ${revokedAt}`], code: 0 };
}
