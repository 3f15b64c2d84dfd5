'use strict';
// Petrel's Node.js runtime: speaks the Lambda Runtime API (2018-06-01) to the
// server at AWS_LAMBDA_RUNTIME_API and runs the handler named by _HANDLER from
// LAMBDA_TASK_ROOT. Behaviour follows AWS's Node.js runtime (error shapes,
// log line format, callbackWaitsForEmptyEventLoop, context.succeed/fail/done).
//
// Start-up cost matters: only fs, path, util and http are loaded before the
// first GET /next (url is loaded only for ES module handlers).

const fs = require('fs');
const path = require('path');
const util = require('util');
const http = require('http');

const env = process.env;
const API_PREFIX = '/2018-06-01/runtime';
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');

// ---------------------------------------------------------------------------
// Logging. Every console call becomes one synchronous write of one line:
//   ISO-timestamp \t requestId \t LEVEL \t message \n
// Newlines inside the message become '\r' so one call stays one line.

function writeAll(fd, text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== 'EAGAIN') return; // stdout gone: nothing sensible to do
    }
  }
}

function logLine(level, args) {
  const msg = util.format.apply(null, args);
  const line = `${new Date().toISOString()}\t${global[REQUEST_ID]}\t${level}\t${msg}`;
  writeAll(1, line.replace(/\n/g, '\r') + '\n');
}

// AWS_LAMBDA_LOG_FORMAT=JSON: one JSON object per call instead, as AWS writes
// it: {timestamp, level, requestId, message[, errorType, errorMessage, stackTrace]}.
function errorFields(e) {
  return {
    errorType: (e && e.constructor && e.constructor.name) || 'UnknownError',
    errorMessage: e.message,
    stackTrace: typeof e.stack === 'string' ? e.stack.split('\n') : e.stack,
  };
}

function jsonErrorReplacer(_k, v) {
  return v instanceof Error ? Object.assign(errorFields(v), v) : v;
}

function jsonLogLine(level, args) {
  const rec = { timestamp: new Date().toISOString(), level, requestId: global[REQUEST_ID] };
  let text;
  if (args.length === 1) {
    rec.message = args[0];
    try {
      text = JSON.stringify(rec, jsonErrorReplacer);
    } catch (_) {
      rec.message = util.format(args[0]);
      text = JSON.stringify(rec);
    }
  } else {
    rec.message = util.format.apply(null, args);
    const e = args.find((a) => a instanceof Error);
    if (e) Object.assign(rec, errorFields(e));
    text = JSON.stringify(rec);
  }
  writeAll(1, text.replace(/\n/g, '\r') + '\n');
}

