// Runs the bundled CLI (dist/cli.js) and, as it exits, reports its peak memory on stderr, so the hardening
// suite can bound the memory a bad input costs. Usage: node launch.cjs <cli args…>
'use strict';
const path = require('node:path');
const cli = require(path.join(__dirname, '..', '..', 'dist', 'cli.js'));
process.on('exit', () => {
  process.stderr.write(`\n@@maxrss-kb ${process.resourceUsage().maxRSS}\n`);
});
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`model-studio: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
