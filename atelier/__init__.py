import os

# The choice model's matrices are tiny (a shopper's clicks x six motivations): one BLAS thread per
# process is all it needs, avoids oversubscribing the cores that gunicorn and Celery share, and
# keeps BLAS thread pools out of Celery's forked pool processes. Set before numpy is imported.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
