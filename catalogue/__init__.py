"""fedcat's node: settings, graph store, records, export and the `fedcat` command."""

__version__ = "0.1.0"
