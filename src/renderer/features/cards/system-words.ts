// What the main process wrote for people (decision 0030) in the reader's language: a decision card's
// subject, rationale and option labels, when the card has them as messages (`*Words`); the text as
// it was written otherwise (cards from before messages, writers with only their own text).
import type { DecisionCard, DecisionOption, Words } from '../../../shared/workflow/types';
import type { WorkflowInfo } from '../../../shared/workflow/views';
import { wordsWith } from '../../../shared/workflow/said';
import { i18next } from '../../i18n';
import { messageText } from '../../ui/message';
import { runTitleText, stepText, workflowOf } from '../runs/workflow-words';

/** How a list of reasons is joined: "a; b" (in the language's punctuation), or sentences one after another. */
export function joinReasons(reasons: readonly string[], join: Words['join'] = 'list'): string {
  return reasons.join(join === 'sentences' ? ' ' : i18next.isInitialized ? i18next.t('system:join.list') : '; ');
}

/** Words in the reader's language: the message, its `{reasons}` filled with each reason in words. */
export function wordsText(w: Words): string {
  return wordsWith(w, messageText, i18next.isInitialized ? i18next.t('system:join.list') : '; ');
}

/**
 * Words that name their run's workflow (`workflow`, its reference) with its title (`title`: the run's
 * title, the workflow's title and the record's value) and a step (`step`, its id, with `stepTitle`):
 * both titles from the workflow's own words in `lang` (runs/workflow-words.ts). A workflow not loaded
 * here keeps the titles as written.
 */
function withWorkflowTitles(w: Words, workflows: readonly WorkflowInfo[], lang: string): Words {
  const p = w.text.params;
  const ref = p?.workflow;
  const flow = typeof ref === 'string' ? workflowOf(workflows, ref) : undefined;
  if (!p || !flow) return w;
  const params = { ...p };
  if (typeof p.title === 'string') params.title = runTitleText({ workflow: flow.workflow, title: p.title }, workflows, lang);
  if (typeof p.step === 'string' && typeof p.stepTitle === 'string') params.stepTitle = stepText(flow, p.step, p.stepTitle, lang) ?? p.stepTitle;
  return { ...w, text: { ...w.text, params } };
}

/** A card's subject in the reader's language; `workflows` word the run's workflow and step titles in it. */
export function subjectText(c: Pick<DecisionCard, 'subject' | 'subjectWords'>, workflows: readonly WorkflowInfo[] = [], lang = i18next.language): string {
  return c.subjectWords ? wordsText(withWorkflowTitles(c.subjectWords, workflows, lang)) : c.subject;
}

export const rationaleText = (c: Pick<DecisionCard, 'rationale' | 'rationaleWords'>): string => (c.rationaleWords ? wordsText(c.rationaleWords) : c.rationale);

export const optionLabel = (o: Pick<DecisionOption, 'label' | 'labelWords'>): string => (o.labelWords ? wordsText(o.labelWords) : o.label);
