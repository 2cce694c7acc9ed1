/**
 * The one log (a LogOutputChannel). The `modelStudio.logLevel` setting filters what the engine and
 * the host write, on top of VS Code's own level for the channel.
 */
import type * as vscode from 'vscode';
import type { HostLog } from './events';
import { LOG_LEVELS, type LogLevel } from './settings';

export function filteredLog(channel: vscode.LogOutputChannel, level: () => LogLevel): HostLog {
  const rank = (l: LogLevel) => LOG_LEVELS.indexOf(l);
  const at = (l: LogLevel, write: (m: string) => void) => (m: string | Error) => {
    if (rank(l) < rank(level())) return;
    write(m instanceof Error ? (m.stack ?? m.message) : m);
  };
  return {
    trace: at('trace', (m) => channel.trace(m)),
    debug: at('debug', (m) => channel.debug(m)),
    info: at('info', (m) => channel.info(m)),
    warn: at('warn', (m) => channel.warn(m)),
    error: at('error', (m) => channel.error(m)),
  };
}
