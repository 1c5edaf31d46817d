// admin.*: the admin board; signed requests to the sync server (src/main/features/admin).
import { Type, type Static } from '@sinclair/typebox';
import { RISK_LEVELS, riskPolicySchema, type RiskPolicy } from '../risk';
import {
  ADMIN_DEVICE_SORTS,
  adminDeviceDetailResponseSchema,
  adminDeviceListResponseSchema,
  adminDeviceViewSchema,
  riskPolicyResponseSchema,
  riskSummaryResponseSchema,
  type AdminDeviceDetailResponse,
  type AdminDeviceListResponse,
  type AdminDeviceView,
  type RiskPolicyResponse,
  type RiskSummaryResponse,
} from '../server-api';
import { adminReason, channel, empty, enumOf, foreign, obj, shortText } from './channel';

/** What an admin can do to a device from the board (each needs a reason; the server audits it). */
export const ADMIN_DEVICE_ACTIONS = ['block', 'unblock', 'require-update', 'clear-update', 'revoke'] as const;
export type AdminDeviceAction = (typeof ADMIN_DEVICE_ACTIONS)[number];

/** Query of the admin devices table; mirrors GET /v1/admin/devices. */
export const adminDeviceListRequestSchema = obj({
  level: Type.Optional(enumOf(RISK_LEVELS)),
  sort: Type.Optional(enumOf(ADMIN_DEVICE_SORTS)),
  dir: Type.Optional(enumOf(['asc', 'desc'])),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
});
export type AdminDeviceListRequest = Static<typeof adminDeviceListRequestSchema>;

const riskPolicyResponse = foreign<RiskPolicyResponse>(riskPolicyResponseSchema);

export const adminChannels = {
  'admin.devices.list': channel(
    "A page of the tenant's devices with their risk (admin credential; signed request to the sync server).",
    adminDeviceListRequestSchema,
    foreign<AdminDeviceListResponse>(adminDeviceListResponseSchema),
  ),
  'admin.devices.get': channel(
    'One device with its risk, reasons and up to 90 daily snapshots (sync history).',
    obj({ id: shortText(200) }),
    foreign<AdminDeviceDetailResponse>(adminDeviceDetailResponseSchema),
  ),
  'admin.devices.act': channel(
    'Block, unblock, require or clear an update, or revoke a device; needs a reason and confirm: true. Audited on the server and on this device.',
    obj({ id: shortText(200), action: enumOf(ADMIN_DEVICE_ACTIONS), reason: adminReason(), confirm: Type.Literal(true) }),
    obj({ device: foreign<AdminDeviceView>(adminDeviceViewSchema) }),
  ),
  'admin.summary': channel(
    "Devices per risk level and by days since last sync, for the board's charts.",
    empty,
    foreign<RiskSummaryResponse>(riskSummaryResponseSchema),
  ),
  'admin.policy.get': channel("The tenant's stale thresholds (risk policy).", empty, riskPolicyResponse),
  'admin.policy.set': channel(
    "Set the tenant's stale thresholds; needs a reason and confirm: true. Audited.",
    obj({ policy: foreign<RiskPolicy>(riskPolicySchema), reason: adminReason(), confirm: Type.Literal(true) }),
    riskPolicyResponse,
  ),
};
