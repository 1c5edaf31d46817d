// Read access to captured records for other features (episodic memory): the records table stays
// in this folder. A small reader on the database, so it can be built before the capture service.
import type { Db } from '../../platform/db/connection';

export interface CapturedRecord {
  contract: string;
  /** The record's fields, parsed. */
  data: unknown;
}

export interface RecordReader {
  /** One captured record, or undefined when there is none with this id. Throws when its data is not JSON. */
  record(id: string): CapturedRecord | undefined;
}

export function createRecordReader(db: Db): RecordReader {
  const get = db.prepare('SELECT contract, data FROM records WHERE id = ?');
  return {
    record(id) {
      const r = get.get(id) as { contract: string; data: string } | undefined;
      return r ? { contract: r.contract, data: JSON.parse(r.data) as unknown } : undefined;
    },
  };
}
