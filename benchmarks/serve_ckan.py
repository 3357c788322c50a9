"""A loopback CKAN Action API over synthetic packages, for the harvest benchmark (run as a subprocess)."""

from __future__ import annotations

import sys
import time

from benchmarks.synthetic import ckan_packages
from tests.servers import CkanApi, LoopbackServer

if __name__ == "__main__":
    total, port_file = int(sys.argv[1]), sys.argv[2]
    server = LoopbackServer().start()
    CkanApi(ckan_packages(total), static=True).mount(server)
    with open(port_file, "w") as f:
        f.write(server.url)
    while True:
        time.sleep(3600)
