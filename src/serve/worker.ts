/**
 * The model server as a child process (dist/server.js), started by the extension's Deploy action
 * with an IPC channel. Host → `{type:'serve', dir, …}` → `{type:'listening', url, name, versions}`
 * or `{type:'error', message}`; `{type:'shutdown'}` (or the host going away) stops it gracefully.
 */
import { parseServeHostMessage, type ServeHostMessage, type ServeWorkerMessage } from '../protocol/serve';
import { startServer, type RunningServer } from './server';

function send(message: ServeWorkerMessage): void {
  if (process.send && process.connected) process.send(message);
}

let server: RunningServer | null = null;
let starting = false;

async function serve(m: Extract<ServeHostMessage, { type: 'serve' }>): Promise<void> {
  if (server || starting) {
    send({ type: 'error', message: server ? `already serving '${server.name}' on ${server.url}` : 'already starting a server' });
    return;
  }
  starting = true;
  try {
    server = await startServer({
      dir: m.dir, name: m.name, host: m.host, port: m.port ?? 8501, maxBodyBytes: m.maxBodyBytes,
      log: (level, message) => send({ type: 'log', level, message }),
    });
    send({
      type: 'listening', url: server.url, name: server.name, versions: server.versions, defaultVersion: server.defaultVersion,
      host: server.host, port: server.port, backend: server.backend,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ` (port ${m.port ?? 8501} is taken; choose another port in the model file's deploy.port)` : '';
    send({ type: 'error', message: `${e.message}${hint}` });
  } finally {
    starting = false;
  }
}

async function shutdown(): Promise<void> {
  const s = server;
  server = null;
  if (s) await s.close();
  // Exit once the last message is out (or at once when the host is already gone).
  if (process.send && process.connected) process.send({ type: 'stopped' } satisfies ServeWorkerMessage, () => process.exit(0));
  else process.exit(0);
}

function handleMessage(message: ServeHostMessage): void {
  if (message.type === 'serve') void serve(message);
  else void shutdown();
}

if (require.main === module) {
  if (!process.send) {
    process.stderr.write('dist/server.js is started by the extension with an IPC channel; from a shell use `model-studio serve DIR`\n');
    process.exit(2);
  }
  process.on('message', (raw: unknown) => {
    const parsed = parseServeHostMessage(raw);
    if (!parsed.ok) {
      send({ type: 'error', message: `rejected message: ${parsed.error}` });
      return;
    }
    handleMessage(parsed.message);
  });
  process.on('disconnect', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}
