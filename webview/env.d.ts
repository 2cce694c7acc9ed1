/** Ambient declarations for the webview bundle. */
declare module '*.css' {
  const text: string;
  export default text;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
