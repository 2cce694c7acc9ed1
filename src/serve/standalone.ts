/**
 * The entry of an exported deploy folder (bundled as server.js by `model-studio export`): serves
 * ./model next to it. Depends only on @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm.
 * Settings from the environment or the command line: PORT / --port, HOST / --host,
 * MODEL_NAME / --name, MAX_BODY / --max-body, MAX_INSTANCES / --max-instances (instances per request).
 */
import * as path from 'node:path';
import { parseSize } from './http';
import { listeningLine, startServer } from './server';

function option(args: string[], flag: string, env: string): string | undefined {
  const i = args.indexOf(flag);
  if (i >= 0 && args[i + 1] !== undefined) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${flag}=`));
  if (eq) return eq.slice(flag.length + 1);
  return process.env[env] || undefined;
}

export async function main(args: string[]): Promise<void> {
  const dir = option(args, '--model', 'MODEL_DIR') ?? path.join(__dirname, 'model');
  const port = Number(option(args, '--port', 'PORT') ?? 8501);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number 0–65535, got '${option(args, '--port', 'PORT')}'`);
  const maxBody = option(args, '--max-body', 'MAX_BODY');
  const maxInstances = option(args, '--max-instances', 'MAX_INSTANCES');
  if (maxInstances !== undefined && !(Number.isInteger(Number(maxInstances)) && Number(maxInstances) >= 1)) throw new Error(`MAX_INSTANCES must be a whole number, got '${maxInstances}'`);
  const server = await startServer({
    dir,
    name: option(args, '--name', 'MODEL_NAME'),
    host: option(args, '--host', 'HOST') ?? '127.0.0.1',
    port,
    maxBodyBytes: maxBody ? parseSize(maxBody) : undefined,
    maxInstances: maxInstances ? Number(maxInstances) : undefined,
    log: (level, message) => process.stderr.write(`[${level}] ${message}\n`),
  });
  process.stdout.write(`${listeningLine(server)}\n`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write(`${signal}: stopping after the requests in flight\n`);
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`server: ${e.message}${e.code === 'EADDRINUSE' ? ' (set PORT to a free port)' : ''}\n`);
    process.exit(1);
  });
}
