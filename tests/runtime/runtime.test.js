'use strict';
// The Node.js runtime (bootstrap.js) against a fake Runtime API.

const test = require('node:test');
const assert = require('node:assert/strict');
const { withRuntime, logLines, FakeRuntimeApi, makeTaskRoot, spawnRuntime } = require('./helpers');

const LOG_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]+)\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t([^\n]*)$/;

test('async handler: result posted as JSON, several invocations on one process', async () => {
  await withRuntime({
    'index.js': `let n = 0;
      exports.handler = async (event) => ({ got: event, n: ++n, pid: process.pid });`,
  }, 'index.handler', async ({ api }) => {
    const a = await api.invoke({ a: 1 });
    const b = await api.invoke({ b: [1, 2] });
    const c = await api.invoke('just a string');
    assert.equal(a.kind, 'response');
    assert.deepEqual(a.body.got, { a: 1 });
    assert.equal(a.body.n, 1);
    assert.deepEqual(b.body.got, { b: [1, 2] });
    assert.equal(b.body.n, 2);
    assert.equal(c.body.got, 'just a string');
    assert.equal(c.body.n, 3);
    assert.equal(a.body.pid, c.body.pid, 'same process serves all invocations');
    assert.equal(a.headers['content-type'], 'application/json');
  });
});

test('undefined result is posted as null', async () => {
  await withRuntime({ 'index.js': 'exports.handler = async () => {};' }, 'index.handler', async ({ api }) => {
    const r = await api.invoke({});
    assert.equal(r.kind, 'response');
    assert.equal(r.raw, 'null');
  });
});

test('2015 style: context.succeed, context.fail, context.done', async () => {
  await withRuntime({
    'index.js': `exports.handler = function (event, context) {
        if (event.op === 'succeed') context.succeed({ via: 'succeed' });
        else if (event.op === 'fail') context.fail(new Error('failed via fail'));
        else if (event.op === 'failstr') context.fail('plain string');
        else if (event.op === 'doneok') setTimeout(function () { context.done(null, { via: 'done' }); }, 5);
        else if (event.op === 'doneerr') context.done(new TypeError('done err'));
        else if (event.op === 'twice') { context.succeed(1); context.succeed(2); context.fail(new Error('x')); }
      };`,
  }, 'index.handler', async ({ api, rt }) => {
    const s = await api.invoke({ op: 'succeed' });
    assert.equal(s.kind, 'response');
    assert.deepEqual(s.body, { via: 'succeed' });

    const f = await api.invoke({ op: 'fail' });
    assert.equal(f.kind, 'error');
    assert.equal(f.body.errorType, 'Error');
    assert.equal(f.body.errorMessage, 'failed via fail');
    assert.ok(Array.isArray(f.body.stackTrace));
    assert.equal(f.body.stackTrace[0], 'Error: failed via fail');
    assert.match(f.body.stackTrace[1], /index\.js/);
    assert.equal(f.headers['lambda-runtime-function-error-type'], 'Error');

    const fs = await api.invoke({ op: 'failstr' });
    assert.equal(fs.kind, 'error');
    assert.deepEqual(fs.body, { errorType: 'string', errorMessage: 'plain string', stackTrace: [] });

    const d = await api.invoke({ op: 'doneok' });
    assert.deepEqual(d.body, { via: 'done' });

    const de = await api.invoke({ op: 'doneerr' });
    assert.equal(de.body.errorType, 'TypeError');
    assert.equal(de.body.errorMessage, 'done err');

    const t = await api.invoke({ op: 'twice' });
    assert.equal(t.kind, 'response');
    assert.equal(t.body, 1);
    // Only one answer was posted for it.
    await api.invoke({ op: 'succeed' });
    assert.equal(api.posts.filter((p) => p.id === t.id).length, 1);

    // "Invoke Error" lines, as AWS logs them.
    const lines = logLines(rt.out());
    const inv = lines.find((l) => l.includes(f.id) && l.includes('Invoke Error'));
    assert.ok(inv, 'Invoke Error line logged');
    const m = LOG_LINE.exec(inv);
    assert.equal(m[2], f.id);
    assert.equal(m[3], 'ERROR');
    assert.ok(m[4].startsWith('Invoke Error \t{'));
    const logged = JSON.parse(m[4].slice('Invoke Error \t'.length));
    assert.equal(logged.errorType, 'Error');
    assert.equal(logged.errorMessage, 'failed via fail');
    assert.ok(Array.isArray(logged.stack));
  });
});