const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const JSON_LOGS = String(env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';

function patchConsole() {
  const min = LEVELS[String(env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || 1;
  const write = JSON_LOGS ? jsonLogLine : logLine;
  const make = (level) =>
    LEVELS[level] >= min ? (...args) => write(level, args) : () => {};
  console.trace = make('TRACE');
  console.debug = make('DEBUG');
  console.info = make('INFO');
  console.log = console.info;
  console.warn = make('WARN');
  console.error = make('ERROR');
  console.fatal = make('FATAL');
}

// ---------------------------------------------------------------------------
// Errors, shaped as AWS's runtime shapes them.

function defineRuntimeError(name) {
  const C = class extends Error {};
  Object.defineProperty(C, 'name', { value: name });
  C.prototype.name = `Runtime.${name}`;
  return C;
}
const ImportModuleError = defineRuntimeError('ImportModuleError');
const HandlerNotFound = defineRuntimeError('HandlerNotFound');
const MalformedHandlerName = defineRuntimeError('MalformedHandlerName');
const UserCodeSyntaxError = defineRuntimeError('UserCodeSyntaxError');
const NodeJsExit = defineRuntimeError('NodeJsExit');
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

function looksLikeError(o) {
  return o && typeof o.name === 'string' && typeof o.message === 'string' &&
    typeof o.stack === 'string' && o.name && o.message && o.stack;
}

// The body posted to /error and /init/error.
function toRuntimeResponse(err) {
  try {
    if (util.types.isNativeError(err) || looksLikeError(err)) {
      return {
        errorType: err.name,
        errorMessage: err.message,
        stackTrace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
      };
    }
    return { errorType: typeof err, errorMessage: String(err), stackTrace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem ' +
        'while retrieving one or more of its message, name, and stack',
      stackTrace: [],
    };
  }
}

// The JSON logged after "Invoke Error " and friends: the error's enumerable
// properties plus errorType, errorMessage, code and stack (as lines).
function withEnumerable(_k, v) {
  if (v instanceof Error) {
    const out = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
    if (typeof v.stack === 'string') out.stack = v.stack.split('\n');
    return out;
  }
  return v;
}

function formatted(err) {
  try {
    return '\t' + JSON.stringify(err, withEnumerable);
  } catch (_) {
    return '\t' + JSON.stringify(toRuntimeResponse(err));
  }
}

function logError(prefix, err) {
  const e = err instanceof Error ? err : new Error(err);
  if (JSON_LOGS) console.error(e);
  else console.error(prefix, formatted(e));
}

// ---------------------------------------------------------------------------
// Runtime API client: one keep-alive connection.

function splitHostPort(hp) {
  const i = hp.lastIndexOf(':');
  let host = i < 0 ? hp : hp.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, i < 0 ? 80 : parseInt(hp.slice(i + 1), 10)];
}

const apiAddr = env.AWS_LAMBDA_RUNTIME_API;
if (!apiAddr) {
  writeAll(2, 'AWS_LAMBDA_RUNTIME_API is not set\n');
  process.exit(1);
}
const [API_HOST, API_PORT] = splitHostPort(apiAddr);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function apiGone(err) {
  writeAll(2, `${new Date().toISOString()}\t${global[REQUEST_ID]}\tERROR\t` +
    `Runtime API at ${apiAddr} unreachable (${err.code || err.message}); exiting\n`);
  process.exit(1);
}

// Sends one request; calls done(statusCode, headers, bodyString) when the
// answer has been read completely. A reset on a reused keep-alive socket is
// retried once on a fresh connection; any other network failure means the
// server is gone and the process exits.
function apiRequest(method, urlPath, headers, body, done, retried) {
  const req = http.request({
    host: API_HOST, port: API_PORT, method, path: urlPath, headers, agent,
  }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => done(res.statusCode, res.headers,
      chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    res.on('error', apiGone);
  });
  req.on('error', (err) => {
    if (!retried && req.reusedSocket && err.code === 'ECONNRESET') {
      apiRequest(method, urlPath, headers, body, done, true);
    } else {
      apiGone(err);
    }
  });
  req.end(body);
}

// POSTs not yet answered, so that an exit never cuts one off.
let postsInFlight = 0;
let postsDrained = [];

function post(urlPath, bodyString, extraHeaders, done) {
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(bodyString),
  };
  if (extraHeaders) Object.assign(headers, extraHeaders);
  postsInFlight++;
  apiRequest('POST', urlPath, headers, bodyString, () => {
    postsInFlight--;
    if (postsInFlight === 0) for (const w of postsDrained.splice(0)) w();
    if (done) done();
  });
}

function exitAfterPosts(code) {
  if (postsInFlight === 0) process.exit(code);
  else postsDrained.push(() => process.exit(code));
}

function postError(urlPath, err, done) {
  const resp = toRuntimeResponse(err);
  post(urlPath, JSON.stringify(resp),
    { 'Lambda-Runtime-Function-Error-Type': String(resp.errorType) }, done);
}

function postInitError(err, exitCode) {
  postError(`${API_PREFIX}/init/error`, err, () => process.exit(exitCode));
}

// ---------------------------------------------------------------------------
// Loading the handler: "dir/module.export.nested" relative to the task root.

function hasTypeModule(folder) {
  for (;;) {
    if (folder.endsWith('/node_modules')) return false;
    const pj = path.join(folder, 'package.json');
    let text;
    try {
      text = fs.readFileSync(pj, 'utf8');
    } catch (_) {
      text = undefined;
    }
    if (text !== undefined) {
      try {
        return JSON.parse(text).type === 'module';
      } catch (e) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
        return false;
      }
    }
    const parent = path.dirname(folder);
    if (parent === folder) return false;
    folder = parent;
  }
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch (_) {
    return false;
  }
}

// NODE_PATH does not apply to `import`. Only when an ES module fails on a
// bare package name is a resolution hook (esm-hooks.mjs) registered and the
// import retried: the hook runs in its own thread, too dear for every start.
// A failed link happens before any module code runs, so retrying is safe.
async function importFile(p) {
  const { pathToFileURL } = require('url');
  const url = pathToFileURL(p).href;
  try {
    return await import(url);
  } catch (e) {
    const mod = require('module');
    if (!e || e.code !== 'ERR_MODULE_NOT_FOUND' || !/Cannot find package '/.test(e.message) ||
        typeof mod.register !== 'function') {
      throw e;
    }
    mod.register(pathToFileURL(path.join(__dirname, 'esm-hooks.mjs')));
    return import(url); // the hook gives every module a fresh URL
  }
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  if (fs.existsSync(base)) return require(base); // an extensionless file, or a folder with index.js
  const esm = hasTypeModule(path.dirname(base));
  if (!esm && isFile(base + '.js')) return require(base + '.js');
  if (esm && isFile(base + '.js')) return importFile(base + '.js');
  if (isFile(base + '.mjs')) return importFile(base + '.mjs');
  if (isFile(base + '.cjs')) return require(base + '.cjs');
  // Fall back to node's own resolution (a folder with index.js, a package).
  return require(require.resolve(moduleName, { paths: [appRoot, path.resolve(appRoot, moduleRoot)] }));
}

async function loadHandler(appRoot, full) {
  if (full.includes('..')) {
    throw new MalformedHandlerName(`'${full}' is not a valid handler name. ` +
      'Use absolute paths when specifying root directories in handler names.');
  }
  const base = path.basename(full);
  const moduleRoot = full.substring(0, full.indexOf(base));
  const m = /^([^.]*)\.(.*)$/.exec(base);
  if (!m) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = m;

  let mod;
  try {
    mod = await loadModule(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new ImportModuleError(e);
    }
    throw e;
  }
  const fn = handlerPath.split('.').reduce((o, k) => o && o[k], mod);
  if (!fn) throw new HandlerNotFound(`${full} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${full} is not a function`);
  return fn;
}

