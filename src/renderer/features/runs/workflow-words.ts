// A workflow's words in the user's language (docs/decisions/0031-contracts-in-several-languages.md,
// "Workflows in several languages"): its title, description and step titles from the manifest's
// `i18n`, picked by the user's language, then its base language, then the manifest's own words. Runs
// are matched to their workflow by reference; a run whose workflow is not loaded here (another
// device's, a workflow since removed) keeps the words it was stored with. The start form's contract is
// localized as the capture form's is (capture/schema-form/localize.ts).
import type { ContractDoc } from '../../../shared/api/types';
import { localeChain } from '../../../shared/contract-annotations';
import type { WorkflowWords } from '../../../shared/workflow/manifest-schema';
import type { WorkflowInfo } from '../../../shared/workflow/views';
import type { JsonSchema } from '../capture/schema-form/json-schema';
import { localizeSchema } from '../capture/schema-form/localize';

type Words = Pick<WorkflowInfo, 'title' | 'description' | 'i18n'>;

/** The workflow's words for each locale of the chain that it has, best first. */
function wordsFor(w: Words, lang: string): WorkflowWords[] {
  const all = w.i18n ?? {};
  return localeChain(lang).flatMap((l) => (all[l] ? [all[l]] : []));
}

/** The workflow's title and description in `lang` (the manifest's own words when it has none in that language). */
export function workflowText(w: Words, lang: string): { title: string; description: string | null } {
  const words = wordsFor(w, lang);
  return {
    title: words.find((x) => x.title)?.title ?? w.title,
    description: words.find((x) => x.description)?.description ?? w.description,
  };
}

/** A step's title in `lang`, else `fallback` (the manifest's own title, or null when it has none). */
export function stepText(w: Words | undefined, stepId: string, fallback: string | null, lang: string): string | null {
  if (!w) return fallback;
  return wordsFor(w, lang).find((x) => x.steps?.[stepId])?.steps?.[stepId] ?? fallback;
}

/** Where a run's workflow words come from: the loaded workflow of the same reference. */
export const workflowOf = (workflows: readonly WorkflowInfo[], ref: string): WorkflowInfo | undefined => workflows.find((w) => w.workflow === ref);

/**
 * A run's title in `lang`. A run's title is its workflow's title, then ` · ` and the record's
 * identifying value (shared/workflow/decision-context.ts titleWith): the workflow's part is
 * translated, the value is kept. A title that does not start with the workflow's title is kept as it is.
 */
export function runTitleText(run: { workflow: string; title: string }, workflows: readonly WorkflowInfo[], lang: string): string {
  const w = workflowOf(workflows, run.workflow);
  if (!w) return run.title;
  const title = workflowText(w, lang).title;
  if (run.title === w.title) return title;
  return run.title.startsWith(`${w.title} · `) ? `${title}${run.title.slice(w.title.length)}` : run.title;
}

/** The workflow's input contract schema with its words in `lang` (decision 0031): what the start form renders. */
export function inputSchemaOf(s: { workflows: readonly WorkflowInfo[]; contracts: readonly ContractDoc[] }, workflow: string, lang: string): JsonSchema | null {
  const w = workflowOf(s.workflows, workflow);
  const c = w && s.contracts.find((x) => x.contract === w.inputContract);
  return c ? localizeSchema(c.schema as JsonSchema, lang) : null;
}
