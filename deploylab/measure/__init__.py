"""A measured run: scenarios, the load generator, the sampler, the fault timeline, and the figures they yield."""
