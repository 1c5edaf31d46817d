import { dateTime } from '../../ui/format';
import { freshnessText } from './team';
import { useTeam } from './team-store';
import { useApp } from '../../app-store';
import { useNow } from './hooks';

const TICK_MS = 30_000;
/** Older than this, the freshness line is shown as a warning. */
const STALE_MS = 60 * 60 * 1000;

/** "Cards as of 10:42, 3 min ago" / "Never pulled", re-rendered every 30 s. */
export function Freshness({ noun, asOf }: { noun: string; asOf: string | null }) {
  const now = useNow(TICK_MS);
  const stale = !asOf || now - Date.parse(asOf) > STALE_MS;
  return (
    <span
      className={`small freshness${stale ? ' stale' : ' muted'}`}
      data-testid="team-freshness"
      data-as-of={asOf ?? ''}
      title={asOf ? `Last pull: ${dateTime(asOf)}` : 'This device has not pulled from the team yet.'}
    >
      {freshnessText(noun, asOf, now)}
    </span>
  );
}

/** Pulls now (team.pull); `onPulled` reloads what the view shows. The name stays "Pull now" while it runs. */
export function PullButton({ onPulled }: { onPulled?: () => void }) {
  const pulling = useTeam((s) => s.pulling);
  const pull = useTeam((s) => s.pull);
  return (
    <button
      type="button"
      className="secondary"
      disabled={pulling}
      aria-busy={pulling}
      onClick={() =>
        void pull().then(() => {
          onPulled?.();
        })
      }
    >
      {pulling ? 'Pulling…' : 'Pull now'}
    </button>
  );
}

/** The freshness line, Pull now, and what holds new items back (no tenant key yet, a stopped pull). */
export function TeamToolbar({ noun, asOf, onPulled }: { noun: string; asOf: string | null; onPulled?: () => void }) {
  const status = useTeam((s) => s.status);
  const pulling = useTeam((s) => s.pulling);
  const pullError = useTeam((s) => s.pullError);
  const go = useApp((s) => s.go);
  const stopped = status?.pull.stopped;
  return (
    <div className="team-toolbar" data-testid="team-toolbar">
      <Freshness noun={noun} asOf={asOf} />
      {status?.pull.live && <span className="badge badge-ok small">live</span>}
      <PullButton onPulled={onPulled} />
      {pulling && <span className="muted small">Pulling…</span>}
      {pullError && <span className="small error">Pull failed: {pullError}</span>}
      {status?.keys.waitingForKey && (
        <span className="small warn-text">Waiting for the tenant key: new items wait until an admin device sends this device the tenant key.</span>
      )}
      {stopped && (
        <span className="small warn-text" data-testid="team-stopped-note">
          Pull stopped at item #{stopped.seq} ({stopped.code}).{' '}
          <button type="button" className="link" onClick={() => go('team')}>
            Open Team sync
          </button>
        </span>
      )}
    </div>
  );
}
