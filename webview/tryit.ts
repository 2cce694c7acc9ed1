/** Try it: a form generated from the model's input features; sends one record, shows the prediction. */
import type { FormField, PredictionView, TryItForm } from '../src/protocol/webview';
import { clear, h } from './dom';
import { formatNumber, formatPercent } from './format';
import { button, dropdown, textField, type Field } from './ui';

export type PredictRecord = Record<string, string | number | boolean | null>;

export class TryIt {
  readonly element = h('div', { class: 'tryit', 'data-testid': 'tryit' });
  private readonly result = h('div', { class: 'prediction', 'data-testid': 'prediction', 'aria-live': 'polite' });
  private form: TryItForm | undefined;
  private fields: Array<{ spec: FormField; field: Field }> = [];
  private submit: HTMLElement | undefined;

  constructor(private readonly onPredict: (record: PredictRecord) => void) {}

  setForm(form: TryItForm): void {
    if (form === this.form) return;
    this.form = form;
    clear(this.element);
    this.fields = form.fields.map((spec) => ({ spec, field: fieldFor(spec) }));
    const grid = h('div', { class: 'form-grid' }, ...this.fields.map((f) => h('label', { class: 'form-field' }, f.spec.kind === 'choice' ? h('span', { class: 'field-label' }, f.spec.name) : null, f.field.element)));
    this.submit = button('Predict', { appearance: 'primary', testid: 'predict', onClick: () => this.onPredict(this.record()) });
    this.element.append(
      h('p', { class: 'muted small' }, 'Enter one record as the raw data would have it; the saved preprocessing is applied, as a served model does. Empty fields count as missing.'),
      grid,
      h('div', { class: 'actions' }, this.submit),
      this.result,
    );
  }

  record(): PredictRecord {
    const out: PredictRecord = {};
    for (const { spec, field } of this.fields) {
      const v = field.value().trim();
      if (v === '') out[spec.name] = null;
      else if (spec.kind === 'number') out[spec.name] = Number.isFinite(Number(v)) ? Number(v) : v;
      else out[spec.name] = v;
    }
    return out;
  }

  setBusy(busy: boolean): void {
    if (this.submit) this.submit.toggleAttribute('disabled', busy);
  }

  showPrediction(p: { predictions?: PredictionView[]; error?: string } | undefined): void {
    clear(this.result);
    if (!p) return;
    if (p.error) {
      this.result.append(h('div', { class: 'notice error' }, p.error));
      return;
    }
    const first = p.predictions?.[0];
    if (!first) {
      this.result.append(h('span', { class: 'muted' }, 'Predicting…'));
      return;
    }
    if (first.label !== undefined) this.result.append(h('div', { class: 'predicted-label' }, h('span', { class: 'muted' }, 'prediction '), h('strong', { 'data-testid': 'prediction-label' }, first.label)));
    if (first.value !== undefined) this.result.append(h('div', { class: 'predicted-label' }, h('span', { class: 'muted' }, 'prediction '), h('strong', { 'data-testid': 'prediction-value' }, formatNumber(first.value))));
    if (first.probabilities?.length) {
      const list = h('div', { class: 'probs' });
      for (const { label, p: prob } of first.probabilities) {
        const bar = h('span', { class: 'bar' });
        bar.style.width = `${Math.max(0, Math.min(1, prob)) * 100}%`;
        list.append(h('div', { class: `prob${label === first.label ? ' top' : ''}` }, h('span', { class: 'prob-label', title: label }, label), h('span', { class: 'prob-bar' }, bar), h('span', { class: 'prob-value' }, formatPercent(prob, 1))));
      }
      this.result.append(list);
    }
  }
}

function fieldFor(spec: FormField): Field {
  const testid = `field-${spec.name}`;
  switch (spec.kind) {
    case 'number':
      return textField(spec.name, { placeholder: spec.placeholder ?? 'number', numeric: true, testid });
    case 'choice':
      return dropdown(spec.name, spec.options, testid);
    case 'text':
      return textField(spec.name, { placeholder: 'text', multiline: spec.multiline, testid });
    case 'image':
      return textField(spec.name, { placeholder: 'path of an image file', testid });
  }
}
