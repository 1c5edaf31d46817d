import type { RunStepView, RunSummary, RunView } from '../../../shared/workflow/views';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { TeamCardView, TeamRunView } from '../../../shared/team/views';
import { useApp } from '../../app-store';
import { canReview, useRuns } from './runs-store';
import { DecisionButtons } from './DecisionButtons';
import { cardList } from '../cards/cards-store';
import { useTeam } from '../team/team-store';
import { dateTime } from '../../ui/format';
import { Who } from '../../ui/Who';
import { LaneBadge } from '../cards/LaneBadge';
import { RunStatusBadge } from './RunStatusBadge';
import { PlainNotice } from '../../ui/PlainNotice';
import { cardLead, isApprovalCheck, plainOf } from '../cards/card-words';
import { usePlainTexts } from '../cards/plain-texts-store';
import { runErrorWords, waitingWords } from './run-words';
import { ArtifactsPanel } from './ArtifactsPanel';
import { PackPanel } from './PackPanel';
import { TenantRunBody } from './TenantRunBody';
import { RunReach } from './RunReach';

const pct = (used: number, budget: number) => (budget > 0 ? Math.min(100, Math.round((used / budget) * 100)) : 0);

export type RunDetailProps = { scope: 'device'; run: RunView; cards: DecisionCard[] } | { scope: 'tenant'; view: TeamRunView; cards: TeamCardView[] };

/**
 * One run. This device's: its step timeline, budgets, the decision cards each step wrote, approve /
 * reject, abort, artifacts and the evidence pack. Another device's (team sync): who recorded it, its
 * summary, the card it waits on with Approve / Reject, and its cards.
 */
export function RunDetail(p: RunDetailProps) {
  const tenant = p.scope === 'tenant';
  const run: RunSummary = tenant ? p.view.run : p.run;
  return (
    <article
      className="card stack run-detail"
      aria-label="Run detail"
      data-testid={tenant ? 'team-run-detail' : 'run-detail'}
      data-id={run.id}
      data-device={tenant ? p.view.device : undefined}
      data-status={run.status}
    >
      <header className="card-head">
        <strong>{run.title}</strong>
        <RunStatusBadge status={run.status} />
        {run.lane && <LaneBadge lane={run.lane} />}
      </header>
      {(!tenant || p.view.local) && <RunReach status={run.status} />}
      {tenant && (
        <p className="small" data-testid="run-device">
          From <Who device={p.view.device} tagSelf /> · user <Who profile={p.view.user || null} />{' '}
          <span className="muted">· received {dateTime(p.view.receivedAt)}</span>
        </p>
      )}
      <p className="small muted">
        <span className="mono">{run.id}</span> · {run.workflow} · started {dateTime(run.createdAt)} by <Who profile={run.startedBy} />
        {run.finishedAt ? ` · finished ${dateTime(run.finishedAt)}` : ''}
      </p>
      <RunStateWords run={run} cards={tenant ? p.cards.map((c) => c.card) : p.cards} />
      {p.scope === 'tenant' ? <TenantRunBody view={p.view} cards={p.cards} /> : <DeviceRunBody run={p.run} cards={p.cards} />}
    </article>
  );
}

function DeviceRunBody({ run, cards }: { run: RunView; cards: DecisionCard[] }) {
  const roles = useApp((s) => s.roles);
  const byId = new Map(cards.map((c) => [c.id, c]));
  return (
    <>
      <dl className="figures small budgets">
        <dt>Cost</dt>
        <dd>
          {(run.used.costCents / 100).toFixed(2)} of {(run.budgets.costCents / 100).toFixed(2)} ({pct(run.used.costCents, run.budgets.costCents)}%)
        </dd>
        <dt>Tokens</dt>
        <dd>
          {run.used.tokens.toLocaleString()} of {run.budgets.tokens.toLocaleString()}
        </dd>
        <dt>Wall time</dt>
        <dd>
          {(run.used.wallTimeMs / 1000).toFixed(1)} s of {(run.budgets.wallTimeMs / 1000).toFixed(0)} s
        </dd>
      </dl>
      <ol className="timeline" aria-label="Steps" data-testid="run-steps">
        {run.steps.map((st) => (
          <Step key={st.stepId} st={st} byId={byId} />
        ))}
      </ol>
      <RunActions run={run} />
      <ArtifactsPanel runId={run.id} runStatus={run.status} />
      <PackPanel runId={run.id} canIncludePii={canReview(roles)} />
    </>
  );
}

function Step({ st, byId }: { st: RunStepView; byId: Map<string, DecisionCard> }) {
  return (
    <li className={`step step-${st.status}`} data-step={st.stepId} data-status={st.status}>
      <div className="step-head">
        <strong>{st.title ?? st.stepId}</strong> <span className="muted small mono">{st.uses}</span> <RunStatusBadge status={st.status} />
      </div>
      <div className="small muted">
        {st.startedAt ? dateTime(st.startedAt) : 'not started'}
        {st.finishedAt ? ` → ${dateTime(st.finishedAt)}` : ''}
        {st.costCents || st.tokens ? ` · ${(st.costCents / 100).toFixed(2)}, ${st.tokens} tokens` : ''}
      </div>
      {st.summary && <div className="small">{st.summary}</div>}
      {st.error && (
        <div className="small error" data-testid="step-error">
          This step could not finish.
          <details className="plain-details">
            <summary>Details</summary>
            {st.error}
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
  const texts = usePlainTexts();
  const roles = useApp((s) => s.roles);
  if (!c) return <>{id}</>;
  const lead = cardLead(c, { texts, roles });
  const failed = c.invariants.filter((i) => !i.pass);
  return (
    <>
      <LaneBadge lane={c.lane} /> {lead.what}
      <details className="plain-details">
        <summary>Details</summary>
        <span className="small">
          {c.status.replace('_', ' ')} — {c.rationale}
          {failed.length > 0 && <span className="error"> ({failed.map((i) => i.message ?? i.id).join('; ')})</span>}
        </span>
      </details>
    </>
  );
}

/** Why the run stopped or what it waits for, in words; the engine's error line under Details. */
function RunStateWords({ run, cards }: { run: RunSummary; cards: DecisionCard[] }) {
  const texts = usePlainTexts();
  const roles = useApp((s) => s.roles);
  const failure = runErrorWords(run, texts);
  if (failure)
    return (
      <PlainNotice
        testId="run-state"
        what={failure.what}
        next={failure.next}
        details={
          <p className="small error" data-testid="run-error">
            {run.errorCode && <span className="mono">{run.errorCode} </span>}
            {run.error}
          </p>
        }
      />
    );
  const waitingOn = [...cards].reverse().find((c) => c.status === 'awaiting_approval');
  const held = waitingOn ? [...new Set(waitingOn.invariants.filter((i) => !i.pass && isApprovalCheck(i)).map((i) => plainOf(i.id, texts).failed))] : [];
  const waiting = waitingWords(run.status, held, canReview(roles), run.lane);
  if (!waiting) return null;
  return <PlainNotice testId="run-state" tone="warn" what={waiting.what} next={waiting.next} />;
}

function RunActions({ run }: { run: RunView }) {
  const roles = useApp((s) => s.roles);
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
            Abort generation
          </button>
        )}
        {run.status === 'awaiting_approval' && (
          <DecisionButtons target={{ scope: 'device', runId: run.id }} notAllowed={canReview(roles) ? null : 'Waiting for a reviewer’s approval.'} />
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
          Open its cards
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
