"""The Grades app: one model, its REST API, the admin registration and the health probes."""
