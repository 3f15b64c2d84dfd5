'use strict';
// Warm-path figure for the Node.js runtime (a benchmark, not a test):
// bootstrap.js with a trivial handler against a minimal fake Runtime API that
// answers every GET /next at once with the next invocation. Reports
// invocations per second and the runtime process's CPU time per invocation
// (utime + stime from /proc/<pid>/stat, measured after a warm-up).
//   node tests/runtime/bench-warm.js [invocations] [rounds]
// BENCH_BOOTSTRAP=/path/to/other/bootstrap.js compares another version.

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { makeTaskRoot, BOOTSTRAP, RUNTIME_DIR } = require('./helpers');

const N = parseInt(process.argv[2] || '20000', 10);
const ROUNDS = parseInt(process.argv[3] || '3', 10);
const WARMUP = 2000;
const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14, 15)
}

// One server per round: answers GET /next at once; counts answers posted.
function fakeApi(onAnswer) {
  let n = 0;
  const event = JSON.stringify({ key1: 'value1', key2: 'value2', key3: 'value3' });
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      n++;
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': `8476a536-e9f4-11e8-9739-${String(n).padStart(12, '0')}`,
        'Lambda-Runtime-Deadline-Ms': String(Date.now() + 30000),
        'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:bench',
        'Lambda-Runtime-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        'Content-Length': Buffer.byteLength(event),
      });
      res.end(event);
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': 15 }).end('{"status":"OK"}');
      onAnswer();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function round(taskRoot) {
  let answers = 0;
  let waiter = null;
  let target = 0;
  const server = await fakeApi(() => {
    answers++;
    if (waiter && answers >= target) {
      const w = waiter;
      waiter = null;
      w();
    }
  });
  const reach = (k) => new Promise((resolve) => {
    target = k;
    if (answers >= k) resolve();
    else waiter = resolve;
  });
  const env = {
    PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.address().port}`,
    _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: taskRoot, LAMBDA_RUNTIME_DIR: RUNTIME_DIR,
    AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128', AWS_REGION: 'us-east-1', TZ: ':UTC',
    NODE_PATH: [path.join(RUNTIME_DIR, 'node_modules'), '/usr/share/nodejs'].join(':'),
  };
  const c = spawn(process.execPath, [process.env.BENCH_BOOTSTRAP || BOOTSTRAP], { cwd: taskRoot, env, stdio: 'ignore' });
  await reach(WARMUP);
  const cpu0 = cpuMs(c.pid);
  const t0 = process.hrtime.bigint();
  await reach(WARMUP + N);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = cpuMs(c.pid) - cpu0;
  c.kill('SIGKILL');
  await new Promise((r) => c.on('exit', r));
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  return { perSec: (N * 1000) / wallMs, cpuUs: (cpu * 1000) / N };
}

async function main() {
  const taskRoot = makeTaskRoot({ 'index.js': 'exports.handler = async (event) => event;' });
  console.log(`node ${process.version}, ${N} invocations per round after ${WARMUP} warm-up, ${ROUNDS} rounds`);
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round(taskRoot);
    console.log(`round ${i + 1}: ${r.perSec.toFixed(0).padStart(6)} invocations/s   ` +
      `runtime CPU ${r.cpuUs.toFixed(1).padStart(6)} µs/invocation`);
  }
  fs.rmSync(taskRoot, { recursive: true, force: true });
}

main();
