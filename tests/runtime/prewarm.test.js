'use strict';
// Pre-warmed runtimes (PETREL_PREWARMED=1): started with a blank environment,
// told their function by GET /2018-06-01/runtime/petrel/assignment.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { FakeRuntimeApi, makeTaskRoot, spawnRuntime, withRuntime } = require('./helpers');

// A pre-warmed runtime on an empty task root; files are written only once it
// waits for its assignment.
function withPrewarmed(files, handler, fn, env = {}) {
  return withRuntime(files, handler, fn, { env, prewarmed: true });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('waits for its assignment without asking for /next, then runs the assigned function', async () => {
  await withPrewarmed({
    'index.js': 'exports.handler = async (e) => ({ e, pid: process.pid });',
  }, 'index.handler', async ({ api, rt }) => {
    await sleep(300);
    assert.equal(api.nextCount, 0, 'no GET /next before the assignment');
    assert.equal(api.assignmentCount, 1);
    assert.equal(rt.child.exitCode, null, 'still waiting');
    api.assign(rt.functionEnv);
    const r = await api.invoke({ a: 1 });
    assert.deepEqual(r.body.e, { a: 1 });
    assert.equal(r.body.pid, rt.child.pid);
    assert.equal(api.connections, 1, 'the assignment and the invocations share one connection');
  });
});

test('after the assignment the handler sees exactly the assigned environment and context', async () => {
  await withPrewarmed({
    'index.js': `const env0 = { ...process.env };
      exports.handler = async (e, context) => ({
        env0, env: { ...process.env },
        functionName: context.functionName, functionVersion: context.functionVersion,
        memoryLimitInMB: context.memoryLimitInMB, logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
      });`,
  }, 'index.handler', async ({ api, rt }) => {
    const assigned = {
      ...rt.functionEnv,
      AWS_LAMBDA_FUNCTION_NAME: 'assignedfn',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/02/02/[$LATEST]feedface',
      MY_SETTING: 'hello world',
      EMPTY_ONE: '',
    };
    api.assign(assigned);
    const r = await api.invoke({});
    // At init: exactly the assigned map (PETREL_PREWARMED, LD_LIBRARY_PATH, HOME... are gone).
    assert.deepEqual(r.body.env0, assigned);
    const { _X_AMZN_TRACE_ID: trace, ...rest } = r.body.env;
    assert.deepEqual(rest, assigned);
    assert.match(trace, /^Root=1-/);
    assert.equal(r.body.functionName, 'assignedfn');
    assert.equal(r.body.functionVersion, '$LATEST');
    assert.equal(r.body.memoryLimitInMB, '512');
    assert.equal(r.body.logGroupName, '/aws/lambda/testfn');
    assert.equal(r.body.logStreamName, '2026/02/02/[$LATEST]feedface');
  });
});

test('log settings come from the assigned environment', async () => {
  await withPrewarmed({
    'index.js': `exports.handler = async () => { console.info('dropped'); console.warn('kept', 1); return 1; };`,
  }, 'index.handler', async ({ api, rt }) => {
    api.assign({ ...rt.functionEnv, AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' });
    const r = await api.invoke({});
    const recs = rt.out().split('\n').filter((l) => l.includes(r.id)).map((l) => JSON.parse(l));
    assert.deepEqual(recs.map((x) => [x.level, x.message]), [['WARN', 'kept 1']]);
  });
});

test('a module found only through the assigned NODE_PATH can be required; so can the built-in aws-sdk', async () => {
  const lib = makeTaskRoot({ 'only-here/index.js': 'module.exports = "found via NODE_PATH";' });
  try {
    await withPrewarmed({
      'index.js': `const v = require('only-here'); const AWS = require('aws-sdk');
        exports.handler = async () => [v, AWS.config.region, typeof AWS.DynamoDB.DocumentClient];`,
    }, 'index.handler', async ({ api, rt }) => {
      api.assign({ ...rt.functionEnv, AWS_REGION: 'eu-west-3', NODE_PATH: `${lib}:${rt.functionEnv.NODE_PATH}` });
      assert.deepEqual((await api.invoke({})).body, ['found via NODE_PATH', 'eu-west-3', 'function']);
    });
  } finally {
    fs.rmSync(lib, { recursive: true, force: true });
  }
});

test('ES module handler after the assignment', async () => {
  await withPrewarmed({
    'index.mjs': `import AWS from 'aws-sdk'; export const handler = async () => [process.env.X, typeof AWS.DynamoDB];`,
  }, 'index.handler', async ({ api, rt }) => {
    api.assign({ ...rt.functionEnv, X: 'esm' });
    assert.deepEqual((await api.invoke({})).body, ['esm', 'function']);
  });
});

test('an init error after the assignment is posted to /init/error', async () => {
  await withPrewarmed({ 'index.js': 'exports.other = 1;' }, 'index.handler', async ({ api, rt }) => {
    api.assign(rt.functionEnv);
    const post = await api.waitInitError();
    assert.equal(post.body.errorType, 'Runtime.HandlerNotFound');
    assert.equal((await rt.exited).code, 129);
    assert.equal(api.nextCount, 0);
  });
});

test('the handler name comes from the assigned _HANDLER', async () => {
  await withPrewarmed({ 'src/app.js': 'exports.go = async () => "app.go";' }, 'index.handler', async ({ api, rt }) => {
    api.assign({ ...rt.functionEnv, _HANDLER: 'src/app.go' });
    assert.equal((await api.invoke({})).body, 'app.go');
  });
});

test('a closed assignment connection, or an answer other than 200: exit 0 quietly', async () => {
  await withPrewarmed({}, 'index.handler', async ({ api, rt }) => {
    api.closeAssignment();
    assert.deepEqual(await rt.exited, { code: 0, signal: null });
    assert.equal(rt.out(), '');
    assert.equal(api.nextCount, 0);
    assert.equal(api.posts.length, 0);
  });
  await withPrewarmed({}, 'index.handler', async ({ api, rt }) => {
    api.assign(null, 410);
    assert.deepEqual(await rt.exited, { code: 0, signal: null });
    assert.equal(rt.out(), '');
    assert.equal(api.posts.length, 0);
  });
});

test('without PETREL_PREWARMED there is no assignment request', async () => {
  const api = await new FakeRuntimeApi().listen();
  const taskRoot = makeTaskRoot({ 'index.js': 'exports.handler = async () => 1;' });
  const rt = spawnRuntime({ api, taskRoot, handler: 'index.handler' });
  try {
    assert.equal((await api.invoke({})).body, 1);
    assert.equal(api.assignmentCount, 0);
  } finally {
    rt.child.kill('SIGKILL');
    await rt.exited;
    await api.close();
    fs.rmSync(taskRoot, { recursive: true, force: true });
  }
});
