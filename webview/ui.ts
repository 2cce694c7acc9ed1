/**
 * The one place that knows which component library draws the controls. Today it is
 * @vscode/webview-ui-toolkit (archived upstream); swapping to @vscode-elements/elements means
 * changing the tag names and the registration here, nothing else.
 */
import {
  provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeCheckbox, vsCodeDivider, vsCodeDropdown, vsCodeLink, vsCodeOption,
  vsCodeProgressRing, vsCodeTextArea, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { el } from './dom';

export function registerUi(): void {
  provideVSCodeDesignSystem().register(
    vsCodeButton(), vsCodeBadge(), vsCodeCheckbox(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption(), vsCodeLink(),
    vsCodeProgressRing(), vsCodeTextArea(), vsCodeTextField(),
  );
}

export interface ButtonOptions { testid?: string; appearance?: 'primary' | 'secondary' | 'icon'; title?: string; onClick: () => void }

export function button(label: string, o: ButtonOptions): HTMLElement {
  const b = el('vscode-button', { appearance: o.appearance ?? 'secondary', 'data-testid': o.testid, title: o.title }, label);
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) o.onClick();
  });
  return b;
}

export function setDisabled(e: HTMLElement, disabled: boolean): void {
  if (disabled !== e.hasAttribute('disabled')) e.toggleAttribute('disabled', disabled);
}

export function setHidden(e: HTMLElement, hidden: boolean): void {
  if (hidden !== e.hidden) e.hidden = hidden;
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, testid?: string): HTMLElement {
  const c = el('vscode-checkbox', { checked, 'data-testid': testid }, label);
  c.addEventListener('change', () => onChange((c as HTMLInputElement).checked));
  return c;
}

/** A value-holding control (text field, text area, dropdown) with a uniform way to read and fill it. */
export interface Field { element: HTMLElement; value(): string; set(value: string): void }

export function textField(name: string, o: { placeholder?: string; multiline?: boolean; numeric?: boolean; testid?: string; label?: string }): Field {
  const e = el(o.multiline ? 'vscode-text-area' : 'vscode-text-field', { placeholder: o.placeholder, 'data-testid': o.testid, name, rows: o.multiline ? 3 : undefined, inputmode: o.numeric ? 'decimal' : undefined }, o.label ?? name);
  return {
    element: e,
    value: () => String((e as HTMLInputElement).value ?? ''),
    set: (v) => {
      // the attribute fills the control when it upgrades; the property once it has
      e.setAttribute('value', v);
      (e as HTMLInputElement).value = v;
    },
  };
}

export function dropdown(name: string, options: string[], testid?: string): Field {
  const e = el('vscode-dropdown', { 'data-testid': testid, name }, ...options.map((o) => el('vscode-option', { value: o }, o)));
  return {
    element: e,
    value: () => String((e as HTMLSelectElement).value ?? options[0] ?? ''),
    set: (v) => {
      if (!options.includes(v)) return;
      for (const o of Array.from(e.children)) o.toggleAttribute('selected', o.getAttribute('value') === v);
      (e as HTMLSelectElement).value = v;
    },
  };
}

export function badge(label: string): HTMLElement {
  return el('vscode-badge', {}, label);
}

export function spinner(): HTMLElement {
  return el('vscode-progress-ring', { class: 'spinner' });
}

export function divider(): HTMLElement {
  return el('vscode-divider', { role: 'separator' });
}

export function link(label: string, href: string, testid?: string): HTMLElement {
  return el('vscode-link', { href, 'data-testid': testid }, label);
}
