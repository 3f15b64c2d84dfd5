"""The abuse suite (issue 4): each test deploys a real function that tries to break out of its
sandbox or exhaust a limit, and checks the abuse is contained, the caller gets AWS's error where
there is one, the instance is replaced, and a canary function invoked in parallel throughout keeps
answering correctly.

Tests that need a mechanism the host lacks (bubblewrap, a cgroup controller) skip, saying which;
the server's start-up line says what isolation is in force.
"""
import base64
import io
import json
import os
import re
import threading
import time
import zipfile

import pytest

from conftest import PetrelProcess

MARKER = "petrel-e2e-host-secret-7c1f"


def zip_of(source, name="index.js"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


# One handler that performs the abuse named by the event's "abuse" field.
ABUSER = r"""
const fs = require('fs');
const cp = require('child_process');
const abuses = {
  async ok() { return 'ok'; },
  async readOtherCode(e) {
    const found = [];
    for (const p of [e.otherCode, e.otherCode + '/index.js', e.dataDir + '/code']) {
      try { fs.readdirSync(p); found.push(p); } catch (err) {}
      try { fs.readFileSync(p); found.push(p); } catch (err) {}
    }
    return { found, root: fs.readdirSync('/') };
  },
  async readDatabase(e) {
    try { return { read: fs.readFileSync(e.dataDir + '/petrel.sqlite').length }; }
    catch (err) { return { error: err.code }; }
  },
  async hostEnviron(e) {
    const leaked = [];
    let seen = 0;
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      seen++;
      try { if (fs.readFileSync(`/proc/${pid}/environ`, 'latin1').includes(e.marker)) leaked.push(pid); } catch (err) {}
    }
    return { leaked, seen };
  },
  async signalServer(e) {
    try { process.kill(e.serverPid, 'SIGKILL'); return { sent: true }; }
    catch (err) { return { error: err.code }; }
  },
  async writeSysctl() {
    const path = '/proc/sys/vm/overcommit_ratio';
    try { fs.writeFileSync(path, fs.readFileSync(path)); return { wrote: true, uid: process.getuid() }; }
    catch (err) { return { error: err.code, uid: process.getuid() }; }
  },
  async writeOutsideTmp() {
    const written = [];
    for (const p of ['/var/task/x', '/var/runtime/x', '/x', '/etc/x', '/usr/x', '/var/x']) {
      try { fs.writeFileSync(p, 'x'); written.push(p); } catch (err) {}
    }
    fs.writeFileSync('/tmp/x', 'x');
    return { written };
  },
  async fillTmp() {
    const chunk = Buffer.alloc(16 << 20, 1);
    let total = 0, error = null;
    const fd = fs.openSync('/tmp/fill', 'w');
    try { for (;;) { total += fs.writeSync(fd, chunk); if (total > 2048 * 1048576) break; } }
    catch (err) { error = err.code; }
    fs.closeSync(fd);
    fs.unlinkSync('/tmp/fill');
    return { total, error };
  },
  async forkBomb() {
    cp.spawn('/bin/sh', ['-c', 'f() { f | f & }; f'], { detached: true, stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 60000));
  },
  async allocate() {
    const kept = [];
    for (;;) kept.push(Buffer.alloc(1 << 20, 1));
  },
  async spin() { for (;;) {} },
  async flood() {
    const line = 'x'.repeat(1023) + '\n';
    const block = line.repeat(1024);
    for (let i = 0; i < 100; i++) process.stdout.write(block);
    return 'flooded';
  },
  async openFiles() {
    const fds = [];
    let error = null;
    try { for (let i = 0; i < 10000; i++) fds.push(fs.openSync('/var/task/index.js', 'r')); }
    catch (err) { error = err.code; }
    for (const fd of fds) fs.closeSync(fd);
    return { opened: fds.length, error };
  },
  async timer() {
    if (!globalThis.ticks) {
      globalThis.ticks = 0;
      setInterval(() => { globalThis.ticks++; }, 50);
    }
    return { ticks: globalThis.ticks, at: Date.now() };
  },
};
exports.handler = async (event) => abuses[event.abuse](event);
"""

CANARY = r"""
exports.handler = async (event) => ({ echo: event.n, sum: event.a + event.b });
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    os.environ["PETREL_E2E_MARKER"] = MARKER  # inherited by the server: must not reach functions
    try:
        petrel = PetrelProcess(str(tmp_path_factory.mktemp("isolation-data"))).start()
    finally:
        os.environ.pop("PETREL_E2E_MARKER", None)
    yield petrel
    petrel.stop()


@pytest.fixture(scope="module")
def isolation(server):
    log = open(server.log_path).read()
    match = re.search(r"isolation: (\S+): (.*)", log)
    assert match, "the server must say at start what isolation is in force:\n" + log
    return {"mode": match.group(1), "line": match.group(0)}


def needs(isolation, *mechanisms):
    line = isolation["line"]
    in_force = line.split("; missing:")[0]
    for mechanism in mechanisms:
        if mechanism not in in_force:
            pytest.skip(f"this host does not give {mechanism}: {line}")


@pytest.fixture(scope="module")
def lam(server):
    return server.client("lambda")


def create(lam, name, source, memory=128, timeout=3, storage=512, env=None):
    try:
        lam.delete_function(FunctionName=name)
    except lam.exceptions.ResourceNotFoundException:
        pass
    lam.create_function(
        FunctionName=name, Runtime="nodejs20.x", Role="arn:aws:iam::000000000000:role/lambda",
        Handler="index.handler", Code={"ZipFile": zip_of(source)}, MemorySize=memory, Timeout=timeout,
        EphemeralStorage={"Size": storage}, Environment={"Variables": env or {}},
    )


def invoke(lam, name, event):
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
    payload = json.loads(response["Payload"].read() or b"null")
    log = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
    return response, payload, log


def max_memory_used(log):
    match = re.search(r"Max Memory Used: (\d+) MB", log)
    return int(match.group(1)) if match else None


@pytest.fixture(scope="module")
def canary(server, lam):
    """A second function invoked in a loop for the whole module; every answer is checked."""
    create(lam, "canary", CANARY)
    failures, count, stop = [], [0], threading.Event()
    client = server.client("lambda")

    def loop():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                response, payload, _ = invoke(client, "canary", {"n": n, "a": n, "b": 1})
                if response.get("FunctionError") or payload != {"echo": n, "sum": n + 1}:
                    failures.append((n, payload))
            except Exception as error:  # noqa: BLE001 - any failure is a finding
                failures.append((n, repr(error)))
            count[0] += 1
            time.sleep(0.05)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield {"failures": failures, "count": count}
    stop.set()
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def abuser(lam, server, canary):
    create(lam, "other-function", "exports.handler = async () => 'secret code'\n")
    create(lam, "abuser", ABUSER, memory=256, timeout=3)
    return "abuser"


def other_code_dir(server):
    code_root = os.path.join(server.data_dir, "code")
    return [os.path.join(code_root, d) for d in os.listdir(code_root)]


def test_server_says_what_isolation_is_in_force(isolation):
    assert isolation["mode"] in ("bubblewrap+cgroups", "bubblewrap", "cgroups", "plain")


def test_cannot_read_another_functions_code(server, lam, abuser, isolation):
    needs(isolation, "bubblewrap")
    for directory in other_code_dir(server):
        _, payload, _ = invoke(lam, abuser, {"abuse": "readOtherCode", "otherCode": directory, "dataDir": server.data_dir})
        assert payload["found"] == []
    assert "code" not in payload["root"] and "work" not in payload["root"] and "home" not in payload["root"]


def test_cannot_read_petrels_database(server, lam, abuser, isolation):
    needs(isolation, "bubblewrap")
    _, payload, _ = invoke(lam, abuser, {"abuse": "readDatabase", "dataDir": server.data_dir})
    assert payload == {"error": "ENOENT"}


def test_cannot_read_host_process_environments(lam, abuser, isolation):
    needs(isolation, "bubblewrap")
    _, payload, _ = invoke(lam, abuser, {"abuse": "hostEnviron", "marker": MARKER})
    assert payload["leaked"] == []
    assert payload["seen"] <= 4, "only the sandbox's own processes are in its /proc"


def test_cannot_signal_petrel(server, lam, abuser, isolation):
    needs(isolation, "bubblewrap")
    _, payload, _ = invoke(lam, abuser, {"abuse": "signalServer", "serverPid": server.proc.pid})
    assert payload == {"error": "ESRCH"}
    assert server.proc.poll() is None


def test_cannot_write_outside_tmp(lam, abuser, isolation):
    needs(isolation, "bubblewrap")
    _, payload, _ = invoke(lam, abuser, {"abuse": "writeOutsideTmp"})
    assert payload == {"written": []}


def test_cannot_write_kernel_settings(lam, abuser, isolation):
    needs(isolation, "bubblewrap")
    _, payload, _ = invoke(lam, abuser, {"abuse": "writeSysctl"})
    assert payload.get("error") in ("EACCES", "EROFS", "EPERM"), payload
    assert payload["uid"] != 0, "functions do not run as root"


def test_tmp_is_capped_at_ephemeral_storage(lam, canary, isolation):
    needs(isolation, "bubblewrap")
    create(lam, "tmp-filler", ABUSER, memory=1024, timeout=30, storage=512)
    _, payload, _ = invoke(lam, "tmp-filler", {"abuse": "fillTmp"})
    assert payload["error"] == "ENOSPC", payload
    assert 500 << 20 <= payload["total"] <= 512 << 20


def test_fork_bomb_is_contained(lam, abuser, isolation):
    needs(isolation, "pids limit")
    response, payload, log = invoke(lam, abuser, {"abuse": "forkBomb"})
    assert response.get("FunctionError") == "Unhandled"
    assert "Task timed out after 3.00 seconds" in payload["errorMessage"]
    # The instance was replaced: the next invocation runs on a fresh one.
    _, payload, _ = invoke(lam, abuser, {"abuse": "ok"})
    assert payload == "ok"


def test_allocating_past_memory_is_killed(lam, abuser, isolation):
    needs(isolation, "memory limit")
    response, payload, log = invoke(lam, abuser, {"abuse": "allocate"})
    assert response.get("FunctionError") == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: signal: killed" in payload["errorMessage"]
    used = max_memory_used(log)
    assert used is not None and 200 <= used <= 256, log
    _, payload, _ = invoke(lam, abuser, {"abuse": "ok"})
    assert payload == "ok"


def test_spinning_forever_times_out(lam, abuser):
    response, payload, _ = invoke(lam, abuser, {"abuse": "spin"})
    assert response.get("FunctionError") == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 3.00 seconds" in payload["errorMessage"]
    _, payload, _ = invoke(lam, abuser, {"abuse": "ok"})
    assert payload == "ok"


def test_printing_100_mb_does_not_hurt(server, lam, abuser):
    response, payload, _ = invoke(lam, abuser, {"abuse": "flood"})
    assert payload == "flooded"
    assert server.proc.poll() is None
    _, payload, _ = invoke(lam, abuser, {"abuse": "ok"})
    assert payload == "ok"


def test_open_files_are_capped(lam, abuser, isolation):
    _, payload, _ = invoke(lam, abuser, {"abuse": "openFiles"})
    assert payload["error"] == "EMFILE"
    assert 900 <= payload["opened"] < 1024


def test_timers_do_not_run_between_invocations(lam, canary, isolation):
    needs(isolation, "freezer")
    create(lam, "timer", ABUSER, memory=256, timeout=3)
    _, first, _ = invoke(lam, "timer", {"abuse": "timer"})
    time.sleep(2)  # 40 ticks if the instance ran between invocations
    _, second, _ = invoke(lam, "timer", {"abuse": "timer"})
    assert second["at"] - first["at"] >= 1900
    assert second["ticks"] - first["ticks"] <= 5, (first, second)


def test_canary_kept_answering(canary):
    time.sleep(0.5)
    assert canary["count"][0] > 10
    assert canary["failures"] == []


NETWORK_PROBE = r"""
const net = require('net');
const http = require('http');
const tryConnect = (host, port) => new Promise((resolve) => {
  const socket = net.connect({ host, port, timeout: 2000 }, () => { socket.destroy(); resolve('connected'); });
  socket.on('error', (e) => resolve(e.code));
  socket.on('timeout', () => { socket.destroy(); resolve('timeout'); });
});
exports.handler = async (event) => {
  const endpoint = await new Promise((resolve) => {
    http.get(process.env.AWS_ENDPOINT_URL + '/', (res) => { res.resume(); resolve(res.statusCode); })
      .on('error', (e) => resolve(e.code));
  });
  return {
    endpoint,
    hostPort: await tryConnect('127.0.0.1', event.hostPort),
    outside: await tryConnect('1.1.1.1', 53),
    interfaces: require('fs').readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)
      .filter((l) => l.trim()).map((l) => l.split(':')[0].trim()),
  };
};
"""


def test_function_network_none(fresh_petrel, isolation):
    needs(isolation, "bubblewrap")
    import socket
    server = fresh_petrel("--function-network", "none")
    log = open(server.log_path).read()
    assert "network none" in log
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        lam = server.client("lambda")
        create(lam, "offline", NETWORK_PROBE, timeout=10)
        response, payload, _ = invoke(lam, "offline", {"hostPort": listener.getsockname()[1]})
        assert not response.get("FunctionError"), payload
        assert payload["interfaces"] == ["lo"]
        assert payload["endpoint"] in (200, 404, 400, 403), "Petrel's endpoint stays reachable"
        assert payload["hostPort"] == "ECONNREFUSED", "other host ports are not"
        assert payload["outside"] in ("ENETUNREACH", "EHOSTUNREACH", "timeout")
    finally:
        listener.close()


def instance_processes(data_dir):
    """Pids of processes whose command line names the server's data directory (its instances)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if data_dir.encode() in f.read():
                    with open(f"/proc/{pid}/stat") as s:
                        if s.read().rsplit(")", 1)[1].split()[0] != "Z":
                            found.append(int(pid))
        except OSError:
            pass
    return found


