/**
 * The end-to-end scenarios, in the order both suites run them (test/e2e/scenario.ts says how to add one).
 * Later scenarios may rely on earlier ones' effects on the workspace only where they say so.
 */
import type { Scenario } from '../scenario';
import { dashboard } from './dashboard';
import { hoverCompletion } from './hoverCompletion';
import { imageTryIt } from './imageTryIt';
import { killEngine } from './killEngine';
import { misspeltKey } from './misspeltKey';
import { newModelFile } from './newModelFile';
import { reload } from './reload';
import { stopRun } from './stopRun';
import { resumeRun } from './resumeRun';
import { trainOnSlurm } from './trainOnSlurm';
import { train } from './train';
import { walkthrough } from './walkthrough';
import { compareRuns } from './compareRuns';
import { sweep } from './sweep';

export const scenarios: readonly Scenario[] = [
  misspeltKey,
  train,
  stopRun,
  resumeRun,
  killEngine,
  newModelFile,
  dashboard,
  reload,
  imageTryIt,
  hoverCompletion,
  trainOnSlurm,
  walkthrough,
  compareRuns,
  sweep,
];
