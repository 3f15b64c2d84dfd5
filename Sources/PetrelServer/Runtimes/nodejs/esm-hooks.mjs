// Module resolution hook, registered only for ES module handlers: NODE_PATH
// does not apply to `import`, so a bare specifier that node cannot find from
// the importing file is resolved the CommonJS way (the runtime's own
// node_modules, then NODE_PATH), e.g. `import AWS from 'aws-sdk'`.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && /^[^./][^:]*$/.test(specifier)) {
      let found;
      try {
        found = require.resolve(specifier);
      } catch (_) {
        found = null;
      }
      if (found) return { url: pathToFileURL(found).href, shortCircuit: true };
    }
    throw err;
  }
}
