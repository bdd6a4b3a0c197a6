"""Mount the room's websocket (:mod:`kdviz.serve.roomsocket`, ``/_kdviz/room``) on the running Streamlit server.

Streamlit 1.67 serves on Starlette under uvicorn and offers no hook for another route, so the route is put in
front of Streamlit's own, once per process: the running ``streamlit.web.server.server.Server`` →
``._starlette_server._server.config.app`` (a Starlette app) → ``app.router.routes.insert(0, route)``. The
``Server`` is found through the SIGTERM handler ``streamlit run`` installs (a closure over it, see
``streamlit/web/bootstrap.py``), else among the objects that refer to the runtime (``gc.get_referrers``; the
app calls ``gc.freeze()``, which can hide them, hence the handler first). Under AppTest or another server
there is none: rooms are off, the page says so, nothing else changes.
"""

from __future__ import annotations

import gc
import signal
import threading

__all__ = ["mount_room_route"]

_lock = threading.Lock()
_mounted: str | None | bool = False  # False: not tried yet; None: mounted; a str: why not


def _server_from_signal():
    handler = signal.getsignal(signal.SIGTERM)
    for cell in getattr(handler, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if type(value).__name__ == "Server" and hasattr(value, "_starlette_server"):
            return value
    return None


def _server_from_runtime():
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None
    for holder in gc.get_referrers(Runtime.instance()):
        if type(holder).__name__ == "Server" and hasattr(holder, "_starlette_server"):
            return holder
        if isinstance(holder, dict):  # the Server's __dict__
            for owner in gc.get_referrers(holder):
                if type(owner).__name__ == "Server" and getattr(owner, "__dict__", None) is holder:
                    return owner
    return None


def _starlette_app():
    """The running Starlette app, or a one-line reason why there is none."""
    server = _server_from_signal() or _server_from_runtime()
    if server is None:
        return None, "rooms are off: no running Streamlit server in this process"
    uvicorn_server = getattr(getattr(server, "_starlette_server", None), "_server", None)
    app = getattr(getattr(uvicorn_server, "config", None), "app", None)
    if app is None or not hasattr(getattr(app, "router", None), "routes"):
        return None, "rooms are off: this Streamlit server is not a Starlette app (Streamlit 1.67 with Starlette needed)"
    return app, None


def mount_room_route() -> str | None:
    """Put the room's websocket route first on this process's Streamlit server, once; later calls only say how
    it went. Returns None when mounted, else one line saying why rooms are off."""
    global _mounted
    with _lock:
        if _mounted is False:
            try:
                from kdviz.serve.roomsocket import room_route

                app, why = _starlette_app()
                if app is not None:
                    app.router.routes.insert(0, room_route())
                _mounted = why
            except Exception as error:  # never break a page over the rooms
                _mounted = f"rooms are off: {type(error).__name__}"
        return _mounted
