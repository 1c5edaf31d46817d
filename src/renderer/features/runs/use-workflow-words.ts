// Runs' and steps' titles in the user's language, from the loaded workflows (./workflow-words.ts).
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useRuns } from './runs-store';
import { runTitleText, stepText, workflowOf } from './workflow-words';

export function useWorkflowWords(): {
  runTitle: (run: { workflow: string; title: string }) => string;
  stepTitle: (workflow: string, stepId: string, fallback: string | null) => string | null;
} {
  const { i18n } = useTranslation();
  const workflows = useRuns((s) => s.workflows);
  const lang = i18n.language;
  return useMemo(
    () => ({
      runTitle: (run) => runTitleText(run, workflows, lang),
      stepTitle: (workflow, stepId, fallback) => stepText(workflowOf(workflows, workflow), stepId, fallback, lang),
    }),
    [workflows, lang],
  );
}
