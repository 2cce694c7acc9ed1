/**
 * A tiny event emitter with the same shape as `vscode.Event`, so the host logic (process
 * management, run bookkeeping) runs and is tested in plain Node without the `vscode` module.
 */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (e: T) => unknown;
export type Event<T> = (listener: Listener<T>, thisArgs?: unknown, disposables?: Disposable[]) => Disposable;

export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();

  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    const bound: Listener<T> = thisArgs === undefined ? listener : (e) => listener.call(thisArgs, e);
    this.listeners.add(bound);
    const d = { dispose: () => void this.listeners.delete(bound) };
    disposables?.push(d);
    return d;
  };

  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        // one broken listener must not stop the others (nor the engine's message pump)
        console.error(err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** The log calls the host makes; `vscode.LogOutputChannel` has them, and so does a test's fake. */
export interface HostLog {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
