/** Everything a command needs, built once by the composition root (src/extension.ts). */
import type * as vscode from 'vscode';
import type { PanelContext } from './context';
import type { HostLog } from './events';
import type { RunManager } from './runManager';
import type { ServerManager } from './serverManager';
import type { SweepManager } from './sweepManager';
import type { ModelsTreeNode, ModelsTreeProvider } from '../views/modelsTree';
import type { ModelDiagnostics } from '../diagnostics/modelDiagnostics';

export interface HostContext extends PanelContext {
  ext: vscode.ExtensionContext;
  runs: RunManager;
  servers: ServerManager;
  /** sweeps started in this window (their trials are runs of `runs`) */
  sweeps: SweepManager;
  hostLog: HostLog;
  tree: ModelsTreeProvider;
  treeView: vscode.TreeView<ModelsTreeNode>;
  diagnostics: ModelDiagnostics;
  /** where Install Native Backend puts @tensorflow/tfjs-node(-gpu); the engine gets it as MODEL_STUDIO_NATIVE_DIR */
  nativeDir: string;
  /** the model file last shown in an editor: offered first when a command must ask which one */
  recent: { modelFile?: string };
}
