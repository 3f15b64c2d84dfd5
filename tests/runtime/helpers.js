'use strict';
// Test doubles for the runtime tests: a fake Lambda Runtime API server and a
// helper that spawns bootstrap.js against it with a temporary task root.

const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');

const RUNTIME_DIR = path.resolve(__dirname, '../../Sources/PetrelRuntimes/Runtimes/nodejs');
const BOOTSTRAP = path.join(RUNTIME_DIR, 'bootstrap.js');

// A fake Runtime API. invoke(event) queues an invocation and resolves with
// what the runtime posted for it: { kind: 'response'|'error', body, headers, raw }.
// Options: contentLength (answers carry Content-Length instead of being
// chunked), closeAfterPost (the server closes the connection after answering
// each POST), resetNext: [n, ...] (the n-th GET /next, counting from 1, has
// its connection closed without an answer).
class FakeRuntimeApi {
  constructor(opts = {}) {
    this.opts = opts;
    this.connections = 0;
    this.assignmentRes = null; // the pending GET /petrel/assignment of a pre-warmed runtime
    this.assignmentCount = 0;
    this.assignmentWaiters = [];
    this.assignedAt = null;
    this.queue = [];
    this.waiting = []; // pending GET /next responses
    this.pending = new Map(); // request id -> resolve
    this.rejecters = new Map(); // request id -> reject
    this.posts = []; // every POST, in order
    this.nextCount = 0;
    this.firstNextAt = null;
    this.initError = null;
    this.initErrorWaiters = [];
    this.nextWaiters = [];
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.on('connection', () => this.connections++);
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.address = `127.0.0.1:${this.server.address().port}`;
      resolve(this);
    }));
  }

  close() {
    for (const res of this.waiting) res.destroy();
    this.waiting = [];
    if (this.assignmentRes) this.assignmentRes.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  onRequest(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'GET' && req.url === '/2018-06-01/runtime/petrel/assignment') {
        this.assignmentCount++;
        this.assignmentRes = res;
        for (const w of this.assignmentWaiters.splice(0)) w();
        return;
      }
      if (req.method === 'GET' && req.url === '/2018-06-01/runtime/invocation/next') {
        this.nextCount++;
        if ((this.opts.resetNext || []).includes(this.nextCount)) {
          req.socket.destroy();
          return;
        }
        if (this.firstNextAt === null) this.firstNextAt = process.hrtime.bigint();
        for (const w of this.nextWaiters.splice(0)) w();
        this.waiting.push(res);
        this.pump();
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const post = { path: req.url, headers: req.headers, raw };
      try {
        post.body = JSON.parse(raw);
      } catch (_) {
        post.body = undefined;
      }
      this.posts.push(post);
      let m;
      if (req.url === '/2018-06-01/runtime/init/error') {
        this.initError = post;
        for (const w of this.initErrorWaiters.splice(0)) w(post);
      } else if ((m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(req.url))) {
        const id = decodeURIComponent(m[1]);
        post.kind = m[2];
        post.id = id;
        const resolve = this.pending.get(id);
        this.pending.delete(id);
        if (resolve) resolve(post);
      }
      if (this.opts.thenNext && post.kind && req.headers['petrel-then-next'] === '1') {
        // As Petrel's server: the answer to the post is the next invocation.
        this.thenNextCount = (this.thenNextCount || 0) + 1;
        this.waiting.push(res);
        this.pump();
        return;
      }
      const headers = { 'Content-Type': 'application/json' };
      if (this.opts.contentLength) headers['Content-Length'] = '15';
      if (this.opts.closeAfterPost) res.on('finish', () => req.socket.destroy());
      res.writeHead(202, headers).end('{"status":"OK"}');
    });
  }

  // Resolves once a pre-warmed runtime asks for its assignment.
  waitAssignmentRequest() {
    if (this.assignmentRes) return Promise.resolve();
    return new Promise((resolve) => this.assignmentWaiters.push(resolve));
  }

  // Answers the pending assignment: 200 {"environment": env}, or another status.
  assign(environment, status = 200) {
    const res = this.assignmentRes;
    this.assignmentRes = null;
    const body = status === 200 ? JSON.stringify({ environment }) : '';
    this.assignedAt = process.hrtime.bigint();
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  }

  // Closes the pending assignment's connection without an answer.
  closeAssignment() {
    const res = this.assignmentRes;
    this.assignmentRes = null;
    res.socket.destroy();
  }

  pump() {
    while (this.waiting.length && this.queue.length) {
      const res = this.waiting.shift();
      const inv = this.queue.shift();
      const headers = this.opts.contentLength
        ? { ...inv.headers, 'Content-Length': Buffer.byteLength(inv.body) } : inv.headers;
      res.writeHead(200, headers).end(inv.body);
    }
  }

  // Queue an invocation; resolves with the runtime's answer.
  invoke(event, extraHeaders = {}) {
    const id = extraHeaders.id || crypto.randomUUID();
    const headers = {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': id,
      'Lambda-Runtime-Deadline-Ms': String(Date.now() + (extraHeaders.timeoutMs || 30000)),
      'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:000000000000:function:testfn',
      'Lambda-Runtime-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    };
    for (const [k, v] of Object.entries(extraHeaders)) {
      if (k !== 'id' && k !== 'timeoutMs') headers[k] = v;
    }
    const body = JSON.stringify(event);
    const p = new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      this.rejecters.set(id, reject);
    });
    p.id = id;
    this.queue.push({ headers, body });
    this.pump();
    return p;
  }

  // The runtime process ended: invocations still waiting will never be answered.
  runtimeExited(exit) {
    for (const [id, reject] of this.rejecters) {
      if (this.pending.has(id)) reject(new Error(`runtime exited (${JSON.stringify(exit)}) before answering ${id}`));
    }
    this.rejecters.clear();
    this.pending.clear();
  }

  waitInitError() {
    if (this.initError) return Promise.resolve(this.initError);
    return new Promise((resolve) => this.initErrorWaiters.push(resolve));
  }

  // Resolves once the runtime has made at least n GET /next calls.
  waitNext(n = 1) {
    if (this.nextCount >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.nextCount >= n ? resolve() : this.nextWaiters.push(check));
      this.nextWaiters.push(check);
    });
  }
}

