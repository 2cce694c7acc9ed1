/**
 * The "Models" tree: every model file in the workspace, each with its runs (newest first). Kept
 * current by file-system watchers (model files and run.json files) and by live run events.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { limit } from '../limits';
import { parse as parseYaml } from 'yaml';
import { readRunNotes, type RunNotes } from '../experiments/notes';
import type { RunManager } from '../host/runManager';
import { runsDirFor } from '../host/settings';
import type { SweepManager } from '../host/sweepManager';
import { FINISHED, listSweeps, type SweepRecord } from '../sweep/record';
import { formatNumber, listRuns, modelNameOf, readRunEntry, runDescription, runLabel, runTooltip, type RunEntry } from './runList';

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
  /** the sweep the run is a trial of */
  sweep?: SweepNode;
  /** the trial's index in its sweep */
  trial?: number;
  notes?: RunNotes;
}

/** A sweep of a model: its folder and sweep.json; its trials are its children. */
export interface SweepNode {
  kind: 'sweep';
  model: ModelNode;
  dir: string;
  record: SweepRecord;
  /** the sweep runs in this window */
  live: boolean;
}

/** A live run that has not told us its folder yet. */
export interface StartingNode {
  kind: 'starting';
  model: ModelNode;
  runKey: string;
}

export type ModelsTreeNode = ModelNode | SweepNode | RunNode | StartingNode;

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

  constructor(private readonly runs: RunManager, private readonly sweeps?: SweepManager) {
    const modelWatcher = vscode.workspace.createFileSystemWatcher(MODEL_FILE_GLOB);
    const runWatcher = vscode.workspace.createFileSystemWatcher('**/{run,sweep,notes}.json');
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
      ...(sweeps ? [sweeps.onDidChange(() => this.refresh())] : []),
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
    if (node.kind === 'sweep') return this.trialsOf(node);
    if (node.kind !== 'model') return [];
    return [...(await this.sweepsOf(node)), ...(await this.runsOf(node))];
  }

  /** The sweeps of a model, newest first. */
  async sweepsOf(model: ModelNode): Promise<SweepNode[]> {
    const sweeps = await listSweeps(path.join(runsDirFor(model.specPath), model.name));
    return sweeps.map(({ dir, record }) => ({ kind: 'sweep', model, dir, record, live: this.sweeps?.find(dir)?.status === 'running' }));
  }

  /** A sweep's trials, by index, as runs. */
  async trialsOf(sweep: SweepNode): Promise<RunNode[]> {
    const out: RunNode[] = [];
    for (const t of sweep.record.trials) {
      const entry = await readRunEntry(path.join(sweep.dir, t.run), sweep.model.name, (dir) => this.runs.findByRunDir(dir) !== undefined);
      if (!entry) continue;
      const runKey = this.runs.findByRunDir(entry.runDir);
      const live = runKey ? this.runs.live(runKey) : undefined;
      if (live && live.status !== 'running') entry.status = live.status;
      out.push({ kind: 'run', model: sweep.model, entry, runKey, sweep, trial: t.index, notes: await readRunNotes(entry.runDir) });
    }
    return out;
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
      out.push({ kind: 'run', model, entry, runKey, notes: await readRunNotes(entry.runDir) });
    }
    return out;
  }

  getParent(node: ModelsTreeNode): ModelsTreeNode | undefined {
    if (node.kind === 'run' && node.sweep) return node.sweep;
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
    if (node.kind === 'sweep') return sweepItem(node);
    const { entry } = node;
    const item = new vscode.TreeItem(node.trial !== undefined ? `trial ${node.trial}` : runLabel(entry.runId), vscode.TreeItemCollapsibleState.None);
    item.id = `run:${entry.runDir}`;
    const live = node.runKey ? this.runs.live(node.runKey) : undefined;
    const p = live?.status === 'running' ? live.progress : undefined;
    item.description = runDescription(entry, p ? { epoch: p.epoch, epochs: p.epochs, loss: p.logs.loss } : undefined);
    const notes = node.notes && (node.notes.note || node.notes.tags.length) ? `\n\n---\n\n${node.notes.tags.length ? `Tags: ${node.notes.tags.map((t) => `\`${t}\``).join(' ')}  \n` : ''}${node.notes.note ? `Note: ${escapeMarkdown(node.notes.note)}` : ''}` : '';
    const params = node.sweep && node.trial !== undefined ? trialParams(node.sweep, node.trial) : '';
    const tip = new vscode.MarkdownString(runTooltip(entry) + params + notes);
    if (node.notes?.tags.length) item.description = `${item.description ?? ''} · ${node.notes.tags.map((t) => `#${t}`).join(' ')}`;
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

const SWEEP_ICON: Record<SweepRecord['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  completed: new vscode.ThemeIcon('beaker', new vscode.ThemeColor('testing.iconPassed')),
  stopped: new vscode.ThemeIcon('beaker-stop', new vscode.ThemeColor('charts.yellow')),
  failed: new vscode.ThemeIcon('beaker', new vscode.ThemeColor('testing.iconFailed')),
};

/** A sweep in the sidebar: "sweep 2026-12-02 10:00:00 · random · 8/12 · best val_loss 0.12". */
function sweepItem(node: SweepNode): vscode.TreeItem {
  const r = node.record;
  // a sweep whose process is gone (its window closed, its terminal killed) is stopped, whatever sweep.json says
  const status: SweepRecord['status'] = r.status === 'running' && !node.live && !processAlive(r) ? 'stopped' : r.status;
  const item = new vscode.TreeItem(`sweep ${runLabel(r.sweepId)}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `sweep:${node.dir}`;
  const done = r.trials.filter((t) => FINISHED.has(t.status)).length;
  const best = r.best ? ` · best ${r.metric} ${formatNumber(r.best.objective)}` : '';
  item.description = `${status} · ${r.method} · ${done}/${r.trialCount}${best}`;
  item.tooltip = new vscode.MarkdownString([
    `**Sweep of ${r.modelName}** — \`${r.sweepId}\``, '',
    `Status: **${status}**`, `Method: ${r.method}, ${r.trialCount} trials, ${r.parallel} at a time`, `Objective: ${r.goal} \`${r.metric}\``,
    `Parameters: ${r.parameters.map((p) => `\`${p.path}\``).join(', ')}`,
    ...(r.best ? [`Best: trial ${r.best.trial}, ${r.metric} ${formatNumber(r.best.objective)}`] : []), '', `\`${node.dir}\``,
  ].join('  \n'));
  item.iconPath = SWEEP_ICON[status];
  item.contextValue = `modelStudio.sweep.${node.live ? 'live' : status}`;
  item.command = { title: 'Open Sweep', command: 'modelStudio.openSweep', arguments: [node] };
  return item;
}

function processAlive(r: Pick<SweepRecord, 'pid' | 'host'>): boolean {
  if (r.host && r.host !== os.hostname()) return true;
  try {
    process.kill(r.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A trial's parameter values, for its tooltip. */
function trialParams(sweep: SweepNode, trial: number): string {
  const t = sweep.record.trials.find((x) => x.index === trial);
  if (!t) return '';
  return `\n\n---\n\n${Object.entries(t.params).map(([k, v]) => `\`${k}\` = ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('  \n')}`;
}

const escapeMarkdown = (s: string) => s.replace(/[\\`*_{}[\]()#+!|<>]/g, '\\$&');
