import type { Db } from '../db/connection';
import type { Clock } from './clock';

/**
 * A clock that never goes back: the highest of the wall clock and every time seen before (its own
 * readings and the server's time at each sync), kept in the database. Rolling the laptop's clock
 * back therefore cannot make a stale device look fresh or unlock an action.
 */
export class TrustedClock implements Clock {
  private readonly get;
  private readonly set;

  constructor(
    db: Db,
    private readonly wall: Clock,
  ) {
    this.get = db.prepare("SELECT value FROM device_meta WHERE key = 'time_watermark'").pluck();
    this.set = db.prepare(
      "INSERT INTO device_meta (key, value) VALUES ('time_watermark', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE excluded.value > device_meta.value",
    );
  }

  watermark(): Date | null {
    const v = this.get.get() as string | undefined;
    return v ? new Date(v) : null;
  }

  /** Record a time known to have passed (e.g. the server's time in a sync reply). */
  observe(t: Date): void {
    if (!Number.isNaN(t.getTime())) this.set.run(t.toISOString());
  }

  now(): Date {
    const wall = this.wall.now();
    const mark = this.watermark();
    if (mark && mark > wall) return mark;
    this.observe(wall);
    return wall;
  }

  /** True when the wall clock reads earlier than a time already seen. */
  rolledBack(): boolean {
    const mark = this.watermark();
    return !!mark && mark.getTime() - this.wall.now().getTime() > 60_000;
  }
}