// Runtimes still running when the test process ends are killed.
const live = new Set();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function makeTaskRoot(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'petrel-task-'));
  writeFiles(dir, files);
  return dir;
}

function writeFiles(dir, files) {
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
}

// The environment a pre-warmed runtime starts with: nothing of the function.
function blankEnv({ api, taskRoot, runtimeApi }) {
  return {
    PETREL_PREWARMED: '1',
    AWS_LAMBDA_RUNTIME_API: runtimeApi || api.address,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: RUNTIME_DIR,
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    TZ: ':UTC',
    HOME: os.tmpdir(),
    TMPDIR: os.tmpdir(),
    LD_LIBRARY_PATH: '/usr/lib',
    NODE_PATH: [path.join(RUNTIME_DIR, 'node_modules'), '/usr/share/nodejs'].join(':'),
  };
}

// Spawns the runtime. Returns { child, out(), exited, functionEnv } where
// out() is all stdout+stderr so far, exited resolves with { code, signal } and
// functionEnv is the function's environment. With prewarmed: true the process
// starts with blankEnv() instead; api.assign(rt.functionEnv) hands it the function.
function spawnRuntime({ api, taskRoot, handler, env = {}, runtimeApi, prewarmed = false }) {
  const fullEnv = {
    PATH: process.env.PATH,
    AWS_LAMBDA_RUNTIME_API: runtimeApi || api.address,
    _HANDLER: handler,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: RUNTIME_DIR,
    AWS_LAMBDA_FUNCTION_NAME: 'testfn',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/testfn',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
    NODE_PATH: [path.join(RUNTIME_DIR, 'node_modules'), '/usr/share/nodejs'].join(':'),
    TZ: ':UTC',
    ...env,
  };
  // stdout and stderr share one file, as they do under the server.
  const logFile = path.join(taskRoot, '.runtime.log');
  const fd = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [BOOTSTRAP], {
    cwd: taskRoot, env: prewarmed ? blankEnv({ api, taskRoot, runtimeApi }) : fullEnv, stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  live.add(child);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    live.delete(child);
    resolve({ code, signal });
  }));
  return { child, exited, functionEnv: fullEnv, out: () => fs.readFileSync(logFile, 'utf8') };
}

// Log lines written by the runtime's console patch.
function logLines(text) {
  return text.split('\n').filter((l) => l.length > 0);
}

// opts: spawnRuntime's options (prewarmed: true starts it blank), and api: FakeRuntimeApi's options.
async function withRuntime(files, handler, fn, opts = {}) {
  const { api: apiOpts, ...spawnOpts } = opts;
  const api = await new FakeRuntimeApi(apiOpts).listen();
  const taskRoot = makeTaskRoot(spawnOpts.prewarmed ? {} : files);
  const rt = spawnRuntime({ api, taskRoot, handler, ...spawnOpts });
  rt.exited.then((exit) => api.runtimeExited(exit));
  try {
    if (spawnOpts.prewarmed) {
      // A pre-warmed runtime's code appears once it waits for its assignment, as the server links it in then.
      await api.waitAssignmentRequest();
      writeFiles(taskRoot, files);
    }
    return await fn({ api, rt, taskRoot });
  } finally {
    if (rt.child.exitCode === null && rt.child.signalCode === null) rt.child.kill('SIGKILL');
    await rt.exited;
    await api.close();
    fs.rmSync(taskRoot, { recursive: true, force: true });
  }
}

module.exports = {
  FakeRuntimeApi, makeTaskRoot, spawnRuntime, blankEnv, logLines, withRuntime, BOOTSTRAP, RUNTIME_DIR,
};
