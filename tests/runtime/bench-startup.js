'use strict';
// Every child gets a minimal environment: an inherited NODE_EXTRA_CA_CERTS,
// for one, costs node tens of milliseconds at start.
//
// Start-up figure for the Node.js runtime (a benchmark, not a test):
// time from spawning `node bootstrap.js` to its first GET /next, p50 over N
// runs, beside `node -e 0` (spawn to exit) measured in the same run.
//   node tests/runtime/bench-startup.js [runs]

const { spawn } = require('node:child_process');
const { FakeRuntimeApi, makeTaskRoot, BOOTSTRAP, RUNTIME_DIR } = require('./helpers');
const path = require('node:path');
const fs = require('node:fs');

const RUNS = parseInt(process.argv[2] || '20', 10);

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function nodeE0() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env: { PATH: process.env.PATH } });
    c.on('exit', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
  });
}

async function runtimeToFirstNext(taskRoot, handler) {
  const api = await new FakeRuntimeApi().listen();
  const env = {
    PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: api.address, _HANDLER: handler, LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: RUNTIME_DIR, AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128', AWS_REGION: 'us-east-1', TZ: ':UTC',
    NODE_PATH: [path.join(RUNTIME_DIR, 'node_modules'), '/usr/share/nodejs'].join(':'),
  };
  const t0 = process.hrtime.bigint();
  const c = spawn(process.execPath, [BOOTSTRAP], { cwd: taskRoot, env, stdio: 'ignore' });
  await api.waitNext(1);
  const ms = Number(api.firstNextAt - t0) / 1e6;
  c.kill('SIGKILL');
  await new Promise((r) => c.on('exit', r));
  await api.close();
  return ms;
}

// The floor: bare node whose only work is one HTTP GET /next.
async function bareHttpGetToFirstNext() {
  const api = await new FakeRuntimeApi().listen();
  const code = `require('http').get('http://${api.address}/2018-06-01/runtime/invocation/next')`;
  const t0 = process.hrtime.bigint();
  const c = spawn(process.execPath, ['-e', code], { stdio: 'ignore', env: { PATH: process.env.PATH } });
  await api.waitNext(1);
  const ms = Number(api.firstNextAt - t0) / 1e6;
  c.kill('SIGKILL');
  await new Promise((r) => c.on('exit', r));
  await api.close();
  return ms;
}

// Warm path: invocations back to back on one instance; the time from
// queueing an invocation on the fake API to receiving its answer.
async function warmRoundTrips(taskRoot, n) {
  const api = await new FakeRuntimeApi().listen();
  const env = {
    PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: api.address, _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: taskRoot,
    NODE_PATH: [path.join(RUNTIME_DIR, 'node_modules'), '/usr/share/nodejs'].join(':'), TZ: ':UTC',
  };
  const c = spawn(process.execPath, [BOOTSTRAP], { cwd: taskRoot, env, stdio: 'ignore' });
  await api.waitNext(1);
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await api.invoke({ i });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  c.kill('SIGKILL');
  await new Promise((r) => c.on('exit', r));
  await api.close();
  return times.slice(Math.min(50, n / 10)); // drop warm-up
}

async function main() {
  const trivial = makeTaskRoot({ 'index.js': 'exports.handler = async (event) => event;' });
  const withSdk = makeTaskRoot({
    'index.js': "const AWS = require('aws-sdk'); const doc = new AWS.DynamoDB.DocumentClient();\n" +
      'exports.handler = async (event) => event;',
  });
  const esm = makeTaskRoot({ 'index.mjs': 'export const handler = async (event) => event;' });
  const bare = [];
  const rtEsm = [];
  const rt = [];
  const rtSdk = [];
  const floor = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(await nodeE0());
    floor.push(await bareHttpGetToFirstNext());
    rt.push(await runtimeToFirstNext(trivial, 'index.handler'));
    rtSdk.push(await runtimeToFirstNext(withSdk, 'index.handler'));
    rtEsm.push(await runtimeToFirstNext(esm, 'index.handler'));
  }
  const line = (name, xs) => console.log(`${name.padEnd(58)} p50 ${pct(xs, 50).toFixed(1).padStart(6)} ms   ` +
    `min ${Math.min(...xs).toFixed(1).padStart(6)} ms   p90 ${pct(xs, 90).toFixed(1).padStart(6)} ms`);
  console.log(`node ${process.version}, ${RUNS} runs each, interleaved`);
  line('node -e 0 (spawn to exit)', bare);
  line('node -e "http.get(/next)" (spawn to first GET /next)', floor);
  line('bootstrap.js, trivial handler (spawn to first GET /next)', rt);
  line('bootstrap.js, handler requiring aws-sdk + DocumentClient', rtSdk);
  line('bootstrap.js, ES module handler (index.mjs)', rtEsm);
  const warm = await warmRoundTrips(trivial, 2000);
  console.log(`warm invoke round trip through the runtime (fake API, loopback): p50 ${pct(warm, 50).toFixed(3)} ms, ` +
    `p99 ${pct(warm, 99).toFixed(3)} ms over ${warm.length}`);
  console.log(`bootstrap.js minus bare node -e 0 (p50): ${(pct(rt, 50) - pct(bare, 50)).toFixed(1)} ms`);
  console.log(`bootstrap.js minus bare node doing one GET (p50): ${(pct(rt, 50) - pct(floor, 50)).toFixed(1)} ms`);
  fs.rmSync(trivial, { recursive: true, force: true });
  fs.rmSync(withSdk, { recursive: true, force: true });
  fs.rmSync(esm, { recursive: true, force: true });
}

main();
