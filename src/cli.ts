/**
 * The headless entry: `model-studio <command> …`. One table of commands; each lives in src/cli/.
 * Exit codes: 0 ok, 1 failed (invalid file, failed run), 2 usage error, 130 stopped by Ctrl-C.
 */
import { COMMANDS, usage } from './cli/commands';
import { writeSchemaFile } from './modelFile/jsonSchema';

export { writeSchemaFile };

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${require('../package.json').version}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`model-studio: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`model-studio: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
