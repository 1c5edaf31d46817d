import { useEffect } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { RunStepView, RunSummary, RunView } from '../../../shared/workflow/views';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { TeamCardView, TeamRunView } from '../../../shared/team/views';
import { useApp } from '../../app-store';
import { canReview, useRuns } from './runs-store';
import { DecisionButtons } from './DecisionButtons';
import { usePolicyFlags } from '../../ui/policy-flags';
import { cardList } from '../cards/cards-store';
import { useTeam } from '../team/team-store';
import { dateTime, num } from '../../ui/format';
import { Who } from '../../ui/Who';
import { LaneBadge } from '../cards/LaneBadge';
import { RunStatusBadge } from './RunStatusBadge';
import { PlainNotice } from '../../ui/PlainNotice';
import { cardLead, isApprovalCheck, plainOf } from '../cards/card-words';
import { usePlainTexts } from '../cards/plain-texts-store';
import { errorLineText, runErrorWords, stepSummaryText, waitingWords } from './run-words';
import { rationaleText, wordsText } from '../cards/system-words';
import { ArtifactsPanel } from './ArtifactsPanel';
import { PackPanel } from './PackPanel';
import { TenantRunBody } from './TenantRunBody';
import { RunReach } from './RunReach';
import { useWorkflowWords } from './use-workflow-words';

const pct = (used: number, budget: number) => (budget > 0 ? Math.min(100, Math.round((used / budget) * 100)) : 0);
/** A fixed number of decimals in the language in use, without grouping ("12.50", "12,50"). */
const fixed = (n: number, digits: number) => num(n, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false });
const money = (cents: number) => fixed(cents / 100, 2);

export type RunDetailProps = { scope: 'device'; run: RunView; cards: DecisionCard[] } | { scope: 'tenant'; view: TeamRunView; cards: TeamCardView[] };

/**
 * One run. This device's: its step timeline, budgets, the decision cards each step wrote, approve /
 * reject, abort, artifacts and the evidence pack. Another device's (team sync): who recorded it, its
 * summary, the card it waits on with Approve / Reject, and its cards.
 */
export function RunDetail(p: RunDetailProps) {
  const { t } = useTranslation('runs');
  const tenant = p.scope === 'tenant';
  const run: RunSummary = tenant ? p.view.run : p.run;
  const words = useWorkflowWords();
  return (
    <article
      className="card stack run-detail"
      aria-label={t('detail.label')}
      data-testid={tenant ? 'team-run-detail' : 'run-detail'}
      data-id={run.id}
      data-device={tenant ? p.view.device : undefined}
      data-status={run.status}
    >
      <header className="card-head">
        <strong>{words.runTitle(run)}</strong>
        <RunStatusBadge status={run.status} />
        {run.lane && <LaneBadge lane={run.lane} />}
      </header>
      {(!tenant || p.view.local) && <RunReach status={run.status} />}
      {tenant && (
        <p className="small" data-testid="run-device">
          <Trans
            t={t}
            i18nKey="detail.from"
            components={{
              device: <Who device={p.view.device} tagSelf />,
              user: <Who profile={p.view.user || null} />,
              received: <span className="muted">{t('detail.received', { when: dateTime(p.view.receivedAt) })}</span>,
            }}
          />
        </p>
      )}
      <p className="small muted">
        <Trans
          t={t}
          i18nKey={run.finishedAt ? 'detail.metaFinished' : 'detail.meta'}
          values={{ workflow: run.workflow, started: dateTime(run.createdAt), finished: dateTime(run.finishedAt) }}
          components={{ id: <span className="mono">{run.id}</span>, who: <Who profile={run.startedBy} /> }}
        />
      </p>
      <RunStateWords run={run} cards={tenant ? p.cards.map((c) => c.card) : p.cards} />
      {p.scope === 'tenant' ? <TenantRunBody view={p.view} cards={p.cards} /> : <DeviceRunBody run={p.run} cards={p.cards} />}
    </article>
  );
}

function DeviceRunBody({ run, cards }: { run: RunView; cards: DecisionCard[] }) {
  const { t } = useTranslation('runs');
  const roles = useApp((s) => s.roles);
  const byId = new Map(cards.map((c) => [c.id, c]));
  return (
    <>
      <dl className="figures small budgets">
        <dt>{t('budget.cost')}</dt>
        <dd>
          {t('budget.costOf', {
            used: money(run.used.costCents),
            budget: money(run.budgets.costCents),
            pct: num(pct(run.used.costCents, run.budgets.costCents), { useGrouping: false }),
          })}
        </dd>
        <dt>{t('budget.tokens')}</dt>
        <dd>{t('budget.of', { used: num(run.used.tokens), budget: num(run.budgets.tokens) })}</dd>
        <dt>{t('budget.wallTime')}</dt>
        <dd>{t('budget.secondsOf', { used: fixed(run.used.wallTimeMs / 1000, 1), budget: fixed(run.budgets.wallTimeMs / 1000, 0) })}</dd>
      </dl>
      <ol className="timeline" aria-label={t('step.list')} data-testid="run-steps">
        {run.steps.map((st) => (
          <Step key={st.stepId} st={st} workflow={run.workflow} byId={byId} />
        ))}
      </ol>
      <RunActions run={run} />
      <ArtifactsPanel runId={run.id} runStatus={run.status} />
      <PackPanel runId={run.id} canIncludePii={canReview(roles)} />
    </>
  );
}

