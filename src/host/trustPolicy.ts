/**
 * What Model Studio does in an untrusted workspace (README: "Untrusted workspaces"), in one place, without
 * `vscode` so it is tested in plain Node. The decision: until the workspace is trusted, nothing but the model
 * files themselves is read. Validation checks the schema, the cross-field rules and the layer shapes, but
 * does not open data.source (no header, no folder listing: a data path could be a pipe, a device or a
 * symlink out, and reading it is the workspace's code choosing what we touch). Commands that run the
 * engine, write files or delete them are disabled. Granting trust re-validates the open model files with data.
 */

/** Validation options for the editor's diagnostics. */
export function validationOptions(trusted: boolean): { checkData: boolean } {
  return { checkData: trusted };
}

/** Commands that run code, write or delete files: `enablement: isWorkspaceTrusted` in package.json, and requireTrust inside. */
export const TRUSTED_ONLY_COMMANDS = [
  'modelStudio.train',
  'modelStudio.evaluateRun',
  'modelStudio.saveModel',
  'modelStudio.deployModel',
  'modelStudio.installNativeBackend',
  'modelStudio.newModelFile',
  'modelStudio.deleteRun',
  'modelStudio.runSweep',
  'modelStudio.editRunNote',
] as const;