// ---------------------------------------------------------------------------
// The invocation loop.

let handler;
let handlerIsAsync = false;
let current = null; // the invocation in progress { id, finished }
let beforeExit = () => {};

function scheduleNext() {
  setImmediate(nextInvocation);
}

function nextInvocation() {
  apiRequest('GET', `${API_PREFIX}/invocation/next`, undefined, undefined, onInvocation);
}

function parseJsonHeader(value, name) {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch (e) {
    throw new Error(`Cannot parse ${name} as json: ${e.toString()}`);
  }
}

function onInvocation(status, headers, body) {
  const id = headers['lambda-runtime-aws-request-id'];
  if (status !== 200 || !id) {
    writeAll(2, `unexpected answer from ${API_PREFIX}/invocation/next: HTTP ${status}\n`);
    process.exit(1);
  }
  global[REQUEST_ID] = id;
  if (headers['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  else delete env._X_AMZN_TRACE_ID;

  const inv = { id, finished: false };
  current = inv;
  const encodedId = encodeURIComponent(id);

  // Posting the result: console writes are synchronous, so everything the
  // invocation logged is in the log file before the server sees the answer.
  const complete = (result) => {
    if (inv.finished) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    let bodyString;
    try {
      bodyString = JSON.stringify(result === undefined ? null : result);
    } catch (_) {
      failWith(new Error('Unable to stringify response body'));
      return;
    }
    if (bodyString === undefined) bodyString = 'null'; // e.g. a function
    inv.finished = true;
    post(`${API_PREFIX}/invocation/${encodedId}/response`, bodyString, null, scheduleNext);
  };
  const failWith = (err) => {
    if (inv.finished) return;
    inv.finished = true;
    logError('Invoke Error', err);
    postError(`${API_PREFIX}/invocation/${encodedId}/error`, err, scheduleNext);
  };

  let waitForEmptyEventLoop = true;
  let called = false;
  const once = (fn) => function () {
    if (called) return;
    called = true;
    fn.apply(null, arguments);
  };
  const done = (err, result) => {
    beforeExit = () => {};
    if (err !== undefined && err !== null) failWith(err);
    else complete(result);
  };
  const callback = once((err, result) => {
    beforeExit = () => {};
    if (err !== undefined && err !== null) {
      failWith(err);
    } else if (!waitForEmptyEventLoop) {
      complete(result);
    } else {
      beforeExit = () => {
        beforeExit = () => {};
        setImmediate(() => complete(result));
      };
    }
  });

  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  let context;
  try {
    context = {
      get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
      set callbackWaitsForEmptyEventLoop(v) { waitForEmptyEventLoop = v; },
      succeed: once((result) => done(null, result)),
      fail: once((err) => done(err === undefined || err === null ? 'handled' : err, null)),
      done: once(done),
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
      identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      awsRequestId: id,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    };
  } catch (e) {
    failWith(e);
    return;
  }

  // If the event loop empties without an answer: an async handler is an
  // error (as on AWS); a callback handler that never called back answers null.
  beforeExit = () => {
    beforeExit = () => {};
    called = true;
    if (handlerIsAsync) {
      failWith(new NodeJsExit('Runtime exited without providing a reason'));
    } else {
      complete(null);
    }
  };

  try {
    const event = JSON.parse(body);
    const result = handler(event, context, callback);
    if (result && typeof result.then === 'function') {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (err) {
    callback(err);
  }
}

// Uncaught errors: during an invocation they fail it, at init they fail
// init; either way the process then exits as AWS's runtime does.
function fatal(err, exitCode) {
  const inv = current;
  if (inv && !inv.finished) {
    inv.finished = true;
    beforeExit = () => {};
    postError(`${API_PREFIX}/invocation/${encodeURIComponent(inv.id)}/error`, err,
      () => process.exit(exitCode));
  } else if (!inv) {
    postInitError(err, exitCode);
  } else {
    exitAfterPosts(exitCode); // the answer may still be on its way
  }
}

process.on('uncaughtException', (err) => {
  logError('Uncaught Exception', err);
  fatal(err, 129);
});
process.on('unhandledRejection', (reason, promise) => {
  const err = new UnhandledPromiseRejection(reason, promise);
  logError('Unhandled Promise Rejection', err);
  fatal(err, 128);
});
process.on('beforeExit', () => beforeExit());

async function main() {
  patchConsole();
  const appRoot = env.LAMBDA_TASK_ROOT || process.cwd();
  const handlerName = env._HANDLER || '';
  try {
    handler = await loadHandler(appRoot, handlerName);
  } catch (err) {
    logError('Uncaught Exception', err);
    postInitError(err, 129);
    return;
  }
  handlerIsAsync = handler.constructor && handler.constructor.name === 'AsyncFunction';
  nextInvocation();
}

main();
