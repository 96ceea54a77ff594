# The raw-socket HTTP client of the metrics listener's abuse tests
# (metrics_abuse.sh, pod_metrics_abuse.sh): each writes its client as this
# file followed by its own commands. argv: COMMAND PORT ARGS...; every byte
# sent is the test's own.
import os, random, select, socket, sys, time

PORT = int(sys.argv[2])
TIMEOUT = 10

def barrier():
    """Python takes most of a second to start on a busy machine: the clients
    start early, say so in READY, and act when the file GO names appears,
    so that they all act within milliseconds."""
    if "READY" in os.environ:
        open(os.environ["READY"], "w").close()
    if "GO" in os.environ:
        end = time.monotonic() + 30
        while not os.path.exists(os.environ["GO"]):
            if time.monotonic() > end:
                sys.exit("barrier: no go")
            time.sleep(0.005)

def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=TIMEOUT)
    return s

def read_all(s):
    data = b""
    while True:
        try:
            b = s.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not b:
            break
        data += b
    return data

def exchange(payload):
    """Sends payload, reads to EOF. Returns the bytes received: none means the
    connection was closed at once (every slot busy)."""
    s = connect()
    try:
        try:
            s.sendall(payload)
        except (ConnectionResetError, BrokenPipeError):
            pass
        return read_all(s)
    finally:
        s.close()

def trickle(s, msg, running):
    """Sends msg a byte at a time, waiting up to 1 s after each for the
    server, while running() holds. Returns (sent, reply, cut_after_s): reply
    is what the server sent (it must never answer a request that does not
    end), cut_after_s the seconds until it closed the connection, or None
    when running() stopped first."""
    t0 = time.monotonic()
    sent = 0
    while running():
        try:
            s.send(msg[sent:sent + 1])
            sent += 1
        except (ConnectionResetError, BrokenPipeError):
            return sent, b"", time.monotonic() - t0
        r, _, _ = select.select([s], [], [], 1.0)
        if r:
            try:
                got = s.recv(4096)
            except ConnectionResetError:
                got = b""
            return sent, got, time.monotonic() - t0
    return sent, b"", None

def parse(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body

def with_retry(payload, retry_s):
    """Retries only a connection closed without a byte. Returns (data, tries)."""
    end = time.monotonic() + retry_s
    tries = 0
    while True:
        tries += 1
        data = exchange(payload)
        if data or time.monotonic() > end:
            return data, tries
        time.sleep(0.02)

