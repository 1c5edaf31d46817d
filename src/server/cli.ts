// Operator commands run on the server host against the same storage as `serve`:
//   enroll-token --tenant T --user U --role field|reviewer|admin [--ttl-hours N]
//   revoke-device --device D
// Argument parsing and the commands are here (testable); main.ts only dispatches.
import { parseArgs } from 'node:util';
import { enrollmentTokenRequestSchema } from '../shared/sync/schemas';
import { compileSchema, describeErrors } from '../shared/validation';
import { createEnrollmentToken, type TokenRequest } from './enrollment-tokens';
import type { ServerStorage } from './storage/types';

export const USAGE = `usage: maestro-server                      serve (MAESTRO_SERVER_HOST/PORT, default 127.0.0.1:8787)
       maestro-server enroll-token --tenant T --user U --role field|reviewer|admin [--ttl-hours N]
       maestro-server revoke-device --device D`;

/** Bad arguments: exit 2 with the message and the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type CliCommand = { name: 'enroll-token'; request: TokenRequest } | { name: 'revoke-device'; device: string };

export function parseCommand(args: readonly string[]): CliCommand {
  const [name, ...rest] = args;
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options:
        name === 'enroll-token'
          ? { tenant: { type: 'string' }, user: { type: 'string' }, role: { type: 'string' }, 'ttl-hours': { type: 'string' } }
          : { device: { type: 'string' } },
    }).values as Record<string, string | undefined>;
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
    return { name, device: values.device };
  }
  throw new UsageError(`unknown command ${name ?? ''}`);
}

/** Runs a command; returns the lines to print on stdout and the exit code. */
export async function runCommand(cmd: CliCommand, storage: ServerStorage, now: Date): Promise<{ out: string[]; code: number }> {
  if (cmd.name === 'enroll-token') {
    const { token, expiresAt } = await createEnrollmentToken(storage, now, cmd.request, 'cli');
    return { out: [`token: ${token}`, `expiresAt: ${expiresAt}`], code: 0 };
  }
  const ts = now.toISOString();
  const revokedAt = await storage.revokeDevice(cmd.device, null, { ts, actor: 'cli', action: 'device.revoked', subject: cmd.device, payload: { by: 'cli' } });
  if (revokedAt === null) return { out: [`device not found: ${cmd.device}`], code: 1 };
  return { out: [`revokedAt: ${revokedAt}`], code: 0 };
}