test('callback style: callbackWaitsForEmptyEventLoop true waits for timers, false answers at once', async () => {
  await withRuntime({
    'index.js': `let pending = 0;
      exports.handler = function (event, context, callback) {
        context.callbackWaitsForEmptyEventLoop = event.wait;
        const start = Date.now();
        setTimeout(function () { console.log('timer fired'); }, event.delay);
        callback(null, { wait: context.callbackWaitsForEmptyEventLoop, start: start });
      };`,
  }, 'index.handler', async ({ api, rt }) => {
    let t0 = Date.now();
    const w = await api.invoke({ wait: true, delay: 300 });
    const waited = Date.now() - t0;
    assert.equal(w.kind, 'response');
    assert.equal(w.body.wait, true);
    assert.ok(waited >= 280, `answer waited for the timer (${waited} ms)`);
    // The timer's log line was written before the answer was posted.
    assert.ok(logLines(rt.out()).some((l) => l.includes(w.id) && l.endsWith('\tINFO\ttimer fired')));

    t0 = Date.now();
    const nw = await api.invoke({ wait: false, delay: 1500 });
    const quick = Date.now() - t0;
    assert.equal(nw.body.wait, false);
    assert.ok(quick < 1000, `answered before the timer (${quick} ms)`);
    assert.ok(!logLines(rt.out()).some((l) => l.includes(nw.id) && l.endsWith('timer fired')), 'timer had not fired yet');
  });
});

test('callback style: callback(error) and synchronous throw', async () => {
  await withRuntime({
    'index.js': `exports.handler = (event, context, callback) => {
        if (event.throw) throw new RangeError('thrown sync');
        callback(new Error('cb error'));
      };`,
  }, 'index.handler', async ({ api }) => {
    const a = await api.invoke({});
    assert.equal(a.kind, 'error');
    assert.equal(a.body.errorType, 'Error');
    assert.equal(a.body.errorMessage, 'cb error');
    const b = await api.invoke({ throw: true });
    assert.equal(b.body.errorType, 'RangeError');
    assert.equal(b.body.errorMessage, 'thrown sync');
  });
});

test('callback handler that never calls back answers null when the loop empties', async () => {
  await withRuntime({
    'index.js': 'exports.handler = function (event, context, callback) { setTimeout(() => {}, 20); };',
  }, 'index.handler', async ({ api }) => {
    const r = await api.invoke({});
    assert.equal(r.kind, 'response');
    assert.equal(r.raw, 'null');
  });
});

test('async errors: rejected promise, thrown string, custom error name and properties', async () => {
  await withRuntime({
    'index.js': `class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; this.extra = 42; } }
      exports.handler = async (event) => {
        if (event.kind === 'string') throw 'a bare string';
        if (event.kind === 'custom') throw new MyError('custom failure');
        if (event.kind === 'promise') return Promise.reject(new Error('rejected'));
        if (event.kind === 'object') throw { some: 'object' };
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('line1\\nline2');
      };`,
  }, 'index.handler', async ({ api, rt }) => {
    const s = await api.invoke({ kind: 'string' });
    assert.deepEqual(s.body, { errorType: 'string', errorMessage: 'a bare string', stackTrace: [] });
    const c = await api.invoke({ kind: 'custom' });
    assert.equal(c.body.errorType, 'MyError');
    assert.equal(c.body.errorMessage, 'custom failure');
    assert.equal(c.headers['lambda-runtime-function-error-type'], 'MyError');
    const p = await api.invoke({ kind: 'promise' });
    assert.equal(p.body.errorMessage, 'rejected');
    const o = await api.invoke({ kind: 'object' });
    assert.equal(o.body.errorType, 'object');
    assert.equal(o.body.errorMessage, '[object Object]');
    const m = await api.invoke({ kind: 'multi' });
    assert.equal(m.body.errorMessage, 'line1\nline2');
    // The custom error's own properties appear in the logged JSON.
    const line = logLines(rt.out()).find((l) => l.includes(c.id) && l.includes('Invoke Error'));
    const logged = JSON.parse(line.split('Invoke Error \t')[1]);
    assert.equal(logged.extra, 42);
    assert.equal(logged.errorType, 'MyError');
    // A multi-line message stays on one log line.
    const ml = logLines(rt.out()).find((l) => l.includes(m.id) && l.includes('Invoke Error'));
    assert.ok(ml.includes('line1'));
  });
});

