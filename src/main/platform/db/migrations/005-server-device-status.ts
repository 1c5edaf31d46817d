import type { Migration } from '../../../../platform/migrations';

export const m005ServerDeviceStatus: Migration = {
  version: 5,
  name: "the server's last word on this device (blocked, update required, its risk)",
  // One row, replaced on every sync reply (or device_blocked refusal): what the server said and
  // when this device heard it. Governance feeds the flags into the local risk, so the device
  // refuses what the board would refuse even while it is offline.
  sql: `
      CREATE TABLE server_device_status (
        singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
        blocked         INTEGER NOT NULL CHECK (blocked IN (0, 1)),
        blocked_at      TEXT,
        blocked_reason  TEXT,
        update_required INTEGER NOT NULL CHECK (update_required IN (0, 1)),
        risk_level      TEXT NOT NULL CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
        risk_reasons    TEXT NOT NULL,
        at              TEXT NOT NULL
      ) STRICT;
    `,
};
