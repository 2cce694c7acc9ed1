/**
 * `model-studio serve MODEL_OR_RUN_DIR [--name N] [--host H] [--port P] [--max-body SIZE] [--max-instances N] [--backend NAME]`
 * Serves a saved model over TF Serving's REST API and MLflow's scoring protocol until Ctrl-C or
 * SIGTERM, which stop accepting, finish the requests in flight and exit 0.
 */
import { BACKENDS, type BackendName } from '../modelFile/schema';
import { parseSize } from '../serve/http';
import { listeningLine, startServer, DEFAULT_MAX_BODY } from '../serve/server';
import { loadTf, type LoadedTf } from '../serve/tf';

const USAGE = 'Usage: model-studio serve MODEL_OR_RUN_DIR [--name N] [--host 127.0.0.1] [--port 8501] [--max-body 10mb] [--max-instances 10000] [--backend auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu]\n';

export interface ServeArgs {
  dir: string;
  name?: string;
  host: string;
  port: number;
  maxBodyBytes: number;
  maxInstances?: number;
  backend?: string;
}

/** Parses the command line; throws an Error whose message is the usage problem. */
export function parseServeArgs(args: string[]): ServeArgs {
  const out: Partial<ServeArgs> = { host: '127.0.0.1', port: 8501, maxBodyBytes: DEFAULT_MAX_BODY };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--name': out.name = value(); break;
      case '--host': out.host = value(); break;
      case '--port': {
        const v = value();
        const p = Number(v);
        if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`--port must be a port number 0–65535, got '${v}'`);
        out.port = p;
        break;
      }
      case '--max-body': out.maxBodyBytes = parseSize(value()); break;
      case '--max-instances': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error(`--max-instances must be a whole number of instances per request, got '${v}'`);
        out.maxInstances = n;
        break;
      }
      case '--backend': {
        const v = value();
        if (!(BACKENDS as readonly string[]).includes(v)) throw new Error(`--backend must be one of ${BACKENDS.join(', ')}, got '${v}'`);
        out.backend = v;
        break;
      }
      default:
        if (a.startsWith('-')) throw new Error(`unknown option '${a}'`);
        if (out.dir) throw new Error(`one folder only (got '${out.dir}' and '${a}')`);
        out.dir = a;
    }
  }
  if (!out.dir) throw new Error('which model? give a model folder, a run folder or a runs folder');
  return out as ServeArgs;
}

/** wasm (else cpu) by default: for serving small models it beats the heavier backends on latency. */
async function backendFor(name: string | undefined): Promise<LoadedTf> {
  if (!name || name === 'auto' || name === 'wasm' || name === 'cpu') return loadTf(name === 'cpu' ? 'cpu' : name === 'wasm' ? 'wasm' : 'auto');
  const { selectBackend } = await import('../engine/backends');
  const selected = await selectBackend(name as BackendName);
  return { tf: selected.tf, backend: selected.info.name };
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let opts: ServeArgs;
  try {
    opts = parseServeArgs(args);
  } catch (err) {
    process.stderr.write(`model-studio serve: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  let server;
  try {
    server = await startServer({
      dir: opts.dir, name: opts.name, host: opts.host, port: opts.port, maxBodyBytes: opts.maxBodyBytes, maxInstances: opts.maxInstances,
      tf: await backendFor(opts.backend),
      log: (level, message) => process.stderr.write(`[${level}] ${message}\n`),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = e.code === 'EADDRINUSE' ? ` (port ${opts.port} is taken: choose another with --port, or --port 0 for any free port)` : '';
    process.stderr.write(`model-studio serve: ${e.message}${hint}\n`);
    return 1;
  }
  process.stdout.write(`${listeningLine(server)}\n`);
  process.stdout.write(`  backend ${server.backend}; default version ${server.defaultVersion}; try: curl ${server.url}/v1/models/${server.name}/metadata\n`);

  const running = server;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        process.stderr.write('model-studio serve: stopping now\n');
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`${signal}: stopping (finishing requests in flight; ${signal === 'SIGINT' ? 'Ctrl-C again' : 'SIGKILL'} to stop at once)\n`);
      running.close().then(() => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        process.stdout.write('stopped\n');
        resolve(0);
      }, () => resolve(1));
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
