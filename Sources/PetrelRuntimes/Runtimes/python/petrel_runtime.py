"""Petrel's Python runtime: speaks the Lambda Runtime API (2018-06-01) to the server at
AWS_LAMBDA_RUNTIME_API and runs the handler named by _HANDLER from LAMBDA_TASK_ROOT.

Behaviour follows AWS's runtime interface client (awslambdaric): handler loading, the context
object, JSON marshalling (Decimal as a number, bytes as a raw body), error shapes and the
`logging` set-up. Start-up cost matters, so before the first GET /next only modules that a bare
interpreter has already loaded are used, plus the C halves of `json` and `socket` (`_json`,
`_socket`): `json`, `socket`, `re`, `enum` and `http.client` are never imported by the runtime
itself. `logging` is configured the moment something imports it (an import hook), `traceback`
is imported only to report an error.
"""
import os
import sys
import time

import _socket

try:
    import _json
except ImportError:  # pragma: no cover - every CPython has it
    _json = None

_env = os.environ
RUNTIME_DIR = __file__.rpartition("/")[0] or "."
_API_PREFIX = "/2018-06-01/runtime"
_LOG_TEXT_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
_JSON_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE, as AWS indents logged stack traces
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate this "
    "error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)

# The request id the `logging` handler stamps on each record (None before the first invocation).
current_request_id = None
current_tenant_id = None

# Non-ASCII in results is escaped before python3.12, kept as UTF-8 from it on (see json_dumps).
_UTF8_OUTPUT_RUNTIMES = (
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
)


