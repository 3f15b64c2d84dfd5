"""Raw HTTP abuse: what a broken or hostile client sends below the AWS protocols.

Each case opens its own socket, sends bytes and reads what comes back. A case passes when the
server answers with a 4xx (or closes the connection for bytes that are not HTTP at all) and goes
on serving everyone else; the runner checks the latter with its canary.
"""
import random
import socket
import time

TARGET = b"DynamoDB_20120810.ListTables"


def _exchange(port, data, read_timeout=10.0, chunks=None, delay=0.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        if chunks is None:
            s.sendall(data)
        else:
            for piece in chunks:
                if piece is None:
                    s.shutdown(socket.SHUT_WR)
                    continue
                s.sendall(piece)
                time.sleep(delay)
        out = b""
        while True:
            try:
                got = s.recv(65536)
            except socket.timeout:
                return out, "timeout"
            except ConnectionResetError:
                return out, "reset"
            if not got:
                return out, "closed"
            out += got
            if b"\r\n\r\n" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                length = _content_length(head)
                if length is not None and len(rest) >= length:
                    return out, "answered"
    finally:
        s.close()


def _content_length(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return None
    return None


def _status(reply):
    try:
        return int(reply.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def _post_head(extra=b"", length=None, chunked=False):
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: " + TARGET + b"\r\n" \
           b"Content-Type: application/x-amz-json-1.0\r\n"
    if chunked:
        head += b"Transfer-Encoding: chunked\r\n"
    if length is not None:
        head += b"Content-Length: %d\r\n" % length
    return head + extra + b"\r\n"


def cases():
    """(name, bytes or chunk list, expectation). expectation: '4xx', '4xx-or-close', 'close-eventually', 'any-not-5xx'."""
    yield "garbage request line", b"\x16\x03\x01\x02\x00GARBAGE\r\n\r\n", "4xx-or-close"
    yield "request line without version", b"GET /\r\n\r\n", "4xx-or-close"
    yield "unknown method", b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", "any-not-5xx"
    yield "binary noise", bytes(random.Random(7).getrandbits(8) for _ in range(4096)), "4xx-or-close"
    yield "POST without Content-Length", _post_head() + b"{}", "any-not-5xx"
    yield "chunk size not hex", _post_head(chunked=True) + b"zz\r\n{}\r\n0\r\n\r\n", "4xx-or-close"
    # Bodies that never arrive in full: the server closes the connection after its 60 s idle timeout.
    yield "chunk size too large", [_post_head(chunked=True) + b"ff\r\n{}\r\n0\r\n\r\n"], "close-eventually"
    yield "chunk size negative", _post_head(chunked=True) + b"-2\r\n{}\r\n0\r\n\r\n", "4xx-or-close"
    yield "chunked body cut off", [_post_head(chunked=True) + b"10\r\n{\"a\":"], "close-eventually"
    yield "chunked body cut off, write side closed", [_post_head(chunked=True) + b"10\r\n{\"a\":", None], "4xx"
    yield "chunk missing CRLF", _post_head(chunked=True) + b"2\r\n{}XX0\r\n\r\n", "4xx-or-close"
    yield "both Content-Length and chunked", _post_head(length=2, chunked=True) + b"2\r\n{}\r\n0\r\n\r\n", "4xx-or-close"
    yield "100 KB header", b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", "4xx-or-close"
    yield "10,000 headers", b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10_000)) + b"\r\n", "4xx-or-close"
    yield "Content-Length larger than body", [_post_head(length=1000) + b"{}"], "close-eventually"
    yield "Content-Length not a number", _post_head(extra=b"Content-Length: abc\r\n") + b"{}", "4xx-or-close"
    yield "Content-Length huge", [_post_head(length=10 ** 15) + b"{}"], "close-eventually"
    yield "pipelined garbage after a request", _post_head(length=2) + b"{}" + b"NOT HTTP AT ALL\r\n\r\n", "any-not-5xx"
    yield "header without colon", b"GET /health HTTP/1.1\r\nHost x\r\nBroken\r\n\r\n", "4xx-or-close"
    yield "NUL in header", b"GET /health HTTP/1.1\r\nHost: x\x00y\r\n\r\n", "4xx-or-close"
    yield "path of 100 KB", b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "4xx-or-close"
    yield "lambda path traversal", b"GET /2015-03-31/functions/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\n\r\n", "any-not-5xx"
    yield "lambda invoke chunked broken", [b"POST /2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: x\r\n"
                                           b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n"], "4xx-or-close"


def run_case(port, name, data, expectation):
    """Returns None when the server behaved, else what was wrong."""
    try:
        if isinstance(data, list):
            wait = 75.0 if expectation == "close-eventually" else 10.0
            reply, how = _exchange(port, None, chunks=data, read_timeout=wait)
        else:
            reply, how = _exchange(port, data)
    except ConnectionRefusedError:
        return f"{name}: connection refused (the server is down)"
    except OSError as e:
        # The server may reset a connection it refuses to read further: that is allowed.
        return None if expectation != "answered" else f"{name}: {e}"
    status = _status(reply) if reply else None
    if status is not None and status >= 500:
        return f"{name}: answered {status}: {reply[:300]!r}"
    if expectation == "close-eventually":
        if how == "timeout":
            return f"{name}: the server neither answered nor closed within 75 s"
        return None
    if expectation == "4xx":
        if status is None or not 400 <= status < 500:
            return f"{name}: expected a 4xx, got {how} {reply[:200]!r}"
    if expectation == "4xx-or-close":
        if status is None and how == "timeout":
            return f"{name}: the server neither answered nor closed within 10 s"
        if status is not None and not 400 <= status < 500 and how != "closed":
            return f"{name}: expected a 4xx or a close, got {reply[:200]!r}"
    return None


def slow_client(port, seconds):
    """Sends one byte a second for `seconds`; returns the socket so the caller checks others meanwhile."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    data = _post_head(length=2) + b"{}"
    for i in range(min(seconds, len(data))):
        try:
            s.send(data[i:i + 1])
        except OSError:
            break
        time.sleep(1)
    return s


def idle_connections(port, count):
    """Opens `count` connections that never send anything. The caller closes them."""
    socks = []
    for _ in range(count):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    return socks
