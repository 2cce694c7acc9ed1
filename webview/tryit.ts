/**
 * Try it: a form generated from the model's input features; sends one record, shows the prediction.
 * An image field takes a picked file (the host's dialog), a dropped one (from the desktop, or from the
 * Explorer with Shift held), or a typed workspace path, and shows its thumbnail. What the fields hold
 * lives in the dashboard's state, so a reload of the window keeps it.
 */
import type { FormField, PredictionView, TryItForm, TryItImage } from '../src/protocol/webview';
import { clear, h } from './dom';
import { formatNumber, formatPercent } from './format';
import { button, dropdown, textField, type Field } from './ui';

export type PredictRecord = Record<string, string | number | boolean | null>;

export interface TryItEvents {
  predict(record: PredictRecord): void;
  /** the host's file dialog, for an image field */
  pickImage(field: string): void;
  /** an image by its path (typed, or dropped from the Explorer): the host reads it if it is in the workspace */
  loadImage(field: string, path: string): void;
  /** an image the page read itself (a file dropped from the desktop), or why it could not */
  image(field: string, image: TryItImage | undefined, error?: string): void;
  /** a field's text changed */
  input(field: string, value: string): void;
}

/** The images Try it accepts, as the host checks them too. */
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg']);

interface ImageSlot { spec: FormField; zone: HTMLElement; thumb: HTMLImageElement; caption: HTMLElement; path: Field; image?: TryItImage }

export class TryIt {
  readonly element = h('div', { class: 'tryit', 'data-testid': 'tryit' });
  private readonly result = h('div', { class: 'prediction', 'data-testid': 'prediction', 'aria-live': 'polite' });
  private form: TryItForm | undefined;
  private fields: Array<{ spec: FormField; field: Field }> = [];
  private images = new Map<string, ImageSlot>();
  private shownImages: Record<string, TryItImage | { error: string }> | undefined;
  /** image fields the person just chose, dropped or typed a path for: when the image arrives, predict */
  private readonly awaited = new Set<string>();
  private submit: HTMLElement | undefined;

  constructor(private readonly events: TryItEvents) {}

  /** Builds the form (once per form), filled with what the fields held. */
  setForm(form: TryItForm, inputs: Record<string, string>): void {
    if (form === this.form) return;
    this.form = form;
    this.shownImages = undefined;
    clear(this.element);
    this.images.clear();
    this.fields = form.fields.filter((spec) => spec.kind !== 'image').map((spec) => ({ spec, field: this.fieldFor(spec, inputs[spec.name]) }));
    const imageFields = form.fields.filter((spec) => spec.kind === 'image').map((spec) => this.imageField(spec, inputs[spec.name]));
    const grid = h('div', { class: 'form-grid' }, ...this.fields.map((f) => h('label', { class: 'form-field' }, f.spec.kind === 'choice' ? h('span', { class: 'field-label' }, f.spec.name) : null, f.field.element)));
    this.submit = button('Predict', { appearance: 'primary', testid: 'predict', onClick: () => this.events.predict(this.record()) });
    const intro = imageFields.length
      ? 'Choose an image (or drop one here) as the data would have it; the saved preprocessing (size, channels, scaling) is applied, as a served model does.'
      : 'Enter one record as the raw data would have it; the saved preprocessing is applied, as a served model does. Empty fields count as missing.';
    this.element.append(h('p', { class: 'muted small' }, intro), ...imageFields, ...(this.fields.length ? [grid] : []), h('div', { class: 'actions' }, this.submit), this.result);
  }

  /** Thumbnails and errors of the image fields, from the state. */
  showImages(images: Record<string, TryItImage | { error: string }>): void {
    if (images === this.shownImages) return;
    const before = this.shownImages;
    this.shownImages = images;
    for (const [name, slot] of this.images) {
      const v = images[name];
      const image = v && 'dataUrl' in v ? v : undefined;
      slot.image = image;
      slot.zone.classList.toggle('has-image', !!image);
      if (image) {
        if (slot.thumb.getAttribute('src') !== image.dataUrl) slot.thumb.src = image.dataUrl;
        slot.thumb.alt = image.name;
        slot.caption.textContent = image.name;
        slot.caption.className = 'image-caption';
      } else {
        slot.thumb.removeAttribute('src');
        slot.caption.textContent = v && 'error' in v ? v.error : 'Drop a PNG or JPEG here';
        slot.caption.className = v && 'error' in v ? 'image-caption error' : 'image-caption muted';
      }
    }
    // an image just chosen or dropped: show what the model makes of it at once (when every field has one)
    const arrived = [...this.awaited].filter((name) => images[name] !== before?.[name]);
    for (const name of arrived) this.awaited.delete(name);
    const complete = this.fields.length === 0 && [...this.images.values()].every((slot) => slot.image);
    if (arrived.some((name) => this.images.get(name)?.image) && complete) this.events.predict(this.record());
  }

