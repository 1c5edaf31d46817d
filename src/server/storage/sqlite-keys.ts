// Sqlite storage, key rotation: the server key chain and device key history (keys-types.ts).
import { keyArgs, rotationAudit, toKeyRow as toRow, type KeySqlRow } from './keys-types';
import type { ServerStorage } from './types';
import type { SqliteContext } from './sqlite-context';

const INSERT_KEY = 'INSERT INTO server_keys (key_id, seq, public_key, statement_json, valid_from, created_at) VALUES (?, ?, ?, ?, ?, ?)';

type KeyMethods = 'listServerKeys' | 'seedServerKey' | 'appendServerKey' | 'rotateDeviceKey' | 'deviceKeys';

export function sqliteKeysMethods({ db, audit, getDevice, feed, newCert }: SqliteContext): Pick<ServerStorage, KeyMethods> {
  const head = (): KeySqlRow | undefined => db.prepare('SELECT * FROM server_keys ORDER BY seq DESC LIMIT 1').get() as KeySqlRow | undefined;
  return {
    listServerKeys: () => Promise.resolve((db.prepare('SELECT * FROM server_keys ORDER BY seq').all() as KeySqlRow[]).map(toRow)),
    seedServerKey: (row) =>
      Promise.resolve(
        db
          .transaction(() => {
            if (head()) return false;
            db.prepare(INSERT_KEY).run(...keyArgs(row));
            return true;
          })
          .immediate(),
      ),
    appendServerKey: (row, headKeyId, a) =>
      Promise.resolve(
        db
          .transaction(() => {
            const h = head();
            if (!h || h.key_id !== headKeyId || row.seq !== h.seq + 1) return false;
            db.prepare(INSERT_KEY).run(...keyArgs(row));
            audit(a);
            return true;
          })
          .immediate(),
      ),
    rotateDeviceKey: (r) => {
      let notify: string | null = null;
      const out = db
        .transaction(() => {
          const dev = getDevice(r.device);
          if (!dev) return { ok: false as const, reason: 'not_found' as const };
          if (dev.revokedAt !== null) return { ok: false as const, reason: 'revoked' as const };
          if (dev.publicKey !== r.oldPublicKey) return { ok: false as const, reason: 'key_changed' as const };
          const used = db.prepare('SELECT 1 FROM device_keys WHERE device = ? AND public_key = ?').get(dev.id, r.newPublicKey);
          if (used || r.newPublicKey === dev.publicKey) return { ok: false as const, reason: 'key_in_use' as const };
          // The enrollment key becomes version 1 of the history at the first rotation.
          db.prepare('INSERT OR IGNORE INTO device_keys (device, version, public_key, valid_from) VALUES (?, 1, ?, ?)').run(
            dev.id,
            dev.publicKey,
            dev.enrolledAt,
          );
          const last = db.prepare('SELECT MAX(version) AS v FROM device_keys WHERE device = ?').get(dev.id) as { v: number };
          const version = last.v + 1;
          db.prepare('UPDATE device_keys SET replaced_at = ? WHERE device = ? AND version = ?').run(r.at, dev.id, last.v);
          db.prepare('INSERT INTO device_keys (device, version, public_key, proof_json, proof_sig, valid_from) VALUES (?, ?, ?, ?, ?, ?)').run(
            dev.id,
            version,
            r.newPublicKey,
            r.proofJson,
            r.proofSig,
            r.at,
          );
          db.prepare('UPDATE devices SET public_key = ? WHERE id = ?').run(r.newPublicKey, dev.id);
          audit(rotationAudit(dev.id, r.at, version, dev.publicKey, r.newPublicKey));
          const certificate = newCert(dev.id, r.at, r.certify);
          notify = dev.tenant;
          return { ok: true as const, version, certificate };
        })
        .immediate();
      if (notify !== null) feed.notify(notify);
      return Promise.resolve(out);
    },
    deviceKeys: (device) =>
      Promise.resolve(
        (
          db.prepare('SELECT version, public_key, valid_from, replaced_at FROM device_keys WHERE device = ? ORDER BY version').all(device) as {
            version: number;
            public_key: string;
            valid_from: string;
            replaced_at: string | null;
          }[]
        ).map((x) => ({ version: x.version, publicKey: x.public_key, validFrom: x.valid_from, replacedAt: x.replaced_at })),
      ),
  };
}
