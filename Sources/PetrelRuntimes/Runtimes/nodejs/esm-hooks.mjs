// Module resolution hook for ES module handlers, registered by bootstrap.js
// only after a first import failed on a bare package name (NODE_PATH does not
// apply to `import`). Two jobs:
//  * a bare specifier node cannot find from the importing file is resolved
//    the CommonJS way from that file (its node_modules folders, then NODE_PATH:
//    a layer's /opt/nodejs/node_modules before the runtime's built-in SDKs), so
//    `import AWS from 'aws-sdk'` and `import { DynamoDBClient } from
//    '@aws-sdk/client-dynamodb'` work and a function's own copy wins;
//  * every file: URL gets a marker query, so that the retried import builds a
//    fresh module graph instead of reusing the failed one (no module code ran
//    in the failed attempt: linking fails before evaluation).
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const MARK = 'petrel-node-path';

// require() as the importing module would have it (its URL without our marker).
function requireFrom(parentURL) {
  if (typeof parentURL !== 'string' || !parentURL.startsWith('file:')) return require;
  return createRequire(parentURL.replace(/[?#].*$/, ''));
}

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
      for (const req of [requireFrom(context.parentURL), require]) {
        try {
          found = req.resolve(specifier);
          break;
        } catch (_) {
          found = null;
        }
      }
      if (found) return fresh({ url: pathToFileURL(found).href, shortCircuit: true });
    }
    throw err;
  }
}
