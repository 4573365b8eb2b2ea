// A require hook that compiles TypeScript with @swc/core on load, so the crash test can run the worker
// as a plain `node` child process (no build step; @swc/register is not a dependency). Compiled output is
// cached on disk by content hash: the test restarts the worker many times.
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { transformSync } = require('@swc/core');

const cacheDir = join(tmpdir(), 'order-service-swc-cache');
mkdirSync(cacheDir, { recursive: true });

require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8');
  const cached = join(cacheDir, `${createHash('sha1').update(filename).update('\0').update(source).digest('hex')}.js`);
  let code;
  try {
    code = readFileSync(cached, 'utf8');
  } catch {
    code = transformSync(source, {
      filename,
      swcrc: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    }).code;
    writeFileSync(`${cached}.${process.pid}`, code);
    require('node:fs').renameSync(`${cached}.${process.pid}`, cached);
  }
  module._compile(code, filename);
};
