"""What several runtimes share (issue 24): inventory snapshots and facts, pull leases, host
cooldowns and events, behind one interface (:class:`~ollm_actors.state.interface.SharedState`)
with a process-local implementation (:mod:`~ollm_actors.state.local`) and a Valkey one
(:mod:`~ollm_actors.state.valkey`, coredis, imported only when ``state.backend: valkey``)."""
