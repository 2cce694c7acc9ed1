/**
 * The "Models" tree: every model file in the workspace, each with its runs (newest first). Kept
 * current by file-system watchers (model files and run.json files) and by live run events.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { limit } from '../limits';
import { parse as parseYaml } from 'yaml';
import type { RunManager } from '../host/runManager';
import { runsDirFor } from '../host/settings';
import { listRuns, modelNameOf, runDescription, runLabel, runTooltip, type RunEntry } from './runList';

export const MODEL_FILE_GLOB = '**/*.model.{yaml,yml,json}';
const EXCLUDE = '{**/node_modules/**,**/.git/**}';

export interface ModelNode {
  kind: 'model';
  uri: vscode.Uri;
  specPath: string;
  name: string;
}

export interface RunNode {
  kind: 'run';
  model: ModelNode;
  entry: RunEntry;
  runKey?: string;
}

/** A live run that has not told us its folder yet. */
export interface StartingNode {
  kind: 'starting';
  model: ModelNode;
  runKey: string;
}

export type ModelsTreeNode = ModelNode | RunNode | StartingNode;

const STATUS_ICON: Record<RunEntry['status'], vscode.ThemeIcon> = {
  queued: new vscode.ThemeIcon('clock', new vscode.ThemeColor('charts.blue')),
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  completed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  stopped: new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('charts.yellow')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

export class ModelsTreeProvider implements vscode.TreeDataProvider<ModelsTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelsTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private models: ModelNode[] | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly runs: RunManager) {
    const modelWatcher = vscode.workspace.createFileSystemWatcher(MODEL_FILE_GLOB);
    const runWatcher = vscode.workspace.createFileSystemWatcher('**/run.json');
    const rescan = () => {
      this.models = undefined;
      this.refresh();
    };
    this.disposables.push(
      this.changed,
      modelWatcher,
      runWatcher,
      modelWatcher.onDidCreate(rescan),
      modelWatcher.onDidDelete(rescan),
      // a renamed model (`name:`) moves its runs
      modelWatcher.onDidChange(rescan),
      runWatcher.onDidCreate(() => this.refresh()),
      runWatcher.onDidChange(() => this.refresh()),
      runWatcher.onDidDelete(() => this.refresh()),
      runs.onDidChangeRun(() => this.refresh()),
      vscode.workspace.onDidChangeWorkspaceFolders(rescan),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('modelStudio.runsFolder')) this.refresh();
      }),
    );
  }

  /** Coalesces bursts (progress, many run.json writes) into one redraw. */
  refresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire(undefined);
    }, 300);
  }

  async getModels(): Promise<ModelNode[]> {
    if (this.models) return this.models;
    const uris = await vscode.workspace.findFiles(MODEL_FILE_GLOB, EXCLUDE);
    const nodes = await Promise.all(uris.map(async (uri): Promise<ModelNode> => {
      let parsed: unknown;
      try {
        // Only a regular file of a model file's size is read for its name (a pipe named x.model.yaml would never end).
        const st = await vscode.workspace.fs.stat(uri);
        if ((st.type & vscode.FileType.File) !== 0 && st.size <= limit('modelFileBytes')) parsed = parseYaml(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
      } catch {
        parsed = undefined; // the name falls back to the file name; diagnostics say what is wrong
      }
      return { kind: 'model', uri, specPath: uri.fsPath, name: modelNameOf(parsed, uri.fsPath) };
    }));
    nodes.sort((a, b) => vscode.workspace.asRelativePath(a.uri).localeCompare(vscode.workspace.asRelativePath(b.uri)));
    this.models = nodes;
    void vscode.commands.executeCommand('setContext', 'modelStudio.hasModelFiles', nodes.length > 0);
    return nodes;
  }

  async getChildren(node?: ModelsTreeNode): Promise<ModelsTreeNode[]> {
    if (!node) return this.getModels();
    if (node.kind !== 'model') return [];
    return this.runsOf(node);
  }

  async runsOf(model: ModelNode): Promise<Array<RunNode | StartingNode>> {
    const entries = await listRuns(runsDirFor(model.specPath), model.name, (dir) => this.runs.findByRunDir(dir) !== undefined);
    const out: Array<RunNode | StartingNode> = [];
    const spec = path.resolve(model.specPath);
    for (const r of this.runs.active()) {
      if (!r.runDir && path.resolve(r.specPath) === spec) out.push({ kind: 'starting', model, runKey: r.runKey });
    }
    for (const entry of entries) {
      const runKey = this.runs.findByRunDir(entry.runDir);
      const live = runKey ? this.runs.live(runKey) : undefined;
      // the live status is fresher than run.json (which the engine rewrites at each change)
      if (live && live.status !== 'running') entry.status = live.status;
      if (live?.status === 'queued' && entry.job && live.queuedReason) entry.job.reason = live.queuedReason;
      if (live?.status === 'failed' && live.lastError) entry.error = live.lastError;
      out.push({ kind: 'run', model, entry, runKey });
    }
    return out;
  }

  getParent(node: ModelsTreeNode): ModelsTreeNode | undefined {
    return node.kind === 'model' ? undefined : node.model;
  }

  getTreeItem(node: ModelsTreeNode): vscode.TreeItem {
    if (node.kind === 'model') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `model:${node.specPath}`;
      item.resourceUri = node.uri;
      item.description = vscode.workspace.asRelativePath(node.uri);
      item.tooltip = new vscode.MarkdownString(`**${node.name}**  \n\`${node.specPath}\`  \nRuns in \`${path.join(runsDirFor(node.specPath), node.name)}\``);
      const training = this.runs.findBySpec(node.specPath) !== undefined;
      item.contextValue = training ? 'modelStudio.model.training' : 'modelStudio.model';
      item.iconPath = new vscode.ThemeIcon(training ? 'loading~spin' : 'symbol-class');
      item.command = { title: 'Open Model File', command: 'vscode.open', arguments: [node.uri] };
      return item;
    }
    if (node.kind === 'starting') {
      const item = new vscode.TreeItem('starting…', vscode.TreeItemCollapsibleState.None);
      item.id = `starting:${node.runKey}`;
      const target = this.runs.live(node.runKey)?.target;
      item.description = target ? `queued · submitting to ${target}` : 'running · loading data and backend';
      item.iconPath = STATUS_ICON.running;
      item.contextValue = 'modelStudio.run.running';
      item.command = { title: 'Open Dashboard', command: 'modelStudio.openDashboard', arguments: [{ runKey: node.runKey }] };
      return item;
    }
    const { entry } = node;
    const item = new vscode.TreeItem(runLabel(entry.runId), vscode.TreeItemCollapsibleState.None);
    item.id = `run:${entry.runDir}`;
    const live = node.runKey ? this.runs.live(node.runKey) : undefined;
    const p = live?.status === 'running' ? live.progress : undefined;
    item.description = runDescription(entry, p ? { epoch: p.epoch, epochs: p.epochs, loss: p.logs.loss } : undefined);
    const tip = new vscode.MarkdownString(runTooltip(entry));
    item.tooltip = tip;
    item.iconPath = STATUS_ICON[entry.status];
    item.contextValue = `modelStudio.run.${entry.status}${entry.job ? '.slurm' : ''}`;
    item.accessibilityInformation = { label: `run ${runLabel(entry.runId)}, ${item.description}` };
    item.command = { title: 'Open Dashboard', command: 'modelStudio.openDashboard', arguments: [node] };
    return item;
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