def read_environment():
    """Everything the runtime derives from the environment once, at start (again after a
    pre-warmed process is assigned its function). Everything else reads `_env` when it needs it."""
    global _JSON_LOGS, _LOG_LEVEL, _ENSURE_ASCII
    _JSON_LOGS = (_env.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
    # As awslambdaric: TRACE is DEBUG; an unknown or missing level leaves the root logger's own
    # default (WARNING) alone.
    level = _env.get("AWS_LAMBDA_LOG_LEVEL")
    _LOG_LEVEL = {"TRACE": "DEBUG"}.get(level, level or "").upper()
    _ENSURE_ASCII = _env.get("AWS_EXECUTION_ENV") not in _UTF8_OUTPUT_RUNTIMES


read_environment()


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        Exception.__init__(self, msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


# ---------------------------------------------------------------------------------------------
# JSON, on the C accelerator of the standard `json` package (the package itself pulls in `re`
# and `enum`, several milliseconds on a bare interpreter). Output is what awslambdaric's
# simplejson encoder gives: ", "/": " separators, NaN/Infinity allowed, Decimal as its own
# digits, bytes inside a result decoded as UTF-8, non-ASCII kept as is from python3.12 on.


class _ScannerContext(object):
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__
    memo = None


_WS = " \t\n\r"


def _c_loads(text):
    start = len(text) - len(text.lstrip(_WS))
    obj, end = _scan_once(text, start)
    if end != len(text) and text[end:].strip(_WS):
        raise ValueError("Extra data")
    return obj


def _c_encode(obj, default, ensure_ascii):
    encode = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
    return "".join(_json.make_encoder({}, default, encode, None, ": ", ", ", False, False, True)(obj, 0))


def _py_encode(obj, default, ensure_ascii):
    import json

    return json.JSONEncoder(ensure_ascii=ensure_ascii, allow_nan=True, default=default).encode(obj)


try:
    _scan_once = _json.make_scanner(_ScannerContext())
    _encode = _c_encode
    # Should a later python change the C halves' signatures, fall back to the json package.
    if _c_loads(' [1.5, "\\u00e9", {"a": null}] ') != [1.5, "\u00e9", {"a": None}] or \
            _c_encode([1.5, "\u00e9", {"a": None}], None, True) != '[1.5, "\\u00e9", {"a": null}]':
        raise ValueError("unexpected _json behaviour")
except Exception:  # pragma: no cover - depends on the interpreter
    _scan_once = None
    _encode = _py_encode


def json_loads(text):
    """json.loads for str; errors (rare) are re-raised by the real json module, with its message."""
    if _scan_once is not None:
        try:
            return _c_loads(text)
        except Exception:
            pass
    import json

    return json.loads(text)


def json_dumps(obj, ensure_ascii=None):
    if ensure_ascii is None:
        ensure_ascii = _ENSURE_ASCII
    raws = []
    # A Decimal is written as a placeholder string, swapped for its digits afterwards.
    token = "\x00petrel-decimal-%x\x00" % id(raws)

    def default(o):
        dec = sys.modules.get("decimal")
        if dec is not None and isinstance(o, dec.Decimal):
            raws.append("NaN" if o.is_nan() else str(o))
            return token
        if isinstance(o, bytes):
            return o.decode("utf-8")
        raise TypeError("Object of type %s is not JSON serializable" % o.__class__.__name__)

    out = _encode(obj, default, ensure_ascii)
    if raws:
        parts = out.split(_encode(token, None, True))
        if len(parts) == len(raws) + 1:
            out = parts[0] + "".join(r + p for r, p in zip(raws, parts[1:]))
    return out


# ---------------------------------------------------------------------------------------------
# Output. The server reads the instance's output file when an invocation is answered, so
# everything is flushed before each POST.


def flush_output():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass


def write_log(text):
    """One log event: newlines inside become '\\r' so it stays one line, as the Node runtime does."""
    if text.endswith("\n"):
        text = text[:-1]
    sys.stdout.write(text.replace("\n", "\r") + "\n")
    try:
        sys.stdout.flush()
    except Exception:
        pass


def _iso_now():
    t = time.time()
    return time.strftime(_LOG_DATE_FORMAT, time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def _replace_line_indentation(line, indent_char, new_indent_char):
    count = len(line) - len(line.lstrip(indent_char))
    return new_indent_char * count + line[count:]


def log_error(error_result):
    """Logs a failed init or invocation the way awslambdaric does."""
    if _JSON_LOGS:
        record = {
            "timestamp": time.strftime(_JSON_DATE_FORMAT, time.gmtime()),
            "level": "ERROR",
        }
        record.update(error_result)
        write_log(json_dumps(record))
        return
    description = "[ERROR]"
    if error_result.get("errorType"):
        description += " " + error_result["errorType"]
    if error_result.get("errorMessage"):
        if error_result.get("errorType"):
            description += ":"
        description += " " + error_result["errorMessage"]
    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace:  # no header over an empty trace (an UnmarshalError has none)
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
            else:
                for line in element.splitlines():
                    lines.append(_replace_line_indentation(line, " ", _ERROR_LOG_IDENT))
    write_log("\r".join(lines))  # a newline inside the message becomes '\r' too: one event
    flush_output()


def _log_warning(message):
    logging = sys.modules.get("logging")
    if logging is not None and _logging_configured:
        logging.warning(message)
    elif _LOG_LEVEL not in ("ERROR", "CRITICAL", "FATAL"):
        write_log("[WARNING]\t%s\t%s\t%s" % (_iso_now(), current_request_id or "", message))


# ---------------------------------------------------------------------------------------------
# `logging`: the root logger gets AWS's handler and format when `logging` is first imported
# (by the function, boto3, ...), so functions that never log never pay for the module.

_logging_configured = False


def configure_logging(logging):
    global _logging_configured
    if _logging_configured:
        return
    _logging_configured = True
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, LoggingImportHook)]
    logging.Formatter.converter = time.gmtime

    class LambdaLoggerHandler(logging.Handler):
        def __init__(self):
            logging.Handler.__init__(self)

        def emit(self, record):
            write_log(self.format(record))

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = current_request_id or ""
            record.tenant_id = current_tenant_id
            return True

    handler = LambdaLoggerHandler()
    if _JSON_LOGS:
        handler.setFormatter(_json_formatter(logging))
    else:
        handler.setFormatter(logging.Formatter(_LOG_TEXT_FORMAT, _LOG_DATE_FORMAT))
    root = logging.getLogger()
    if _LOG_LEVEL in getattr(logging, "_nameToLevel", {}):
        root.setLevel(_LOG_LEVEL)
    handler.addFilter(LambdaLoggerFilter())
    root.addHandler(handler)


_RESERVED_FIELDS = frozenset((
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "tenant_id", "_frame_type", "taskName",
))


def _json_formatter(logging):
    import json
    import traceback

    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode

    class JsonFormatter(logging.Formatter):
        def __init__(self):
            logging.Formatter.__init__(self, datefmt=_JSON_DATE_FORMAT)

        def format(self, record):
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            exc_info = record.exc_info
            result = {
                "timestamp": self.formatTime(record, self.datefmt),
                "level": record.levelname,
                "message": record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage(),
                "logger": record.name,
                "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
                "errorType": exc_info[0].__name__ if exc_info else None,
                "errorMessage": str(exc_info[1]) if exc_info else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc_info else None,
            }
            if getattr(record, "tenant_id", None) is not None:
                result["tenantId"] = record.tenant_id
            for key, value in record.__dict__.items():
                if key not in _RESERVED_FIELDS and key not in result:
                    result[key] = value
            return encode({k: v for k, v in result.items() if v is not None}) + "\n"

    return JsonFormatter()


class _ConfiguringLoader(object):
    """Wraps the loader of `logging` so the module is configured as soon as it has run."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module):
        self._loader.exec_module(module)
        configure_logging(module)


class LoggingImportHook(object):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "logging" or _logging_configured:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _ConfiguringLoader(spec.loader)
                return spec
        return None


def install_logging():
    logging = sys.modules.get("logging")
    if logging is not None:
        configure_logging(logging)
    else:
        sys.meta_path.insert(0, LoggingImportHook())


# ---------------------------------------------------------------------------------------------
# Runtime API client: HTTP/1.1 on one keep-alive socket, written on `_socket` (the `socket`
# package costs `enum`, `selectors`; `http.client` costs `email` and more).

_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _quote(segment):
    if all(c in _SAFE for c in segment):
        return segment
    return "".join(chr(b) if chr(b) in _SAFE else "%%%02X" % b for b in segment.encode("utf-8"))


class NoResponse(ConnectionError):
    """The connection closed before any byte of an answer arrived."""


class RuntimeApi(object):
    def __init__(self, address):
        self.address = address
        host, sep, port = address.rpartition(":")
        if not sep or not port.isdigit():
            host, port = address, "80"
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        self.host = host
        self.port = int(port)
        self.sock = None
        self.buffer = bytearray()

    def _connect(self):
        error = None
        try:
            # getaddrinfo() runs a str host through the "idna" codec, whose import costs `re`,
            # `stringprep` and `unicodedata` (~9 ms on a bare interpreter); bytes skip it.
            host = self.host.encode("ascii")
        except UnicodeEncodeError:
            host = self.host
        for family, kind, proto, _, sockaddr in _socket.getaddrinfo(host, self.port, 0, _socket.SOCK_STREAM):
            sock = _socket.socket(family, kind, proto)
            try:
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
                sock.connect(sockaddr)
                return sock
            except OSError as e:
                sock.close()
                error = e
        raise error or ConnectionError("cannot resolve %s" % self.address)

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.buffer = bytearray()

    def request(self, method, path, body=None, headers=None, retry=True):
        """Returns (status, {lower-case header: value}, body bytes)."""
        head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, path, self.address)
        if body is not None:
            head += "Content-Length: %d\r\n" % len(body)
        if headers:
            for name, value in headers.items():
                head += "%s: %s\r\n" % (name, value)
        data = (head + "\r\n").encode("latin-1")
        if body:
            data += body
        for attempt in (0, 1):
            reused = self.sock is not None
            try:
                if self.sock is None:
                    self.sock = self._connect()
                self.sock.sendall(data)
                return self._read_response()
            except OSError as e:
                self.close()
                # A keep-alive connection the server had closed: try once on a fresh one.
                if attempt or not retry or not reused or \
                        not isinstance(e, (NoResponse, BrokenPipeError, ConnectionResetError)):
                    raise

    def _recv(self):
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("connection closed by the Runtime API")
        self.buffer += chunk

    def _read_response(self):
        buf = self.buffer
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            chunk = self.sock.recv(65536)
            if not chunk:
                if buf:
                    raise ConnectionError("connection closed in the middle of an answer")
                raise NoResponse("connection closed by the Runtime API")
            buf += chunk
        lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
        del buf[: end + 4]
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length")
        if length is not None:
            length = int(length)
            while len(self.buffer) < length:
                self._recv()
            body = bytes(self.buffer[:length])
            del self.buffer[:length]
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:  # delimited by the end of the connection
            try:
                while True:
                    self._recv()
            except ConnectionError:
                pass
            body = bytes(self.buffer)
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def _read_chunked(self):
        out = bytearray()
        while True:
            while b"\r\n" not in self.buffer:
                self._recv()
            line_end = self.buffer.find(b"\r\n")
            size = int(bytes(self.buffer[:line_end]).split(b";")[0].strip() or b"0", 16)
            del self.buffer[: line_end + 2]
            if size == 0:
                while True:  # trailers, up to the empty line
                    while b"\r\n" not in self.buffer:
                        self._recv()
                    line_end = self.buffer.find(b"\r\n")
                    del self.buffer[: line_end + 2]
                    if line_end == 0:
                        return bytes(out)
            while len(self.buffer) < size + 2:
                self._recv()
            out += self.buffer[:size]
            del self.buffer[: size + 2]

    # The Runtime API proper.

    def next(self):
        return self.request("GET", _API_PREFIX + "/invocation/next")

    def assignment(self):
        """Petrel's own route for a pre-warmed process; a closed connection is the answer too
        (never retried: the server closes it to shrink its pool of blank processes)."""
        return self.request("GET", _API_PREFIX + "/petrel/assignment", retry=False)

    # Petrel's server answers a result posted with this header with the next invocation: one
    # exchange per invocation instead of two. Other answers (202 from another server, an error)
    # mean asking with GET /next as usual.
    THEN_NEXT = {"Petrel-Then-Next": "1"}

    def post_result(self, request_id, body, content_type):
        headers = {"Content-Type": content_type}
        headers.update(self.THEN_NEXT)
        return self.request(
            "POST", "%s/invocation/%s/response" % (_API_PREFIX, _quote(request_id)), body, headers,
        )

    def post_error(self, request_id, error_result):
        return self._post_error("%s/invocation/%s/error" % (_API_PREFIX, _quote(request_id)), error_result,
                                self.THEN_NEXT)

    def post_init_error(self, error_result):
        return self._post_error(_API_PREFIX + "/init/error", error_result)

    def _post_error(self, path, error_result, extra_headers=None):
        error_type = str(error_result.get("errorType") or "Unhandled")
        error_type = error_type.replace("\r", " ").replace("\n", " ")
        body = json_dumps(error_result).encode("utf-8")
        headers = {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error_type}
        if extra_headers:
            headers.update(extra_headers)
        return self.request("POST", path, body, headers)


def api_gone(api, error):
    """The server is gone (or answered nonsense): nothing more can be done, exit."""
    flush_output()
    try:
        sys.stderr.write(
            "%s\t%s\tERROR\tRuntime API at %s unreachable (%s); exiting\n"
            % (_iso_now(), current_request_id, api.address, error)
        )
        sys.stderr.flush()
    except Exception:
        pass
    os._exit(1)


# ---------------------------------------------------------------------------------------------
# The context object, as awslambdaric's LambdaContext.


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "%s([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.__class__.__name__, self.cognito_identity_id, self.cognito_identity_pool_id)


class Client(object):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __repr__(self):
        return "%s([installation_id=%s,app_title=%s,app_version_name=%s,app_version_code=%s,app_package_name=%s])" % (
            self.__class__.__name__, self.installation_id, self.app_title, self.app_version_name,
            self.app_version_code, self.app_package_name)


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "%s([custom=%s,env=%s,client=%s])" % (self.__class__.__name__, self.custom, self.env, self.client)


def _obj_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field, None))
    return obj


_W3C_FIELDS = ("traceparent", "tracestate", "baggage")


class LambdaContext(object):
    def __init__(self, invoke_id, client_context, cognito_identity, epoch_deadline_time_in_ms,
                 invoked_function_arn=None, tenant_id=None):
        self.aws_request_id = invoke_id
        self.log_group_name = _env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = _env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = _env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = _env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = _env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        w3c = {}
        if isinstance(client_context, dict) and "w3c" in client_context:
            raw = client_context.pop("w3c")
            if isinstance(raw, dict):
                w3c = {k: raw[k] for k in _W3C_FIELDS if isinstance(raw.get(k), str)}
        self._w3c_fields = w3c
        self.client_context = _obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _obj_from_dict(Client, self.client_context.client)
        self.identity = _obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        delta = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0

    def w3c(self):
        return dict(self._w3c_fields)

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "%s([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,"
            "identity=%s,tenant_id=%s])"
            % (self.__class__.__name__, self.aws_request_id, self.log_group_name, self.log_stream_name,
               self.function_name, self.memory_limit_in_mb, self.function_version,
               self.invoked_function_arn, self.client_context, self.identity, self.tenant_id)
        )


def _parse_json_header(value, name):
    try:
        return json_loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse %s JSON: %s" % (name, e), None
        )


# ---------------------------------------------------------------------------------------------
# Errors, shaped as awslambdaric shapes them.


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _is_runtime_frame(filename):
    return filename.startswith(RUNTIME_DIR + "/") or filename.endswith("/bootstrap.py")


def error_from_exception(exc_info, invoke_id=None):
    import traceback

    etype, value, tb = exc_info
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    # Drop the runtime's own frames at the top, as awslambdaric drops its bootstrap.py's.
    for i in range(len(frames)):
        if not _is_runtime_frame(frames[i][0]):
            frames = frames[i:]
            break
    return make_error(str(value), etype.__name__, traceback.format_list(frames), invoke_id)


# ---------------------------------------------------------------------------------------------
# Loading the handler.


def setup_sys_path(task_root):
    """The task root first, then the layers (as AWS orders them), the runtime's own folder last.

    A layer's packages sit in python/lib/python3.N/site-packages for the function's runtime name
    (python3.12 even when the machine's interpreter is another 3.x), then the interpreter's own."""
    versions = []
    execution_env = _env.get("AWS_EXECUTION_ENV") or ""
    if execution_env.startswith("AWS_Lambda_python"):
        versions.append(execution_env[len("AWS_Lambda_"):])
    if "python%d.%d" % sys.version_info[:2] not in versions:
        versions.append("python%d.%d" % sys.version_info[:2])
    front = [task_root] + ["/opt/python/lib/%s/site-packages" % v for v in versions] + ["/opt/python"]
    rest = [p for p in sys.path if p not in front and p != RUNTIME_DIR and p not in ("", ".")]
    sys.path[:] = front + rest + [RUNTIME_DIR]


def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '%s': %s" % (handler, e))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module %s as a handler module" % modname,
            )
        name = modname.replace("/", ".")
        __import__(name)
        module = sys.modules[name]
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '%s': %s" % (modname, e)
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR, "Syntax error in module '%s': %s" % (modname, e), trace
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '%s' missing on module '%s'" % (fname, modname), None
        )


# ---------------------------------------------------------------------------------------------
# The loop.


def _marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return json_dumps(response).encode("utf-8"), "application/json"
    except Exception as e:
        message = str(e)
        if message.startswith("keys must be ") and ", not " in message:
            # The C encoder names C types with their module (decimal.Decimal); simplejson does not.
            head, _, type_name = message.rpartition(", not ")
            message = head + ", not " + type_name.rpartition(".")[2]
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: %s" % message, None)


def handle_invocation(api, request_handler, headers, body):
    """Runs one invocation and posts its outcome; returns the server's answer to the post."""
    invoke_id = headers.get("lambda-runtime-aws-request-id")
    error_result = None
    try:
        client_context = headers.get("lambda-runtime-client-context")
        cognito_identity = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"),
        )
        content_type = headers.get("content-type", "application/json")
        if content_type != "application/json":
            event = body
        else:
            try:
                event = json_loads(body.decode("utf-8"))
            except Exception as e:
                raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: %s" % e, None)
        response = request_handler(event, context)
        result, result_content_type = _marshal_response(response)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        error_result = error_from_exception(sys.exc_info(), invoke_id)

    if error_result is not None:
        log_error(error_result)
        flush_output()
        return api.post_error(invoke_id, error_result)
    flush_output()
    return api.post_result(invoke_id, result, result_content_type)


# ---------------------------------------------------------------------------------------------
# Pre-warmed ("blank") mode: started with PETREL_PREWARMED=1 and a generic environment before the
# server knows the function, the process does what does not depend on it, asks the server which
# function it is (GET /petrel/assignment, blocks as long as the server likes), takes on that
# function's environment and carries on as a normal start.

# Imported while blank: the runtime's own error path and standard modules functions commonly use.
# None of them reads the environment when imported (`logging` is configured after the assignment);
# boto3 is left out on purpose (megabytes per blank process).
PREWARM_IMPORTS = ("traceback", "json", "logging", "datetime", "base64", "urllib.parse")


def _read_at_process_start(name):
    """Variables the interpreter or the C library read only when the process starts."""
    return (
        (name.startswith("PYTHON") and name not in ("PYTHONPATH", "PYTHONBREAKPOINT"))
        or name.startswith("LC_") or name.startswith("MALLOC_")
        or name in ("LANG", "LD_LIBRARY_PATH", "LD_PRELOAD", "GLIBC_TUNABLES")
    )


def _user_site(home):
    """The ~/.local site-packages `site` puts on sys.path when it exists (HOME decides it)."""
    if sys.flags.no_user_site or "site" not in sys.modules or not home:
        return None
    return "%s/.local/lib/python%d.%d/site-packages" % ((home,) + sys.version_info[:2])


def _initial_environment():
    """The environment the process was started with: the interpreter adds to os.environ at start
    (LC_CTYPE=C.UTF-8 when it coerces a C locale, PEP 538); /proc keeps the original."""
    try:
        with open("/proc/self/environ", "rb") as f:
            raw = f.read()
    except OSError:  # pragma: no cover - not Linux
        return dict(_env)
    initial = {}
    for item in raw.split(b"\0"):
        name, sep, value = item.partition(b"=")
        if sep:
            initial[os.fsdecode(name)] = os.fsdecode(value)
    return initial


def _needs_fresh_interpreter(initial, environment):
    for name in set(environment) | set(initial):
        if _read_at_process_start(name) and environment.get(name) != initial.get(name):
            return True
    if environment.get("HOME") != initial.get("HOME"):
        old, new = _user_site(initial.get("HOME")), _user_site(environment.get("HOME"))
        return (old is not None and old in sys.path) or (new is not None and os.path.isdir(new))
    return False


def _pythonpath_entries(value):
    """PYTHONPATH as the interpreter puts it on sys.path: absolute, an empty entry is the cwd."""
    return [os.path.abspath(p) if p else os.getcwd() for p in value.split(":")] if value else []


def replace_pythonpath(old, new):
    """sys.path as a start with PYTHONPATH=new would have made it: the entries the interpreter took
    from `old` (right after the script's folder, which bootstrap.py put first once more) give way
    to those of `new`; later duplicates of a new entry go, as `site` removes them."""
    old_entries = _pythonpath_entries(old)
    new_entries = _pythonpath_entries(new)
    if old_entries == new_entries:
        return
    at = 0
    while at < len(sys.path) and sys.path[at] == RUNTIME_DIR:
        at += 1
    head = sys.path[:at]
    end = at
    while end < len(sys.path) and sys.path[end] in old_entries:
        end += 1
    added = []
    for p in new_entries:
        if p not in head and p not in added:
            added.append(p)
    sys.path[:] = head + added + [p for p in sys.path[end:] if p not in added]


def take_environment(environment):
    """Makes os.environ (and the C environment) what a normal start with `environment` has, then
    sys.path and what the runtime derived from the environment. Returns False if the interpreter
    itself must restart: a variable it reads only at start differs from the blank process's."""
    initial = _initial_environment()
    if _needs_fresh_interpreter(initial, environment):
        return False
    # What the interpreter added at start it would add again with the same start-time variables.
    added = dict((n, v) for n, v in _env.items() if n not in initial)
    added.update(environment)
    environment = added
    old_pythonpath = _env.get("PYTHONPATH")
    old_tz = _env.get("TZ")
    for name in [n for n in _env if n not in environment]:
        del _env[name]
    for name, value in environment.items():
        if _env.get(name) != value:
            _env[name] = value
    replace_pythonpath(old_pythonpath, _env.get("PYTHONPATH"))
    # Folders looked at while blank (the task root was empty, /opt may not have been there).
    sys.path_importer_cache.clear()
    if _env.get("TZ") != old_tz:
        time.tzset()
    logging = sys.modules.get("logging")
    if logging is not None and isinstance(getattr(logging, "_startTime", None), (int, float)):
        # relativeCreated counts from the import of logging; at a normal start, from the init.
        logging._startTime = time.time_ns() if isinstance(logging._startTime, int) else time.time()
    read_environment()
    return True


def wait_for_assignment():
    """Blank mode up to the assignment. Returns the connected RuntimeApi, with os.environ the
    function's; exits 0 if the server closes the connection or answers anything but 200."""
    address = _env.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("AWS_LAMBDA_RUNTIME_API is not set\n")
        sys.exit(1)
    for name in PREWARM_IMPORTS:
        try:
            __import__(name)
        except ImportError:  # pragma: no cover - a trimmed standard library
            pass
    api = RuntimeApi(address)
    try:
        api.sock = api._connect()
        status, _, body = api.assignment()
    except OSError:
        os._exit(0)
    if status != 200:
        os._exit(0)
    try:
        environment = json_loads(body.decode("utf-8"))["environment"]
        if not isinstance(environment, dict) or \
                not all(isinstance(k, str) and isinstance(v, str) for k, v in environment.items()):
            raise ValueError("not a map of strings")
        fresh = not take_environment(environment)
    except Exception as e:
        api_gone(api, "unusable answer to /petrel/assignment: %r" % (e,))
    if fresh:
        # PYTHON*, LANG, LD_LIBRARY_PATH, ... differ from the blank process's: they act only when
        # the interpreter starts, so start it again, in this same process, as a normal start.
        flush_output()
        api.close()
        argv = getattr(sys, "orig_argv", None) or [sys.executable, "-u"] + sys.argv
        os.execve(sys.executable, argv, environment)
    return api


def main():
    global current_request_id, current_tenant_id
    api = wait_for_assignment() if _env.get("PETREL_PREWARMED") == "1" else None
    address = _env.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("AWS_LAMBDA_RUNTIME_API is not set\n")
        sys.exit(1)
    if api is None or api.address != address:
        if api is not None:
            api.close()
        api = RuntimeApi(address)
    task_root = _env.get("LAMBDA_TASK_ROOT") or os.getcwd()
    setup_sys_path(task_root)
    install_logging()

    error_result = None
    try:
        request_handler = get_handler(_env.get("_HANDLER") or "")
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace)
    except Exception:
        error_result = error_from_exception(sys.exc_info())
    if error_result is not None:
        _log_warning(_UNHANDLED_WARNING)
        log_error(error_result)
        flush_output()
        try:
            api.post_init_error(error_result)
        except OSError as e:
            api_gone(api, e)
        flush_output()
        os._exit(1)

    answer = None
    while True:
        try:
            if answer is not None and answer[0] == 200 and answer[1].get("lambda-runtime-aws-request-id"):
                status, headers, body = answer  # the post's answer is the next invocation
            else:
                status, headers, body = api.next()
        except OSError as e:
            api_gone(api, e)
        invoke_id = headers.get("lambda-runtime-aws-request-id")
        if status != 200 or not invoke_id:
            api_gone(api, "HTTP %s from /invocation/next" % status)
        current_request_id = invoke_id
        current_tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id is not None:
            _env["_X_AMZN_TRACE_ID"] = trace_id
        elif "_X_AMZN_TRACE_ID" in _env:
            del _env["_X_AMZN_TRACE_ID"]
        try:
            answer = handle_invocation(api, request_handler, headers, body)
        except OSError as e:
            api_gone(api, e)
