// Runs' and steps' titles in the user's language, from the loaded workflows (./workflow-words.ts),
// and the subjects of the cards the engine wrote (their workflow and step titles worded the same way).
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { DecisionCard } from '../../../shared/workflow/types';
import { subjectText } from '../cards/system-words';
import { useRuns } from './runs-store';
import { runTitleText, stepText, workflowOf } from './workflow-words';

export function useWorkflowWords(): {
  runTitle: (run: { workflow: string; title: string }) => string;
  stepTitle: (workflow: string, stepId: string, fallback: string | null) => string | null;
  cardSubject: (card: Pick<DecisionCard, 'subject' | 'subjectWords'>) => string;
} {
  const { i18n } = useTranslation();
  const workflows = useRuns((s) => s.workflows);
  const lang = i18n.language;
  // A view that words cards without the runs view (the cards view) loads the workflows' words once.
  useEffect(() => useRuns.getState().loadWords(), []);
  return useMemo(
    () => ({
      runTitle: (run) => runTitleText(run, workflows, lang),
      stepTitle: (workflow, stepId, fallback) => stepText(workflowOf(workflows, workflow), stepId, fallback, lang),
      cardSubject: (card) => subjectText(card, workflows, lang),
    }),
    [workflows, lang],
  );
}
