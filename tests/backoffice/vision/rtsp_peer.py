"""A real RTSP peer on loopback: ffmpeg encodes a video file to RTP, and this small RTSP server
(OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN; RTP interleaved over the RTSP TCP connection)
hands the packets to the client. ffmpeg alone cannot serve RTSP to a reading client: its
`-rtsp_flags listen` only accepts a publisher."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path


class RtspPeer:
    def __init__(self, video: Path, workdir: Path) -> None:
        if shutil.which("ffmpeg") is None:
            raise RuntimeError("ffmpeg is not installed (scripts/setup.sh installs it)")
        self.video = video
        self.sdp_path = workdir / "stream.sdp"
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtcp.bind(("127.0.0.1", 0))  # ffmpeg also sends RTCP; give it somewhere to go
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.url = f"rtsp://127.0.0.1:{self.port}/cam"
        self._stop = threading.Event()
        self._clients: list[socket.socket] = []
        self._lock = threading.Lock()
        self.ffmpeg: subprocess.Popen[bytes] | None = None
        self.requests: list[str] = []

    def start(self) -> RtspPeer:
        rtp_port = self.udp.getsockname()[1]
        rtcp_port = self.rtcp.getsockname()[1]
        self.ffmpeg = subprocess.Popen(
            [
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-re",
                "-stream_loop",
                "-1",
                "-i",
                str(self.video),
                "-an",
                "-c:v",
                "mpeg4",
                "-g",
                "5",
                "-q:v",
                "3",
                "-f",
                "rtp",
                "-sdp_file",
                str(self.sdp_path),
                f"rtp://127.0.0.1:{rtp_port}?rtcpport={rtcp_port}&pkt_size=1200",
            ],
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not (self.sdp_path.exists() and self.sdp_path.stat().st_size > 0):
            if time.monotonic() > deadline or self.ffmpeg.poll() is not None:
                raise RuntimeError("ffmpeg did not start streaming RTP")
            time.sleep(0.05)
        threading.Thread(target=self._accept, daemon=True).start()
        threading.Thread(target=self._relay, daemon=True).start()
        return self

    def _sdp(self) -> bytes:
        lines = []
        for line in self.sdp_path.read_text().splitlines():
            if line.startswith("c="):
                line = "c=IN IP4 0.0.0.0"
            if line.startswith("m=video"):
                parts = line.split()
                parts[1] = "0"
                line = " ".join(parts)
            lines.append(line)
        lines.append("a=control:track0")
        return ("\r\n".join(lines) + "\r\n").encode()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        conn.settimeout(0.5)
        try:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                if not chunk:
                    return
                buffer += chunk
                while b"\r\n\r\n" in buffer:
                    head, buffer = buffer.split(b"\r\n\r\n", 1)
                    self._answer(conn, head.decode("latin-1"))
        except OSError:
            return
        finally:
            with self._lock:
                if conn in self._clients:
                    self._clients.remove(conn)
            conn.close()

    def _answer(self, conn: socket.socket, head: str) -> None:
        request_line, *header_lines = head.split("\r\n")
        method = request_line.split(" ", 1)[0]
        self.requests.append(method)
        headers = {}
        for line in header_lines:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        extra = ""
        body = b""
        if method == "OPTIONS":
            extra = "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n"
        elif method == "DESCRIBE":
            body = self._sdp()
            extra = (
                f"Content-Base: {self.url}/\r\nContent-Type: application/sdp\r\n"
                f"Content-Length: {len(body)}\r\n"
            )
        elif method == "SETUP":
            if "tcp" not in headers.get("transport", "").lower():
                cseq = headers.get("cseq")
                conn.sendall(f"RTSP/1.0 461 Unsupported Transport\r\nCSeq: {cseq}\r\n\r\n".encode())
                return
            extra = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 4242;timeout=60\r\n"
        elif method in ("PLAY", "GET_PARAMETER", "TEARDOWN"):
            extra = "Session: 4242\r\n"
        reply = f"RTSP/1.0 200 OK\r\nCSeq: {headers.get('cseq', '0')}\r\n{extra}\r\n".encode()
        with self._lock:
            conn.sendall(reply + body)
            if method == "PLAY":
                self._clients.append(conn)
            if method == "TEARDOWN" and conn in self._clients:
                self._clients.remove(conn)

    def _relay(self) -> None:
        while not self._stop.is_set():
            try:
                packet = self.udp.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            frame = b"$\x00" + len(packet).to_bytes(2, "big") + packet
            with self._lock:
                for client in list(self._clients):
                    try:
                        client.sendall(frame)
                    except OSError:
                        self._clients.remove(client)

    def stop(self) -> None:
        self._stop.set()
        if self.ffmpeg is not None:
            self.ffmpeg.terminate()
            try:
                self.ffmpeg.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.ffmpeg.kill()
        for sock in (self.server, self.udp, self.rtcp):
            with contextlib.suppress(OSError):
                sock.close()
