"""A deterministic generator of a realistic demo node: `python -m demo OUT`, or `demo.generate.generate`."""