test('context fields and getRemainingTimeInMillis', async () => {
  await withRuntime({
    'index.js': `exports.handler = async (event, context) => {
        const r1 = context.getRemainingTimeInMillis();
        await new Promise((r) => setTimeout(r, 100));
        const r2 = context.getRemainingTimeInMillis();
        const c = {};
        for (const k of ['functionName', 'functionVersion', 'invokedFunctionArn', 'memoryLimitInMB',
          'awsRequestId', 'logGroupName', 'logStreamName', 'clientContext', 'identity',
          'callbackWaitsForEmptyEventLoop']) c[k] = context[k];
        return { c, r1, r2, trace: process.env._X_AMZN_TRACE_ID,
          fns: ['succeed', 'fail', 'done', 'getRemainingTimeInMillis'].map((k) => typeof context[k]) };
      };`,
  }, 'index.handler', async ({ api }) => {
    const r = await api.invoke({}, {
      timeoutMs: 5000,
      'Lambda-Runtime-Client-Context': JSON.stringify({ custom: { a: 'b' } }),
      'Lambda-Runtime-Cognito-Identity': JSON.stringify({ cognitoIdentityId: 'id-1' }),
    });
    const { c, r1, r2 } = r.body;
    assert.equal(c.functionName, 'testfn');
    assert.equal(c.functionVersion, '$LATEST');
    assert.equal(c.invokedFunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:testfn');
    assert.equal(c.memoryLimitInMB, '256');
    assert.equal(c.awsRequestId, r.id);
    assert.equal(c.logGroupName, '/aws/lambda/testfn');
    assert.equal(c.logStreamName, '2026/01/01/[$LATEST]0123456789abcdef');
    assert.deepEqual(c.clientContext, { custom: { a: 'b' } });
    assert.deepEqual(c.identity, { cognitoIdentityId: 'id-1' });
    assert.equal(c.callbackWaitsForEmptyEventLoop, true);
    assert.ok(r1 <= 5000 && r1 > 4000, `remaining ${r1}`);
    assert.ok(r1 - r2 >= 90 && r1 - r2 < 1000, `remaining went down by ${r1 - r2}`);
    assert.match(r.body.trace, /^Root=1-/);
    assert.deepEqual(r.body.fns, ['function', 'function', 'function', 'function']);
  });
});

test('console lines: format, levels, request id, util.format, newlines folded', async () => {
  await withRuntime({
    'index.js': `console.log('at init');
      exports.handler = async (event) => {
        console.log('hello %s %d', 'world', 42, { a: 1 });
        console.info('info');
        console.warn('warn');
        console.error('error', new Error('boom'));
        console.debug('debug');
        console.trace('trace');
        console.log('multi\\nline\\ntext');
        return 'ok';
      };`,
  }, 'index.handler', async ({ api, rt }) => {
    const r = await api.invoke({});
    assert.equal(r.body, 'ok');
    const lines = logLines(rt.out());
    for (const l of lines) assert.match(l, LOG_LINE, `line ${JSON.stringify(l)}`);
    const parsed = lines.map((l) => LOG_LINE.exec(l));
    assert.equal(parsed[0][2], 'undefined', 'init logs carry requestId undefined');
    assert.equal(parsed[0][4], 'at init');
    const inv = parsed.filter((m) => m[2] === r.id);
    assert.deepEqual(inv.map((m) => m[3]), ['INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG', 'TRACE', 'INFO']);
    assert.equal(inv[0][4], "hello world 42 { a: 1 }");
    assert.ok(inv[3][4].startsWith('error Error: boom\r    at '), 'error stack folded with \\r');
    assert.equal(inv[6][4], 'multi\rline\rtext');
    // Timestamps are real ISO times of now.
    assert.ok(Math.abs(Date.parse(inv[0][1]) - Date.now()) < 10000);
  });
});

test('AWS_LAMBDA_LOG_LEVEL filters console levels', async () => {
  await withRuntime({
    'index.js': `exports.handler = async () => { console.debug('d'); console.info('i'); console.warn('w'); return 1; };`,
  }, 'index.handler', async ({ api, rt }) => {
    const r = await api.invoke({});
    const levels = logLines(rt.out()).filter((l) => l.includes(r.id)).map((l) => LOG_LINE.exec(l)[3]);
    assert.deepEqual(levels, ['WARN']);
  }, { env: { AWS_LAMBDA_LOG_LEVEL: 'warn' } });
});

test('ES modules: .mjs, and .js under "type": "module", nested handler paths', async () => {
  await withRuntime({
    'app.mjs': `export const handler = async (e) => ({ esm: true, url: import.meta.url.startsWith('file://'), e });`,
  }, 'app.handler', async ({ api }) => {
    const r = await api.invoke({ x: 1 });
    assert.deepEqual(r.body, { esm: true, url: true, e: { x: 1 } });
  });
  await withRuntime({
    'src/package.json': '{"type":"module"}',
    'src/app.js': `export const ns = { deep: { fn: async () => typeof require } };`,
  }, 'src/app.ns.deep.fn', async ({ api }) => {
    const r = await api.invoke({});
    assert.equal(r.body, 'undefined', 'loaded as an ES module (no require)');
  });
});

test('CommonJS resolution order: .js before .mjs before .cjs; .cjs and subdirectories', async () => {
  await withRuntime({
    'index.js': 'exports.handler = async () => "js";',
    'index.mjs': 'export const handler = async () => "mjs";',
    'index.cjs': 'exports.handler = async () => "cjs";',
    'lib/only.cjs': 'exports.h = async () => "cjs only";',
  }, 'index.handler', async ({ api }) => {
    assert.equal((await api.invoke({})).body, 'js');
  });
  await withRuntime({
    'index.mjs': 'export const handler = async () => "mjs";',
    'index.cjs': 'exports.handler = async () => "cjs";',
  }, 'index.handler', async ({ api }) => {
    assert.equal((await api.invoke({})).body, 'mjs');
  });
  await withRuntime({ 'lib/only.cjs': 'exports.h = async () => "cjs only";' }, 'lib/only.h', async ({ api }) => {
    assert.equal((await api.invoke({})).body, 'cjs only');
  });
});

test('require("async") and require("aws-sdk") work through NODE_PATH', async () => {
  await withRuntime({
    'index.js': `const async = require('async'); const AWS = require('aws-sdk');
      exports.handler = (e, ctx) => {
        async.waterfall([(cb) => cb(null, 1), (n, cb) => cb(null, n + 1)], (err, n) =>
          ctx.done(err, { n, ddb: typeof AWS.DynamoDB, dc: typeof AWS.DynamoDB.DocumentClient }));
      };`,
  }, 'index.handler', async ({ api }) => {
    const r = await api.invoke({});
    assert.deepEqual(r.body, { n: 2, ddb: 'function', dc: 'function' });
  });
});

test("a function's own node_modules/aws-sdk wins over the built-in one", async () => {
  await withRuntime({
    'node_modules/aws-sdk/index.js': 'module.exports = { mine: true };',
    'index.js': 'const AWS = require("aws-sdk"); exports.handler = async () => AWS;',
  }, 'index.handler', async ({ api }) => {
    assert.deepEqual((await api.invoke({})).body, { mine: true });
  });
});

async function initError(files, handler) {
  let result;
  await withRuntime(files, handler, async ({ api, rt }) => {
    const post = await api.waitInitError();
    const exit = await rt.exited;
    result = { post, exit, out: rt.out(), nextCount: api.nextCount };
  });
  return result;
}

test('init error: missing module -> Runtime.ImportModuleError, exit non-zero', async () => {
  const r = await initError({ 'other.js': '' }, 'index.handler');
  assert.equal(r.post.body.errorType, 'Runtime.ImportModuleError');
  assert.match(r.post.body.errorMessage, /Cannot find module 'index'/);
  assert.equal(r.post.headers['lambda-runtime-function-error-type'], 'Runtime.ImportModuleError');
  assert.notEqual(r.exit.code, 0);
  assert.equal(r.nextCount, 0, 'no GET /next after an init error');
  assert.match(r.out, /\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime.ImportModuleError"/);
});

test('init error: a missing dependency of the module is an ImportModuleError too', async () => {
  const r = await initError({ 'index.js': 'require("no-such-package-xyz");' }, 'index.handler');
  assert.equal(r.post.body.errorType, 'Runtime.ImportModuleError');
  assert.match(r.post.body.errorMessage, /no-such-package-xyz/);
});

test('init error: missing handler -> Runtime.HandlerNotFound', async () => {
  const r = await initError({ 'index.js': 'exports.other = () => {};' }, 'index.handler');
  assert.equal(r.post.body.errorType, 'Runtime.HandlerNotFound');
  assert.equal(r.post.body.errorMessage, 'index.handler is undefined or not exported');
  assert.notEqual(r.exit.code, 0);
  const r2 = await initError({ 'index.js': 'exports.handler = 5;' }, 'index.handler');
  assert.equal(r2.post.body.errorType, 'Runtime.HandlerNotFound');
  assert.equal(r2.post.body.errorMessage, 'index.handler is not a function');
});

test('init error: malformed handler name', async () => {
  const r = await initError({ 'index.js': '' }, 'index');
  assert.equal(r.post.body.errorType, 'Runtime.MalformedHandlerName');
  assert.equal(r.post.body.errorMessage, 'Bad handler');
  const r2 = await initError({ 'index.js': '' }, '../x.handler');
  assert.equal(r2.post.body.errorType, 'Runtime.MalformedHandlerName');
});

test('init error: syntax error -> Runtime.UserCodeSyntaxError (CommonJS and ESM)', async () => {
  const r = await initError({ 'index.js': 'exports.handler = async () => {;' }, 'index.handler');
  assert.equal(r.post.body.errorType, 'Runtime.UserCodeSyntaxError');
  assert.match(r.post.body.errorMessage, /^SyntaxError: /);
  assert.notEqual(r.exit.code, 0);
  const r2 = await initError({ 'index.mjs': 'export const handler = ;' }, 'index.handler');
  assert.equal(r2.post.body.errorType, 'Runtime.UserCodeSyntaxError');
});

test('init error: an exception thrown by module code', async () => {
  const r = await initError({ 'index.js': 'throw new TypeError("bad config");' }, 'index.handler');
  assert.equal(r.post.body.errorType, 'TypeError');
  assert.equal(r.post.body.errorMessage, 'bad config');
  assert.notEqual(r.exit.code, 0);
});

test('unhandled rejection during an invocation: reported as its error, then the process exits', async () => {
  await withRuntime({
    'index.js': `exports.handler = (event, context, callback) => {
        Promise.reject(new Error('nobody caught me'));
        setTimeout(() => callback(null, 'too late'), 1000);
      };`,
  }, 'index.handler', async ({ api, rt }) => {
    const r = await api.invoke({});
    assert.equal(r.kind, 'error');
    assert.equal(r.body.errorType, 'Runtime.UnhandledPromiseRejection');
    assert.equal(r.body.errorMessage, 'Error: nobody caught me');
    const exit = await rt.exited;
    assert.equal(exit.code, 128);
    assert.match(rt.out(), new RegExp(`\\t${r.id}\\tERROR\\tUnhandled Promise Rejection \\t\\{"errorType":"Runtime.UnhandledPromiseRejection"`));
  });
});

test('uncaught exception in a timer during an invocation: reported, then exit', async () => {
  await withRuntime({
    'index.js': `exports.handler = (event, context, callback) => {
        setTimeout(() => { throw new SyntaxError('from a timer'); }, 10);
      };`,
  }, 'index.handler', async ({ api, rt }) => {
    const r = await api.invoke({});
    assert.equal(r.kind, 'error');
    assert.equal(r.body.errorType, 'SyntaxError');
    assert.equal(r.body.errorMessage, 'from a timer');
    const exit = await rt.exited;
    assert.equal(exit.code, 129);
  });
});

test('async handler whose promise never settles: Runtime.NodeJsExit when the loop empties', async () => {
  await withRuntime({
    'index.js': 'exports.handler = async () => new Promise(() => {});',
  }, 'index.handler', async ({ api }) => {
    const r = await api.invoke({});
    assert.equal(r.kind, 'error');
    assert.equal(r.body.errorType, 'Runtime.NodeJsExit');
    // The process is still usable afterwards.
    const r2 = await api.invoke({});
    assert.equal(r2.body.errorType, 'Runtime.NodeJsExit');
  });
});

test('unserializable result is reported as an error', async () => {
  await withRuntime({
    'index.js': 'exports.handler = async () => { const o = {}; o.self = o; return o; };',
  }, 'index.handler', async ({ api }) => {
    const r = await api.invoke({});
    assert.equal(r.kind, 'error');
    assert.equal(r.body.errorMessage, 'Unable to stringify response body');
  });
});

test('console output of an invocation is in the log before its answer is posted', async () => {
  await withRuntime({
    'index.js': `exports.handler = async (e) => { for (let i = 0; i < 2000; i++) console.log('line', i, 'x'.repeat(100)); return 'done'; };`,
  }, 'index.handler', async ({ api, rt }) => {
    const r = await api.invoke({});
    // Read the log the moment the answer arrives, as the server does.
    const lines = logLines(rt.out()).filter((l) => l.includes(r.id));
    assert.equal(lines.length, 2000);
    assert.ok(lines[1999].includes('line 1999'));
  });
});

test('exits when the Runtime API is unreachable', async () => {
  const api = await new FakeRuntimeApi().listen();
  const addr = api.address;
  await api.close(); // nothing listens there any more
  const taskRoot = makeTaskRoot({ 'index.js': 'exports.handler = async () => 1;' });
  const rt = spawnRuntime({ api, taskRoot, handler: 'index.handler', runtimeApi: addr });
  const timer = setTimeout(() => rt.child.kill('SIGKILL'), 10000);
  const exit = await rt.exited;
  clearTimeout(timer);
  assert.equal(exit.signal, null, 'exited by itself');
  assert.notEqual(exit.code, 0);
  assert.match(rt.out(), /unreachable/);
});

test('exits when the server goes away while waiting for /next', async () => {
  await withRuntime({ 'index.js': 'exports.handler = async () => 1;' }, 'index.handler', async ({ api, rt }) => {
    assert.equal((await api.invoke({})).body, 1);
    await api.waitNext(2);
    await api.close();
    const timer = setTimeout(() => rt.child.kill('SIGKILL'), 10000);
    const exit = await rt.exited;
    clearTimeout(timer);
    assert.equal(exit.signal, null);
    assert.notEqual(exit.code, 0);
  });
});

test('handlers with request ids needing URL encoding', async () => {
  await withRuntime({ 'index.js': 'exports.handler = async (e, c) => c.awsRequestId;' }, 'index.handler', async ({ api }) => {
    const r = await api.invoke({}, { id: 'id with/slash' });
    assert.equal(r.kind, 'response');
    assert.equal(r.body, 'id with/slash');
  });
});

for (const thenNext of [false, true]) {
test(`an exception after the answer was sent: the answer still arrives, then the process exits${thenNext ? ' (answer asks for the next invocation)' : ''}`, async () => {
  await withRuntime({
    'index.js': `exports.handler = (event, context, callback) => {
        context.callbackWaitsForEmptyEventLoop = false;
        setTimeout(() => { throw new Error('after the answer'); }, 0);
        callback(null, { answered: true, big: 'x'.repeat(200000) });
      };`,
  }, 'index.handler', async ({ api, rt }) => {
    const r = await api.invoke({});
    assert.equal(r.kind, 'response');
    assert.equal(r.body.answered, true);
    assert.equal(r.body.big.length, 200000);
    const exit = await rt.exited;
    assert.equal(exit.code, 129);
    assert.match(rt.out(), /Uncaught Exception \t\{"errorType":"Error","errorMessage":"after the answer"/);
  }, { api: { thenNext } });
});
}

test('ES module handlers can load the built-in aws-sdk with createRequire', async () => {
  await withRuntime({
    'index.mjs': `import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const AWS = require('aws-sdk');
      export const handler = async () => typeof AWS.DynamoDB.DocumentClient;`,
  }, 'index.handler', async ({ api }) => {
    assert.equal((await api.invoke({})).body, 'function');
  });
});

test('ES module handlers can import the built-in aws-sdk and async', async () => {
  await withRuntime({
    'index.mjs': `import AWS from 'aws-sdk';
      import async from 'async';
      export const handler = async () => [typeof AWS.DynamoDB, typeof async.waterfall];`,
  }, 'index.handler', async ({ api }) => {
    assert.deepEqual((await api.invoke({})).body, ['function', 'function']);
  });
  // Also from a module deeper in the graph; module code runs once.
  await withRuntime({
    'index.mjs': `import { ddb, runs } from './lib/db.mjs'; import './lib/side.mjs';
      export const handler = async () => [ddb, runs(), globalThis.sideEffects];`,
    'lib/db.mjs': `import AWS from 'aws-sdk'; let n = 0; n++; export const ddb = typeof AWS.DynamoDB; export const runs = () => n;`,
    'lib/side.mjs': `globalThis.sideEffects = (globalThis.sideEffects || 0) + 1;`,
  }, 'index.handler', async ({ api }) => {
    assert.deepEqual((await api.invoke({})).body, ['function', 1, 1]);
  });
  // A missing package is still an ImportModuleError.
  const r = await initError({ 'index.mjs': "import x from 'no-such-pkg-abc'; export const handler = async () => x;" }, 'index.handler');
  assert.equal(r.post.body.errorType, 'Runtime.ImportModuleError');
});

test('a folder module: handler "lib.handler" loads lib/index.js; extensionless files load as CommonJS', async () => {
  await withRuntime({ 'lib/index.js': 'exports.handler = async () => "folder";' }, 'lib.handler', async ({ api }) => {
    assert.equal((await api.invoke({})).body, 'folder');
  });
  await withRuntime({ 'main': 'exports.handler = async () => "extensionless";' }, 'main.handler', async ({ api }) => {
    assert.equal((await api.invoke({})).body, 'extensionless');
  });
});

test('AWS_LAMBDA_LOG_FORMAT=JSON: one JSON object per console call, errors with their fields', async () => {
  await withRuntime({
    'index.js': `exports.handler = async (e) => {
        console.log('hello', 42);
        console.warn({ a: 1 });
        throw new TypeError('bad\\nthing');
      };`,
  }, 'index.handler', async ({ api, rt }) => {
    const r = await api.invoke({});
    assert.equal(r.body.errorType, 'TypeError');
    const recs = logLines(rt.out()).map((l) => JSON.parse(l));
    assert.equal(recs.length, 3);
    assert.equal(recs[0].level, 'INFO');
    assert.equal(recs[0].message, 'hello 42');
    assert.equal(recs[0].requestId, r.id);
    assert.ok(!Number.isNaN(Date.parse(recs[0].timestamp)));
    assert.deepEqual(recs[1].message, { a: 1 });
    assert.equal(recs[1].level, 'WARN');
    assert.equal(recs[2].level, 'ERROR');
    assert.equal(recs[2].message.errorType, 'TypeError');
    assert.equal(recs[2].message.errorMessage, 'bad\nthing');
    assert.ok(Array.isArray(recs[2].message.stackTrace));
  }, { env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' } });
});

// The Runtime API client (hand-written HTTP/1.1 on one connection).

test('answers with Content-Length, a large event, one connection for many invocations', async () => {
  await withRuntime({
    'index.js': 'exports.handler = async (e) => ({ len: e.big.length, n: e.n, uni: e.uni });',
  }, 'index.handler', async ({ api }) => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const r = await api.invoke({ big, n: 1, uni: 'ünï €' });
    assert.deepEqual(r.body, { len: big.length, n: 1, uni: 'ünï €' });
    for (let i = 2; i <= 20; i++) assert.equal((await api.invoke({ big: '', n: i })).body.n, i);
    assert.equal(api.connections, 1, 'one keep-alive connection');
  }, { api: { contentLength: true } });
});

test('the server closing the connection between requests: the runtime reconnects', async () => {
  await withRuntime({ 'index.js': 'exports.handler = async (e) => e.n;' }, 'index.handler', async ({ api }) => {
    for (let i = 1; i <= 5; i++) assert.equal((await api.invoke({ n: i })).body, i);
    assert.ok(api.connections >= 5, `a connection per invocation (${api.connections})`);
  }, { api: { closeAfterPost: true, contentLength: true } });
});

test('a reused connection reset before the answer: the request is sent once more', async () => {
  await withRuntime({ 'index.js': 'exports.handler = async (e) => e.n;' }, 'index.handler', async ({ api, rt }) => {
    assert.equal((await api.invoke({ n: 1 })).body, 1);
    assert.equal((await api.invoke({ n: 2 })).body, 2); // served by the third GET /next
    assert.equal(api.nextCount, 3);
    assert.equal(api.connections, 2);
    assert.equal(rt.child.exitCode, null, 'still running');
  }, { api: { resetNext: [2] } });
});

test('a fresh connection reset before the answer: the runtime exits', async () => {
  await withRuntime({ 'index.js': 'exports.handler = async () => 1;' }, 'index.handler', async ({ api, rt }) => {
    const exit = await rt.exited;
    assert.equal(exit.code, 1);
    assert.equal(api.nextCount, 1);
    assert.match(rt.out(), /unreachable \(ECONNRESET\)/);
  }, { api: { resetNext: [1] } });
});

test('an error type that is no valid header value is cleaned in the header, kept in the body', async () => {
  await withRuntime({
    'index.js': `class E extends Error {} ; exports.handler = async () => { const e = new E('x'); e.name = 'Bad\\r\\nX-Injected: 1 Ü'; throw e; };`,
  }, 'index.handler', async ({ api }) => {
    const r = await api.invoke({});
    assert.equal(r.body.errorType, 'Bad\r\nX-Injected: 1 Ü');
    assert.equal(r.headers['lambda-runtime-function-error-type'], 'BadX-Injected: 1'); // the server trims the trailing space
    assert.equal(r.headers['x-injected'], undefined);
  });
});

test('a Petrel server answers each result with the next invocation: one exchange per invocation', async () => {
  await withRuntime({
    'index.js': `exports.handler = function (event, context, callback) {
        if (event.fail) return callback(new Error('asked to fail'));
        setTimeout(() => callback(null, { echo: event }), 20); // the loop still decides when
      };`,
  }, 'index.handler', async ({ api }) => {
    const a = await api.invoke({ n: 1 });
    const b = await api.invoke({ fail: true });
    const c = await api.invoke({ n: 3 });
    assert.deepEqual(a.body, { echo: { n: 1 } });
    assert.equal(b.kind, 'error');
    assert.equal(b.body.errorMessage, 'asked to fail');
    assert.deepEqual(c.body, { echo: { n: 3 } });
    assert.equal(a.headers['petrel-then-next'], '1');
    assert.equal(api.nextCount, 1, 'only the first invocation was asked for with GET /next');
    assert.equal(api.thenNextCount, 3);
  }, { api: { thenNext: true } });
});