def test_instances_die_with_the_server(fresh_petrel, isolation):
    needs(isolation, "bubblewrap")
    server = fresh_petrel()
    lam = server.client("lambda")
    create(lam, "survivor", CANARY)
    create(lam, "busy", ABUSER, timeout=30)
    assert invoke(lam, "survivor", {"n": 1, "a": 1, "b": 1})[1] == {"echo": 1, "sum": 2}  # now idle, frozen
    spinner = threading.Thread(target=lambda: invoke(server.client("lambda"), "busy", {"abuse": "spin"}), daemon=True)
    spinner.start()
    time.sleep(1)
    assert len(instance_processes(server.data_dir)) >= 2
    server.kill9()
    deadline = time.time() + 5
    while instance_processes(server.data_dir) and time.time() < deadline:
        time.sleep(0.1)
    assert instance_processes(server.data_dir) == [], "instances outlived a SIGKILLed server"


# --- Issue 12, finding 2: a function must not reach another instance's Runtime API -----------

ATTACKER = r"""
const fs = require('fs');
const http = require('http');

// Every listening TCP socket this function can see, from /proc/net/tcp and /proc/net/tcp6.
function listeners() {
  const found = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try { text = fs.readFileSync(file, 'utf8'); } catch (e) { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue;
      const [address, port] = f[1].split(':');
      let host = file.endsWith('6') ? '::1' : '127.0.0.1';
      if (address.length === 8 && address !== '00000000') {
        host = address.match(/../g).reverse().map((b) => parseInt(b, 16)).join('.');
      }
      found.push({ host, port: parseInt(port, 16) });
    }
  }
  return found;
}

function request(host, port, method, path, body, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.request({ host, port, method, path, agent: false, timeout: timeoutMs,
                               headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', (e) => resolve({ error: e.code || String(e) }));
    });
    req.on('timeout', () => { req.destroy(); resolve({ error: 'timeout' }); });
    req.on('error', (e) => resolve({ error: e.code || String(e) }));
    if (body) req.write(body);
    req.end();
  });
}

// Steal invocations from one listener until the deadline: ask for the next one, answer it.
async function stealNext(target, deadline, loot) {
  while (Date.now() < deadline) {
    const got = await request(target.host, target.port, 'GET', '/2018-06-01/runtime/invocation/next', null,
                              Math.max(100, deadline - Date.now()));
    if (got.error) { loot.errors.push(`${target.port} next: ${got.error}`); if (got.error === 'timeout') return; await new Promise((r) => setTimeout(r, 50)); continue; }
    const id = got.headers['lambda-runtime-aws-request-id'];
    if (!id) { loot.answers.push({ port: target.port, route: 'next', status: got.status }); return; }
    loot.stolen.push({ port: target.port, headers: got.headers, body: got.body });
    const answered = await request(target.host, target.port, 'POST', `/2018-06-01/runtime/invocation/${id}/response`,
                                   '"stolen"', 2000);
    loot.answered.push({ port: target.port, status: answered.status, error: answered.error });
  }
}

async function stealAssignment(target, deadline, loot) {
  const got = await request(target.host, target.port, 'GET', '/2018-06-01/runtime/petrel/assignment', null,
                            Math.max(100, deadline - Date.now()));
  if (got.error) { loot.errors.push(`${target.port} assignment: ${got.error}`); return; }
  if (got.status === 200) loot.stolen.push({ port: target.port, route: 'assignment', body: got.body });
  else loot.answers.push({ port: target.port, route: 'assignment', status: got.status });
}

exports.handler = async (event) => {
  const own = Number(process.env.AWS_LAMBDA_RUNTIME_API.split(':').pop());
  const seen = listeners();
  // This machine runs other people's servers too: requests go only to the listeners of the
  // server under test (the test passes their ports); every other one is only listed.
  const scope = new Set(event.scope);
  const targets = seen.filter((l) => l.port !== own && (scope.size === 0 || scope.has(l.port)));
  const loot = { stolen: [], answered: [], answers: [], errors: [] };
  const deadline = Date.now() + event.holdMs;
  await Promise.all(targets.flatMap((t) => [stealNext(t, deadline, loot), stealAssignment(t, deadline, loot)]));
  // And the victim's environment, from any process this function's /proc shows.
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (environ.includes('VICTIM_KEY')) loot.stolen.push({ pid, environ });
    } catch (e) {}
  }
  const endpoint = await request('127.0.0.1', Number(new URL(process.env.AWS_ENDPOINT_URL).port), 'GET', '/', null, 3000);
  return { own, seen: seen.map((l) => l.port), tried: targets.map((t) => t.port), endpoint: endpoint.status || endpoint.error, loot };
};
"""

