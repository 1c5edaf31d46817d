// The capture form in the user's language (decision 0031), rendered to HTML: labels, hints, help
// and enum labels from the contract's translations; English as before; the locale sent on submit.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContractDoc } from '../../../shared/api/types';
import shipped from '../../../../resources/contracts/field.inspect.site@1.2.0.json';
import { i18next, initI18n } from '../../i18n';
import { useCapture } from './capture-store';
import { CaptureForm } from './CaptureForm';
import { ContractPicker } from './ContractPicker';

const call = vi.fn();
vi.mock('../../api/client', () => ({ call: (...a: unknown[]) => call(...a) }));

const doc = shipped as unknown as ContractDoc;
const html = (lang: string, c: typeof CaptureForm | typeof ContractPicker = CaptureForm): string => {
  void i18next.changeLanguage(lang);
  return renderToStaticMarkup(createElement(c));
};

beforeAll(() => void initI18n('en'));

type State = ReturnType<typeof useCapture.getState>;
/** Server rendering reads a zustand store's initial state (its server snapshot): set both. */
function setState(patch: Partial<State>): void {
  useCapture.setState(patch);
  Object.assign(useCapture.getInitialState(), patch);
}
afterAll(() => void i18next.changeLanguage('en'));
beforeEach(() => {
  call.mockReset();
  setState({ contracts: [doc], contractRef: doc.contract, data: { condition: 'unsafe' }, draftId: null });
});

describe('the capture form in the user’s language', () => {
  it('Swedish: the contract’s Swedish titles, hint, help and enum labels; the values stay', () => {
    const sv = html('sv');
    expect(sv).toContain('aria-label="Registrera Platsinspektion"');
    expect(sv).toContain('>Plats-ID</label>');
    expect(sv).toContain('Till exempel PS-7');
    expect(sv).toContain('<p class="field-help">Två till fyra versaler, ett bindestreck och upp till sex siffror.</p>');
    expect(sv).toContain('<legend>Plats');
    // the select shows labels; its options are indexes into the enum, and the chosen value is kept
    expect(sv).toMatch(/<option value="3" selected="">Osäkert<\/option>/);
    expect(sv).toContain('>Övergripande skick</label>');
  });

  it('Arabic and Swahili render their own words', () => {
    expect(html('ar')).toContain('>معرّف الموقع</label>');
    expect(html('sw')).toContain('>Kitambulisho cha eneo</label>');
  });

  it('English: the plain words, no help text, enum values as they are', () => {
    const en = html('en');
    expect(en).toContain('>Site ID</label>');
    expect(en).toContain('<div id="f.siteId-hint" class="hint">For example PS-7</div>');
    expect(en).not.toContain('field-help');
    expect(en).toMatch(/<option value="3" selected="">unsafe<\/option>/);
    expect(en).toContain('aria-label="Capture Site inspection"');
    expect(en).not.toContain('Platsinspektion');
  });

  it('the contract picker names the contract in the user’s language', () => {
    expect(html('fr', ContractPicker)).toContain('<strong>Inspection de site</strong>');
    expect(html('en', ContractPicker)).toContain('<strong>Site inspection</strong>');
  });

  it('a record is submitted with the language it was captured in', async () => {
    void i18next.changeLanguage('sv');
    const data = { siteId: 'PS-7', inspectedAt: '2026-01-02', location: { lat: 1, lon: 2 }, condition: 'good', inspector: { name: 'Ada' } };
    setState({ data });
    call.mockImplementation((ch: string) => {
      if (ch === 'drafts.save') return Promise.resolve({ draft: { id: 'd1', contract: doc.contract, data, createdAt: 't', updatedAt: 't' } });
      if (ch === 'capture.submit') return Promise.resolve({ recordId: 'r1', outboxId: 'o1' });
      return Promise.resolve({ drafts: [] });
    });
    await useCapture.getState().submit();
    const submit = call.mock.calls.find((c) => c[0] === 'capture.submit');
    expect(submit?.[1]).toMatchObject({ contract: doc.contract, data, locale: 'sv' });
    void i18next.changeLanguage('en');
  });
});
