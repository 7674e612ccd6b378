"""What the lab's Python services share, standard library only: the fault-injection middleware (chaos), the
prefix route table (routing) that model A's host and the gateway both route by, and each hop's Server-Timing
entry (timing)."""