VICTIM = r"""
exports.handler = async (event) => ({ n: event.n, secret: event.secret.length, key: process.env.VICTIM_KEY.length });
"""


def listening_ports_of(pid):
    """The TCP ports process `pid` listens on (read on the host: its fds' socket inodes)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:
                    ports.add(int(fields[1].split(":")[1], 16))
    return ports


@pytest.mark.parametrize("network", ["shared", "none"])
def test_a_function_cannot_steal_another_functions_invocations(fresh_petrel, isolation, network):
    """An attacker scans every loopback listener it can see and asks each for the next invocation
    and for a warm-pool assignment while a victim is invoked with secrets in its events and its
    environment: it gets nothing of the victim's, and every victim invocation succeeds."""
    needs(isolation, "bubblewrap")
    server = fresh_petrel() if network == "shared" else fresh_petrel("--function-network", "none")
    line = re.search(r"isolation: .*", open(server.log_path).read()).group(0)
    if "Runtime API" in line.partition("; missing:")[2]:
        pytest.skip(f"this host cannot keep a Runtime API private to its instance: {line}")
    lam = server.client("lambda")
    key = "victim-key-" + os.urandom(8).hex()
    create(lam, "victim", VICTIM, env={"VICTIM_KEY": key})
    create(lam, "attacker", ATTACKER, timeout=30)

    def call_victim(n, results):
        secret = f"victim-secret-{os.urandom(8).hex()}-{n}"
        try:
            response, payload, _ = invoke(server.client("lambda"), "victim", {"n": n, "secret": secret})
            results.append((n, response.get("FunctionError"), payload, len(secret)))
        except Exception as error:  # noqa: BLE001 - any failure is a finding
            results.append((n, "exception", repr(error), len(secret)))

    def burst(first, count, results):
        threads = [threading.Thread(target=call_victim, args=(first + i, results)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    results = []
    burst(0, 3, results)  # a few warm victim instances, parked in GET /next
    scope = sorted(listening_ports_of(server.proc.pid))
    attack = {}

    def run_attack():
        try:
            attack["response"] = invoke(server.client("lambda"), "attacker", {"scope": scope, "holdMs": 6000})
        except Exception as error:  # noqa: BLE001
            attack["error"] = repr(error)

    attacker = threading.Thread(target=run_attack)
    attacker.start()
    time.sleep(1.5)  # the attacker is now parked on every listener it found
    deadline = time.time() + 4
    n = 100
    while time.time() < deadline:
        burst(n, 4, results)  # more than the warm instances: cold starts take warm-pool blanks
        n += 10
    attacker.join(timeout=60)

    assert "error" not in attack, attack
    response, outcome, _ = attack["response"]
    assert not response.get("FunctionError"), outcome
    text = json.dumps(outcome)
    assert outcome["loot"]["stolen"] == [], text
    assert "victim" not in text and key not in text, text
    assert outcome["endpoint"] in (200, 400, 403, 404), "Petrel's endpoint stays reachable: " + text
    if network == "shared":
        others = set(outcome["seen"]) & set(scope) - {outcome["own"], server.port}
        assert others, "the attacker saw the other instances' listeners (the test is not vacuous): " + text
    else:
        assert set(outcome["seen"]) <= {outcome["own"], server.port}, "only its own relays exist in its network"
    failed = [r for r in results if r[1] or r[2] != {"n": r[0], "secret": r[3], "key": len(key)}]
    assert failed == [] and len(results) >= 7, failed
