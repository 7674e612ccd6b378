"""What models are built from: processes and venvs (A, B), the Docker engine and images (C, D), ports and probes."""