  record(): PredictRecord {
    const out: PredictRecord = {};
    for (const { spec, field } of this.fields) {
      const v = field.value().trim();
      if (v === '') out[spec.name] = null;
      else if (spec.kind === 'number') out[spec.name] = Number.isFinite(Number(v)) ? Number(v) : v;
      else out[spec.name] = v;
    }
    for (const [name, slot] of this.images) out[name] = slot.image?.dataUrl ?? null;
    return out;
  }

  setBusy(busy: boolean): void {
    if (this.submit) this.submit.toggleAttribute('disabled', busy);
  }

  showPrediction(p: { predictions?: PredictionView[]; error?: string } | undefined): void {
    clear(this.result);
    if (!p) return;
    if (p.error) {
      this.result.append(h('div', { class: 'notice error', 'data-testid': 'prediction-error' }, p.error));
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
      const list = h('div', { class: 'probs', 'data-testid': 'probabilities' });
      for (const { label, p: prob } of first.probabilities) {
        const bar = h('span', { class: 'bar' });
        bar.style.width = `${Math.max(0, Math.min(1, prob)) * 100}%`;
        list.append(h('div', { class: `prob${label === first.label ? ' top' : ''}`, 'data-testid': 'probability', 'data-label': label, 'data-p': String(prob) }, h('span', { class: 'prob-label', title: label }, label), h('span', { class: 'prob-bar' }, bar), h('span', { class: 'prob-value' }, formatPercent(prob, 1))));
      }
      this.result.append(list);
    }
  }

  private fieldFor(spec: FormField, value: string | undefined): Field {
    const testid = `field-${spec.name}`;
    let field: Field;
    switch (spec.kind) {
      case 'number':
        field = textField(spec.name, { placeholder: spec.placeholder ?? 'number', numeric: true, testid });
        break;
      case 'choice':
        field = dropdown(spec.name, spec.options, testid);
        break;
      default:
        field = textField(spec.name, { placeholder: 'text', multiline: spec.kind === 'text' && spec.multiline, testid });
        break;
    }
    if (value !== undefined) field.set(value);
    const report = () => this.events.input(spec.name, field.value());
    field.element.addEventListener('input', report);
    field.element.addEventListener('change', report);
    return field;
  }

  /** A drop zone with the thumbnail, "Choose Image…", and a path field (Enter loads it). */
  private imageField(spec: FormField, typed: string | undefined): HTMLElement {
    const name = spec.name;
    const thumb = h('img', { class: 'image-thumb', 'data-testid': `image-${name}`, alt: '' });
    const caption = h('span', { class: 'image-caption muted', 'data-testid': `image-caption-${name}` }, 'Drop a PNG or JPEG here');
    const zone = h('div', { class: 'drop-zone', 'data-testid': `drop-${name}`, tabindex: 0, title: 'Drop an image file here (from the Explorer, hold Shift while dropping)' }, thumb, caption);
    const path = textField(name, { label: 'or its path in the workspace (Enter to load)', placeholder: 'e.g. data/cat/cat_001.png', testid: `path-${name}` });
    if (typed) path.set(typed);
    const slot: ImageSlot = { spec, zone, thumb, caption, path };
    this.images.set(name, slot);
    path.element.addEventListener('input', () => this.events.input(name, path.value()));
    path.element.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key !== 'Enter' || !path.value().trim()) return;
      this.events.input(name, path.value());
      this.awaited.add(name);
      this.events.loadImage(name, path.value().trim());
    });
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('dragging');
      this.dropped(name, e.dataTransfer);
    });
    const pick = () => {
      this.awaited.add(name);
      this.events.pickImage(name);
    };
    zone.addEventListener('click', pick);
    const choose = button('Choose Image…', { testid: `choose-${name}`, onClick: pick });
    return h('div', { class: 'image-field' }, h('span', { class: 'field-label' }, name), zone, h('div', { class: 'image-actions' }, choose, path.element));
  }

  private dropped(name: string, data: DataTransfer | null): void {
    if (!data) return;
    this.awaited.add(name);
    const file = data.files?.[0];
    if (file) {
      if (!IMAGE_TYPES.has(file.type)) return this.events.image(name, undefined, `${file.name} is not a PNG or JPEG image`);
      if (file.size > MAX_IMAGE_BYTES) return this.events.image(name, undefined, `${file.name} is over 10 MB`);
      const reader = new FileReader();
      reader.onload = () => this.events.image(name, typeof reader.result === 'string' ? { name: file.name, dataUrl: reader.result } : undefined, typeof reader.result === 'string' ? undefined : 'could not read the file');
      reader.onerror = () => this.events.image(name, undefined, `could not read ${file.name}`);
      reader.readAsDataURL(file);
      return;
    }
    // from the Explorer: a file URI (the host decides whether it may be read)
    const uri = (data.getData('text/uri-list') || data.getData('text/plain') || '').split(/\r?\n/).find((l) => l && !l.startsWith('#'));
    if (!uri) return;
    let p = uri.trim();
    try {
      if (/^[a-z][\w+.-]*:/i.test(p)) p = decodeURIComponent(new URL(p).pathname);
    } catch {
      // not a URL: a plain path
    }
    this.events.loadImage(name, p);
  }
}
