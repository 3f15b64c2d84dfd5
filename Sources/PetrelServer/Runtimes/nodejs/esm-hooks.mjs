// Module resolution hook for ES module handlers, registered by bootstrap.js
// only after a first import failed on a bare package name (NODE_PATH does not
// apply to `import`). Two jobs:
//  * a bare specifier node cannot find from the importing file is resolved
//    the CommonJS way (the runtime's own node_modules, then NODE_PATH), so
//    `import AWS from 'aws-sdk'` works;
//  * every file: URL gets a marker query, so that the retried import builds a
//    fresh module graph instead of reusing the failed one (no module code ran
//    in the failed attempt: linking fails before evaluation).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const MARK = 'petrel-node-path';

function fresh(result) {
  const url = result.url;
  if (typeof url === 'string' && url.startsWith('file:') && !url.includes('?') && !url.includes('#')) {
    return { ...result, url: `${url}?${MARK}` };
  }
  return result;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return fresh(await nextResolve(specifier, context));
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && /^[^./][^:]*$/.test(specifier)) {
      let found;
      try {
        found = require.resolve(specifier);
      } catch (_) {
        found = null;
      }
      if (found) return fresh({ url: pathToFileURL(found).href, shortCircuit: true });
    }
    throw err;
  }
}