function Step({ st, workflow, byId }: { st: RunStepView; workflow: string; byId: Map<string, DecisionCard> }) {
  const { t } = useTranslation('runs');
  const { stepTitle } = useWorkflowWords();
  return (
    <li className={`step step-${st.status}`} data-step={st.stepId} data-status={st.status}>
      <div className="step-head">
        <strong>{stepTitle(workflow, st.stepId, st.title) ?? st.stepId}</strong> <span className="muted small mono">{st.uses}</span>{' '}
        <RunStatusBadge status={st.status} />
      </div>
      <div className="small muted">
        {st.startedAt ? dateTime(st.startedAt) : t('step.notStarted')}
        {st.finishedAt ? t('step.until', { when: dateTime(st.finishedAt) }) : ''}
        {st.costCents || st.tokens ? t('step.usage', { cost: money(st.costCents), tokens: st.tokens }) : ''}
      </div>
      {st.summary && <div className="small">{stepSummaryText(st)}</div>}
      {st.error && (
        <div className="small error" data-testid="step-error">
          {t('step.failed')}
          <details className="plain-details">
            <summary>{t('detail.details')}</summary>
            {st.errorWords ? wordsText(st.errorWords) : st.error}
          </details>
        </div>
      )}
      {st.cardIds.length > 0 && (
        <ul className="small step-cards">
          {st.cardIds.map((id) => (
            <li key={id} data-card={id}>
              <StepCard id={id} c={byId.get(id)} />
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** A step's card in words (what happened), with its rationale and failed checks' messages under Details. */
function StepCard({ id, c }: { id: string; c: DecisionCard | undefined }) {
  const { t } = useTranslation('runs');
  const texts = usePlainTexts();
  const roles = useApp((s) => s.roles);
  if (!c) return <>{id}</>;
  const lead = cardLead(c, { texts, roles });
  const failed = c.invariants.filter((i) => !i.pass);
  return (
    <>
      <LaneBadge lane={c.lane} /> {lead.what}
      <details className="plain-details">
        <summary>{t('detail.details')}</summary>
        <span className="small">
          {t('detail.statusLine', { status: t(`cardStatus.${c.status}`), text: rationaleText(c) })}
          {failed.length > 0 && <span className="error"> ({failed.map((i) => i.message ?? i.id).join('; ')})</span>}
        </span>
      </details>
    </>
  );
}

const STATE_TEST_ID = 'run-state';
const WAIT_TONE = 'warn';

/** Why the run stopped or what it waits for, in words; the engine's error line under Details. */
function RunStateWords({ run, cards }: { run: RunSummary; cards: DecisionCard[] }) {
  const texts = usePlainTexts();
  const roles = useApp((s) => s.roles);
  const failure = runErrorWords(run, texts);
  if (failure)
    return (
      <PlainNotice
        testId={STATE_TEST_ID}
        what={failure.what}
        next={failure.next}
        details={
          <p className="small error" data-testid="run-error">
            {run.errorCode && <span className="mono">{run.errorCode} </span>}
            {errorLineText(run, texts)}
          </p>
        }
      />
    );
  const waitingOn = [...cards].reverse().find((c) => c.status === 'awaiting_approval');
  const held = waitingOn ? [...new Set(waitingOn.invariants.filter((i) => !i.pass && isApprovalCheck(i)).map((i) => plainOf(i.id, texts).failed))] : [];
  const waiting = waitingWords(run.status, held, canReview(roles), run.lane);
  if (!waiting) return null;
  return <PlainNotice testId={STATE_TEST_ID} tone={WAIT_TONE} what={waiting.what} next={waiting.next} />;
}

function RunActions({ run }: { run: RunView }) {
  const { t } = useTranslation('runs');
  const roles = useApp((s) => s.roles);
  const profileId = useApp((s) => s.profile?.id);
  // Four eyes (the policy's switch): a run this profile started is decided by someone else; said
  // before anyone clicks, instead of a refusal after.
  const fourEyes = usePolicyFlags((s) => s.fourEyes);
  useEffect(() => {
    if (fourEyes === null) void usePolicyFlags.getState().load();
  }, [fourEyes]);
  const go = useApp((s) => s.go);
  const abortGeneration = useRuns((s) => s.abortGeneration);
  const aborting = useRuns((s) => s.aborting);
  const abortNote = useRuns((s) => s.abortNote);
  const setScope = useTeam((s) => s.setScope);
  return (
    <>
      <div className="row-actions">
        {run.status === 'running' && (
          <button type="button" className="danger" onClick={() => void abortGeneration(run.id)} disabled={aborting === run.id} aria-busy={aborting === run.id}>
            {t('actions.abort')}
          </button>
        )}
        {run.status === 'awaiting_approval' && (
          <DecisionButtons
            target={{ scope: 'device', runId: run.id }}
            notAllowed={!canReview(roles) ? t('actions.notReviewer') : fourEyes && run.startedBy === profileId ? t('actions.ownRun') : null}
          />
        )}
        <button
          type="button"
          className="secondary"
          onClick={() => {
            // This device's run: its cards are this device's (the full local filters and chart).
            setScope('cards', 'device');
            void cardList('device').getState().setFilters({ runId: run.id });
            go('cards');
          }}
        >
          {t('actions.openCards')}
        </button>
      </div>
      {abortNote?.runId === run.id && (
        <p className={`small ${abortNote.ok ? 'ok' : 'error'}`} role="status" data-testid="abort-result" data-ok={abortNote.ok}>
          {abortNote.text}
        </p>
      )}
    </>
  );
}
