'use strict';
// Petrel's Node.js runtime: speaks the Lambda Runtime API (2018-06-01) to the
// server at AWS_LAMBDA_RUNTIME_API and runs the handler named by _HANDLER from
// LAMBDA_TASK_ROOT. Behaviour follows AWS's Node.js runtime (error shapes,
// log line format, callbackWaitsForEmptyEventLoop, context.succeed/fail/done).
//
// Start-up cost matters: only fs, path, util and net are loaded before the
// first GET /next (url is loaded only for ES module handlers).
//
// With PETREL_PREWARMED=1 the process starts before its function is known and
// asks the server for it first (see "Pre-warmed start" below).

const fs = require('fs');
const path = require('path');
const util = require('util');
const net = require('net');

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
let jsonLogs = false;

// Reads the log settings from the environment: at start, and again in a
// pre-warmed process once the function's environment is known.
function patchConsole() {
  jsonLogs = String(env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
  const min = LEVELS[String(env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || 1;
  const write = jsonLogs ? jsonLogLine : logLine;
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
  if (jsonLogs) console.error(e);
  else console.error(prefix, formatted(e));
}

// ---------------------------------------------------------------------------
// Runtime API client: one keep-alive TCP connection, HTTP/1.1 written and
// read by hand. node's http client costs several times the runtime's own work
// per invocation; the Runtime API needs none of its generality. Requests go
// strictly one at a time; later ones wait in a queue (an error POST can race
// an exit, a GET /next can follow a POST).

function splitHostPort(hp) {
  const i = hp.lastIndexOf(':');
  let host = i < 0 ? hp : hp.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, i < 0 ? 80 : parseInt(hp.slice(i + 1), 10)];
}

// The Runtime API's address is the same for every function: it is read at
// start, also in a pre-warmed process.
const apiAddr = env.AWS_LAMBDA_RUNTIME_API;
if (!apiAddr) {
  writeAll(2, 'AWS_LAMBDA_RUNTIME_API is not set\n');
  process.exit(1);
}
const [API_HOST, API_PORT] = splitHostPort(apiAddr);
const HOST_LINE = `Host: ${apiAddr}\r\n`;
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

function apiGone(err) {
  writeAll(2, `${new Date().toISOString()}\t${global[REQUEST_ID]}\tERROR\t` +
    `Runtime API at ${apiAddr} unreachable (${err.code || err.message}); exiting\n`);
  process.exit(1);
}

function protocolError(what) {
  const err = new Error(`malformed HTTP answer from the Runtime API: ${what}`);
  err.code = 'HPE_INVALID';
  return err;
}

let sock = null; // the connection, null until needed and after it closed
let sockAnswered = false; // has it carried a complete exchange (a reused socket)?
let rbuf = EMPTY; // bytes received and not yet parsed
let res = null; // the answer being read: { status, headers, left, chunks, ... }
let active = null; // the request on the wire
const queued = [];

function connect() {
  const s = net.connect({ host: API_HOST, port: API_PORT });
  s.setNoDelay(true);
  s.setKeepAlive(true, 1000); // a /next can wait for minutes
  s.on('data', (chunk) => { if (s === sock) onData(chunk); });
  s.on('error', (err) => { if (s === sock) onSocketEnd(err); });
  s.on('end', () => { if (s === sock) onSocketEnd(null); }); // the server closed it
  s.on('close', () => { if (s === sock) onSocketEnd(null); });
  sock = s;
  sockAnswered = false;
}

// Sends one request; done(statusCode, headers, bodyString) is called when
// the answer has been read completely, headers with lower-cased names. On a
// network failure fail(err) is called (default: the server is gone, exit).
// headLines: extra header lines, each ending in \r\n; body: a string ('' for none).
// onWritten(): the request has been handed to the kernel (once).
function apiRequest(method, urlPath, headLines, body, done, fail, onWritten) {
  queued.push({ method, urlPath, headLines, body, done, fail: fail || apiGone, reused: false, retried: false, onWritten });
  if (active === null) sendNext();
}

function sendNext() {
  if (queued.length === 0) {
    // An idle connection must not keep the event loop alive: a callback
    // handler's answer waits for the loop to empty (beforeExit).
    if (sock !== null) sock.unref();
    return;
  }
  active = queued.shift();
  write(active);
}

function write(req) {
  if (sock === null) connect();
  else sock.ref();
  req.reused = sockAnswered;
  // One write, one segment: the head is ASCII, the body a JSON string.
  const written = req.onWritten;
  req.onWritten = undefined;
  sock.write(`${req.method} ${req.urlPath} HTTP/1.1\r\n${HOST_LINE}${req.headLines}\r\n${req.body}`, 'utf8', written);
}

function onData(chunk) {
  if (active === null) return; // nothing was asked: not an answer to anything
  rbuf = rbuf.length === 0 ? chunk : Buffer.concat([rbuf, chunk]);
  let complete;
  try {
    complete = readAnswer();
  } catch (err) {
    failActive(err);
    return;
  }
  if (complete) finishAnswer(); // outside the try: what done() throws is the caller's
}

// Parses as much of the answer as has arrived; true once it is complete.
function readAnswer() {
  while (res === null) {
    const end = rbuf.indexOf(HEAD_END);
    if (end < 0) {
      if (rbuf.length > 65536) throw protocolError('header too long');
      return false;
    }
    res = parseHead(rbuf.toString('latin1', 0, end));
    rbuf = rbuf.subarray(end + 4);
    if (res.status < 200) res = null; // 100 Continue and friends: the real answer follows
  }
  if (res.chunked) return readChunks(res);
  if (rbuf.length > 0) {
    if (res.left < 0) { // no length: the body ends when the connection does
      res.chunks.push(rbuf);
    } else {
      res.chunks.push(rbuf.length > res.left ? rbuf.subarray(0, res.left) : rbuf);
      res.left -= Math.min(res.left, rbuf.length);
    }
    rbuf = EMPTY;
  }
  return res.left === 0;
}

function parseHead(text) {
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  if (!text.startsWith('HTTP/1.') || text.charCodeAt(8) !== 32) {
    throw protocolError(JSON.stringify(text.slice(0, Math.min(eol, 40))));
  }
  const status = Number(text.slice(9, 12));
  if (!(status >= 100 && status <= 999)) throw protocolError(`status ${text.slice(9, 12)}`);
  const headers = {}; // a plain object: a prototype-less one is slow to fill
  while (eol < text.length) {
    const start = eol + 2;
    eol = text.indexOf('\r\n', start);
    if (eol < 0) eol = text.length;
    const c = text.indexOf(':', start);
    if (c <= start || c > eol) continue;
    const name = text.slice(start, c).trim().toLowerCase();
    const value = text.slice(c + 1, eol).trim();
    const prev = headers[name]; // not a string for 'constructor' and friends
    headers[name] = typeof prev === 'string' ? `${prev}, ${value}` : value;
  }
  const r = { status, headers, left: -1, chunks: [], chunked: false, chunkLeft: 0, close: false };
  const connection = headers.connection === undefined ? '' : headers.connection.toLowerCase();
  r.close = connection.includes('close') || (text[7] === '0' && !connection.includes('keep-alive'));
  const te = headers['transfer-encoding'];
  if (status === 204 || status === 304) {
    r.left = 0;
  } else if (te !== undefined && te.toLowerCase().includes('chunked')) {
    r.chunked = true;
  } else if (headers['content-length'] !== undefined) {
    r.left = parseInt(headers['content-length'], 10);
    if (!(r.left >= 0)) throw protocolError('bad Content-Length');
  } else {
    r.close = true; // read until close
  }
  return r;
}

// Transfer-Encoding: chunked. chunkLeft > 0: data bytes still to come;
// -1: the CRLF after a chunk's data; 0: a size line. True once complete.
function readChunks(r) {
  for (;;) {
    if (r.chunkLeft > 0) {
      if (rbuf.length === 0) return false;
      const n = Math.min(r.chunkLeft, rbuf.length);
      r.chunks.push(rbuf.subarray(0, n));
      rbuf = rbuf.subarray(n);
      r.chunkLeft -= n;
      if (r.chunkLeft > 0) return false;
      r.chunkLeft = -1;
    }
    if (r.chunkLeft === -1) {
      if (rbuf.length < 2) return false;
      rbuf = rbuf.subarray(2);
      r.chunkLeft = 0;
    }
    const eol = rbuf.indexOf('\r\n');
    if (eol < 0) return false;
    const size = parseInt(rbuf.toString('latin1', 0, eol), 16); // "size[;extension]"
    if (!(size >= 0)) throw protocolError('bad chunk size');
    if (size === 0) { // the last chunk, then trailers up to an empty line
      const end = rbuf.indexOf(HEAD_END, eol);
      if (end < 0) return false;
      rbuf = rbuf.subarray(end + 4);
      return true;
    }
    rbuf = rbuf.subarray(eol + 2);
    r.chunkLeft = size;
  }
}

function finishAnswer() {
  const req = active;
  const r = res;
  active = null;
  res = null;
  rbuf = EMPTY;
  if (r.close) dropSocket();
  else sockAnswered = true;
  const chunks = r.chunks;
  const body = chunks.length === 0 ? '' : chunks.length === 1 ? chunks[0].toString('utf8')
    : Buffer.concat(chunks).toString('utf8');
  req.done(r.status, r.headers, body);
  if (active === null) sendNext();
}

function dropSocket() {
  const s = sock;
  sock = null;
  if (s !== null) s.destroy();
}

// The connection failed or closed. An answer read until close is complete
// now; a request on a reused connection that was reset before any answer
// came (the server closed an idle keep-alive connection) is sent once more on
// a fresh one; anything else fails the request.
function onSocketEnd(err) {
  dropSocket();
  if (active === null) return; // an idle connection closed: the next request opens another
  if (err === null && res !== null && res.close && !res.chunked && res.left < 0) {
    finishAnswer();
    return;
  }
  const e = err || Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  const req = active;
  if (req.reused && !req.retried && res === null && rbuf.length === 0 &&
      (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
    req.retried = true;
    write(req);
    return;
  }
  failActive(e);
}

function failActive(err) {
  const req = active;
  active = null;
  res = null;
  rbuf = EMPTY;
  dropSocket();
  req.fail(err);
}

// POSTs not yet answered, so that an exit never cuts one off.
let postsInFlight = 0;
let postsDrained = [];

// Header values must not break the request (node's client would throw):
// anything but printable ASCII is dropped.
function headerValue(v) {
  return String(v).replace(/[^\t\x20-\x7e]/g, '');
}

// done(status, headers, body): the answer, which is the next invocation when
// thenNext asked for it (see answerThenNext).
function post(urlPath, bodyString, extraHeadLines, done, thenNext = false) {
  const headLines = 'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(bodyString, 'utf8')}\r\n${extraHeadLines || ''}${thenNext ? THEN_NEXT : ''}`;
  postsInFlight++;
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    postsInFlight--;
    if (postsInFlight === 0) for (const w of postsDrained.splice(0)) w();
  };
  // A post that also asks for the next invocation is answered only when there is
  // one: an exit may go ahead once it is on the wire (the server reads it whole).
  apiRequest('POST', urlPath, headLines, bodyString, (status, headers, body) => {
    settle();
    if (done) done(status, headers, body);
  }, undefined, thenNext ? settle : undefined);
}

function exitAfterPosts(code) {
  if (postsInFlight === 0) process.exit(code);
  else postsDrained.push(() => process.exit(code));
}

function postError(urlPath, err, done, thenNext = false) {
  const resp = toRuntimeResponse(err);
  post(urlPath, JSON.stringify(resp),
    `Lambda-Runtime-Function-Error-Type: ${headerValue(resp.errorType)}\r\n`, done, thenNext);
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

// awslambda.streamifyResponse and HttpResponseStream: the streaming module is
// loaded only when a handler uses them.
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
let streamingModule = null;
const streaming = () => streamingModule || (streamingModule = require('./streaming.js'));
global.awslambda = {
  streamifyResponse: (fn, options) => streaming().streamifyResponse(fn, options),
  get HttpResponseStream() { return streaming().HttpResponseStream; },
};

let handler;
let handlerIsAsync = false;
let current = null; // the invocation in progress { id, finished }
let beforeExit = () => {};

function scheduleNext() {
  setImmediate(nextInvocation);
}

// Petrel's Runtime API answers a response or error posted with this header with
// the next invocation (one exchange per invocation instead of two); any other
// answer (an older server, a refused post) means asking for it as usual.
const THEN_NEXT = 'Petrel-Then-Next: 1\r\n';

function answerThenNext(status, headers, body) {
  if (status === 200 && headers['lambda-runtime-aws-request-id']) {
    setImmediate(() => onInvocation(status, headers, body));
  } else {
    scheduleNext();
  }
}

function nextInvocation() {
  apiRequest('GET', `${API_PREFIX}/invocation/next`, '', '', onInvocation);
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
    post(`${API_PREFIX}/invocation/${encodedId}/response`, bodyString, null, answerThenNext, true);
  };
  const failWith = (err) => {
    if (inv.finished) return;
    inv.finished = true;
    logError('Invoke Error', err);
    postError(`${API_PREFIX}/invocation/${encodedId}/error`, err, answerThenNext, true);
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
    if (handler[STREAMING] === 'response') {
      beforeExit = () => {};
      streaming().invoke(handler, event, context, {
        host: API_HOST, port: API_PORT, path: `${API_PREFIX}/invocation/${encodedId}/response`,
        toRuntimeResponse, headerValue, logError: (err) => logError('Invoke Error', err),
        done: () => { inv.finished = true; scheduleNext(); },
        gone: apiGone,
      });
      return;
    }
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

// ---------------------------------------------------------------------------
// Pre-warmed start (PETREL_PREWARMED=1): the server starts the process before
// it knows which function it will run, with a minimal environment. Everything
// that does not depend on the function is done first (this file's modules,
// the console, the Runtime API connection); then the runtime asks which
// function it is (GET /petrel/assignment, which may wait for minutes) and
// takes on that function's environment before starting as usual.

// Variables node reads only when it starts: a pre-warmed process cannot honour
// new values. The server should start such functions the normal way.
const STARTUP_ONLY = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'NODE_ICU_DATA', 'NODE_PRESERVE_SYMLINKS'];

function awaitAssignment(then) {
  apiRequest('GET', `${API_PREFIX}/petrel/assignment`, '', '', (status, _headers, body) => {
    if (status !== 200) process.exit(0); // the server shrinks its pool or stops
    let assigned;
    try {
      assigned = JSON.parse(body).environment;
    } catch (_) {
      assigned = undefined;
    }
    if (assigned === null || typeof assigned !== 'object' || Array.isArray(assigned)) {
      writeAll(2, `unexpected answer from ${API_PREFIX}/petrel/assignment: no "environment" object\n`);
      process.exit(1);
    }
    adoptEnvironment(assigned);
    then();
  }, () => process.exit(0)); // the connection closed: likewise
}

// Makes process.env exactly the assigned map, in place: modules keep
// references to process.env (the built-in aws-sdk does).
function adoptEnvironment(assigned) {
  const before = {};
  for (const k of STARTUP_ONLY) before[k] = env[k];
  for (const k of Object.keys(env)) {
    if (!Object.prototype.hasOwnProperty.call(assigned, k)) delete env[k];
  }
  for (const k of Object.keys(assigned)) {
    const v = String(assigned[k]);
    if (env[k] !== v) env[k] = v; // TZ takes effect at once: node watches it
  }
  // require()'s global folders come from NODE_PATH and HOME.
  require('module')._initPaths();
  for (const k of STARTUP_ONLY) {
    if (env[k] !== before[k]) {
      writeAll(2, `${new Date().toISOString()}\tundefined\tWARN\t` +
        `${k} changed after node started (pre-warmed runtime); the new value has no effect\n`);
    }
  }
}

async function start() {
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

// While a pre-warmed process waits: node's ES module loader is built lazily
// and its first file import costs several milliseconds. Importing this
// runtime's own hook file (as a plain module: it only defines functions)
// pays that now. Failing here changes nothing; a real import reports its own.
function warmEsmLoader() {
  const { pathToFileURL } = require('url');
  import(pathToFileURL(path.join(__dirname, 'esm-hooks.mjs')).href).catch(() => {});
}

if (env.PETREL_PREWARMED === '1') {
  patchConsole(); // anything logged before the assignment still gets a line of its own
  awaitAssignment(start);
  warmEsmLoader();
} else {
  start();
}
