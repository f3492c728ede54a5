"""The commands that build the performance record (``python -m tools COMMAND``, what ``./dev``
runs), in ``tools.commands``, and the library they share: asv's results, the speed
targets, the gate, the report, the site."""
