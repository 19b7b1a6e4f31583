#!/usr/bin/python3
"""tcpproxy: a TCP proxy on 127.0.0.1 that a test can pause or cut, to play
a network fault between a client (the bot) and a server.  Python 3 standard
library only.

    with tcpproxy.Proxy("127.0.0.1", net.port) as p:
        ... connect the client to p.port ...
        p.pause()    # the link goes silent: bytes are read and dropped
        p.resume()   # ... and flow again
        p.cut()      # every connection open now is closed (both sides)

pause() acts on the connections open at that moment, as a link that stops
carrying packets: nothing either side sends reaches the other, and neither
side is told.  When one side of a paused connection gives up and closes, the
proxy closes the other side too (as a router's reset would): a server then
drops the client at once rather than at its ping timeout.  Connections made
after pause() flow normally, so a client that reconnects gets through.
"""
import selectors
import socket
import threading

__all__ = ["Proxy"]


class _Pair:
    def __init__(self, client, server):
        self.client, self.server = client, server
        self.paused = False
        self.dropped = 0

    def other(self, sock):
        return self.server if sock is self.client else self.client


class Proxy:
    def __init__(self, target_host, target_port, host="127.0.0.1", port=0):
        self.target = (target_host, target_port)
        self._listen = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listen.bind((host, port))
        self._listen.listen(64)
        self._listen.setblocking(False)
        self.host, self.port = self._listen.getsockname()
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listen, selectors.EVENT_READ, None)
        self._pairs = {}          # socket -> _Pair
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._stop = False
        self._todo = []           # functions run on the proxy's thread
        self.connections = 0      # accepted so far
        self._thread = threading.Thread(target=self._run, name="tcpproxy", daemon=True)
        self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- control (any thread) ------------------------------------------------

    def _call(self, fn):
        done = threading.Event()
        result = []

        def wrapped():
            result.append(fn())
            done.set()
        with self._lock:
            self._todo.append(wrapped)
        self._wake_w.send(b"x")
        if not done.wait(5):
            raise RuntimeError("tcpproxy: the proxy thread did not answer")
        return result[0]

    def pause(self):
        """The connections open now stop carrying bytes.  Returns how many."""
        def fn():
            pairs = set(self._pairs.values())
            for p in pairs:
                p.paused = True
            return len(pairs)
        return self._call(fn)

    def resume(self):
        def fn():
            for p in set(self._pairs.values()):
                p.paused = False
        self._call(fn)

    def cut(self):
        """Closes every connection open now, both sides.  Returns how many."""
        def fn():
            pairs = set(self._pairs.values())
            for p in pairs:
                self._close(p)
            return len(pairs)
        return self._call(fn)

    def open_connections(self):
        return self._call(lambda: len(set(self._pairs.values())))

    def close(self):
        if self._stop:
            return
        self._stop = True
        self._wake_w.send(b"x")
        self._thread.join(5)
        for p in set(self._pairs.values()):
            self._close(p)
        self._sel.close()
        self._listen.close()
        self._wake_r.close()
        self._wake_w.close()

    # -- the proxy's thread --------------------------------------------------

    def _close(self, pair):
        for s in (pair.client, pair.server):
            if s in self._pairs:
                del self._pairs[s]
                try:
                    self._sel.unregister(s)
                except (KeyError, ValueError):
                    pass
            try:
                s.close()
            except OSError:
                pass

    def _accept(self):
        try:
            client, _ = self._listen.accept()
        except OSError:
            return
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()            # the server is down: so is the proxy
            return
        for s in (client, server):
            s.setblocking(True)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = _Pair(client, server)
        self._pairs[client] = self._pairs[server] = pair
        self._sel.register(client, selectors.EVENT_READ, pair)
        self._sel.register(server, selectors.EVENT_READ, pair)
        self.connections += 1

    def _run(self):
        while not self._stop:
            for key, _ in self._sel.select(0.5):
                if key.data is None:
                    self._accept()
                elif key.data == "wake":
                    try:
                        self._wake_r.recv(4096)
                    except OSError:
                        pass
                    with self._lock:
                        todo, self._todo = self._todo, []
                    for fn in todo:
                        fn()
                else:
                    pair, sock = key.data, key.fileobj
                    if sock not in self._pairs:
                        continue
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        self._close(pair)
                        continue
                    if pair.paused:
                        pair.dropped += len(data)
                        continue
                    try:
                        pair.other(sock).sendall(data)
                    except OSError:
                        self._close(pair)
