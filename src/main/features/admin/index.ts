// The admin board's client: the main process talks to the sync server's admin API on behalf of the
// renderer, signing every request with this device's enrolled key (an admin credential is a device
// enrolled with the 'admin' role). The renderer never holds a key and never talks to the server.
// Server replies are checked against the same schemas the server's tests use; a server error comes
// back to the renderer with the server's own code, message and details.
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { AuditService } from '../../platform/audit/index';
import type { SecretStore } from '../../platform/keys/secret-store';
import { ApiError, isApiErrorBody } from '../../../shared/errors';
import { describeErrors, lazyValidator } from '../../../shared/validation';
import {
  adminWireSchemas,
  revokeDeviceResponseSchema,
  riskPolicyResponseSchema,
  riskSummaryResponseSchema,
  type AdminDeviceDetailResponse,
  type AdminDeviceListResponse,
  type AdminDeviceView,
  type AdminDeviceViewWire,
  type RiskPolicyResponse,
  type RiskSummaryResponse,
} from '../../../shared/server-api';
import type { AdminDeviceAction, AdminDeviceListRequest } from '../../../shared/api/types';
import { riskReasonsFromWire, type RiskPolicy } from '../../../shared/risk';
import { NetworkError, type FetchFn } from '../../platform/device/signed-fetch';
import { readSyncConfig } from '../../platform/device/sync-config';
import { requireDeviceCredential, signedFetch, type DeviceCredential } from '../../platform/device/credential';

export interface AdminDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  secrets: () => Promise<SecretStore>;
  fetch?: FetchFn;
}

const ADMIN_TIMEOUT_MS = 20_000;

/** A device as the board shows it: risk reasons as messages, also from a server that sent sentences. */
function fromWire(d: AdminDeviceViewWire): AdminDeviceView {
  return { ...d, risk: { ...d.risk, reasons: riskReasonsFromWire(d.risk.reasons) } };
}

type Validator = ReturnType<typeof lazyValidator>;

export class AdminClient {
  private readonly fetchFn: FetchFn;
  private readonly valid = {
    list: lazyValidator(adminWireSchemas.list),
    detail: lazyValidator(adminWireSchemas.detail),
    action: lazyValidator({ type: 'object', additionalProperties: false, required: ['device'], properties: { device: adminWireSchemas.view } }),
    revoke: lazyValidator(revokeDeviceResponseSchema),
    summary: lazyValidator(riskSummaryResponseSchema),
    policy: lazyValidator(riskPolicyResponseSchema),
  };

  constructor(private readonly d: AdminDeps) {
    this.fetchFn = d.fetch ?? fetch;
  }

  /** The enrolled admin credential, or a refusal that says what is missing. */
  private credential(): Promise<DeviceCredential> {
    const notEnrolled = 'This device is not enrolled with a sync server; enroll it with an admin token to use the admin board';
    return requireDeviceCredential(this.d, notEnrolled, (cfg) => {
      if (!cfg.roles.includes('admin')) {
        throw new ApiError(
          'FORBIDDEN',
          `This device is enrolled as ${cfg.roles.join(', ') || 'field'}; the admin board needs a device enrolled with an admin token`,
          { reason: 'role' },
        );
      }
    });
  }

  private async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, valid: Validator): Promise<T> {
    const cred = await this.credential();
    const { cfg } = cred;
    let reply;
    try {
      reply = await signedFetch(this.fetchFn, cred, method, path, body, ADMIN_TIMEOUT_MS);
    } catch (e) {
      if (e instanceof NetworkError)
        throw new ApiError('UNAVAILABLE', `The sync server is not reachable (${cfg.serverUrl}); the admin board needs a connection`, { reason: 'network' });
      throw e;
    }
    if (reply.status !== 200) {
      // The server's error envelope is { ok: false, error: { code, message, details } }.
      const err = (reply.body as { error?: unknown } | null)?.error;
      if (isApiErrorBody(err)) throw new ApiError(err.code, err.message, err.details);
      throw new ApiError('UNAVAILABLE', `The sync server answered HTTP ${reply.status}`, { reason: 'http', status: reply.status });
    }
    if (!valid(reply.body)) {
      throw new ApiError('INTERNAL', 'The sync server sent a reply this app does not understand', {
        reason: 'bad_reply',
        problems: describeErrors(valid.errors).slice(0, 5),
      });
    }
    return reply.body as T;
  }

  async listDevices(q: AdminDeviceListRequest): Promise<AdminDeviceListResponse> {
    const sp = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') sp.set(k, String(v));
    const qs = sp.toString();
    const page = await this.request<Omit<AdminDeviceListResponse, 'devices'> & { devices: AdminDeviceViewWire[] }>(
      'GET',
      `/v1/admin/devices${qs ? `?${qs}` : ''}`,
      undefined,
      this.valid.list,
    );
    return { ...page, devices: page.devices.map(fromWire) };
  }

  async device(id: string): Promise<AdminDeviceDetailResponse> {
    const detail = await this.request<Omit<AdminDeviceDetailResponse, 'device'> & { device: AdminDeviceViewWire }>(
      'GET',
      `/v1/admin/devices/${encodeURIComponent(id)}`,
      undefined,
      this.valid.detail,
    );
    return { ...detail, device: fromWire(detail.device) };
  }

  summary(): Promise<RiskSummaryResponse> {
    return this.request('GET', '/v1/admin/risk-summary', undefined, this.valid.summary);
  }

  /**
   * One admin action on a device. The server audits it (who and why); the device's own audit log
   * records it too, so the admin's laptop shows what its user did.
   */
  async act(id: string, action: AdminDeviceAction, reason: string, actor: string): Promise<{ device: AdminDeviceView }> {
    const path = `/v1/admin/devices/${encodeURIComponent(id)}/${action}`;
    let device: AdminDeviceView;
    if (action === 'revoke') {
      await this.request('POST', path, { reason }, this.valid.revoke);
      device = (await this.device(id)).device;
    } else {
      device = fromWire((await this.request<{ device: AdminDeviceViewWire }>('POST', path, { reason }, this.valid.action)).device);
    }
    this.d.audit.append({ actor, action: `admin.device.${action}`, subject: id, payload: { reason, level: device.risk.level } });
    return { device };
  }

  riskPolicy(): Promise<RiskPolicyResponse> {
    return this.request('GET', '/v1/admin/risk-policy', undefined, this.valid.policy);
  }

  async setRiskPolicy(policy: RiskPolicy, reason: string, actor: string): Promise<RiskPolicyResponse> {
    const res = await this.request<RiskPolicyResponse>('PUT', '/v1/admin/risk-policy', { policy, reason }, this.valid.policy);
    this.d.audit.append({ actor, action: 'admin.risk_policy.updated', subject: readSyncConfig(this.d.db)?.tenant ?? '', payload: { reason } });
    return res;
  }
}
