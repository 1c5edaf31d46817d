import { useTranslation } from 'react-i18next';
import { dateTime } from '../../ui/format';
import { freshnessText } from './team';
import { useTeam } from './team-store';
import { useApp } from '../../app-store';
import { useNow } from './hooks';

const TICK_MS = 30_000;
/** Older than this, the freshness line is shown as a warning. */
const STALE_MS = 60 * 60 * 1000;

/** "Cards as of 10:42, 3 min ago" / "Never pulled", re-rendered every 30 s. `noun`: the list's name, translated. */
export function Freshness({ noun, asOf }: { noun: string; asOf: string | null }) {
  const { t } = useTranslation('team');
  const now = useNow(TICK_MS);
  const stale = !asOf || now - Date.parse(asOf) > STALE_MS;
  return (
    <span
      className={`small freshness${stale ? ' stale' : ' muted'}`}
      data-testid="team-freshness"
      data-as-of={asOf ?? ''}
      title={asOf ? t('freshness.lastPull', { when: dateTime(asOf) }) : t('freshness.neverTitle')}
    >
      {freshnessText(noun, asOf, now)}
    </span>
  );
}

/** Pulls now (team.pull); `onPulled` reloads what the view shows. The name stays "Pull now" while it runs. */
export function PullButton({ onPulled }: { onPulled?: () => void }) {
  const { t } = useTranslation('team');
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
      {pulling ? t('pull.pulling') : t('pull.now')}
    </button>
  );
}

/** The freshness line, Pull now, and what holds new items back (no tenant key yet, a stopped pull). */
export function TeamToolbar({ noun, asOf, onPulled }: { noun: string; asOf: string | null; onPulled?: () => void }) {
  const { t } = useTranslation('team');
  const status = useTeam((s) => s.status);
  const pulling = useTeam((s) => s.pulling);
  const pullError = useTeam((s) => s.pullError);
  const go = useApp((s) => s.go);
  const stopped = status?.pull.stopped;
  return (
    <div className="team-toolbar" data-testid="team-toolbar">
      <Freshness noun={noun} asOf={asOf} />
      {status?.pull.live && <span className="badge badge-ok small">{t('pull.live')}</span>}
      <PullButton onPulled={onPulled} />
      {pulling && <span className="muted small">{t('pull.pulling')}</span>}
      {pullError && <span className="small error">{t('pull.failed', { error: pullError })}</span>}
      {status?.keys.waitingForKey && <span className="small warn-text">{t('toolbar.waitingForKey')}</span>}
      {stopped && (
        <span className="small warn-text" data-testid="team-stopped-note">
          {t('toolbar.stopped', { seq: stopped.seq, code: stopped.code })}{' '}
          <button type="button" className="link" onClick={() => go('team')}>
            {t('toolbar.openTeam')}
          </button>
        </span>
      )}
    </div>
  );
}
