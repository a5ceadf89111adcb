"""Running an instance under gunicorn (the production server), from Python."""
import multiprocessing

from gunicorn.app.base import BaseApplication


class InstanceServer(BaseApplication):
    """gunicorn serving one instance folder; each worker builds its own app (and DB connections)."""

    def __init__(self, instance_dir, *, host="127.0.0.1", port=5000, workers=2, threads=1,
                 access_log: bool = False):
        self.instance_dir = str(instance_dir)
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers or max(2, multiprocessing.cpu_count()),
            "threads": threads,
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": "-" if access_log else None,
            "proc_name": f"bocage:{self.instance_dir}",
        }
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        from . import create_app
        return create_app(self.instance_dir)
