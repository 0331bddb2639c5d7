package kafka

// RunState is where a running pipeline instance is in its life, as Kafka
// Streams' KafkaStreams.State. The runner reports each change to the
// Observer (StateChanged); Metrics turns it into the
// streamgen_instance_state gauge and the /readyz answer.
//
//	Starting ─▶ Rebalancing ◀─▶ Running ─▶ Stopping ─▶ Stopped
//	     └───────────┴─────────────┴──────────────────▶ Failed
type RunState int

const (
	// StateStarting: Run checks the spec, the cluster's topics and the
	// state directory; no group has been joined yet.
	StateStarting RunState = iota
	// StateRebalancing: the instance is joining the consumer group (at
	// start, or again after its tasks migrated), or it opens and restores
	// tasks newly assigned to it. Tasks it already ran go on processing
	// through a cooperative rebalance, which does not leave Running until
	// it assigns new tasks.
	StateRebalancing
	// StateRunning: the instance is in the group and every partition
	// assigned to it has its task open, restored and processing. An
	// instance with no partitions (more instances than partitions) runs
	// too: it is ready to take some. So does, for a moment, one that has
	// just joined: a cooperative rebalance hands it its partitions in a
	// second step, once their owners have given them up, and it is
	// Rebalancing again while it restores them.
	StateRunning
	// StateStopping: a stop was asked for (Run's context is done); the
	// instance commits what it processed and leaves the group.
	StateStopping
	// StateStopped: Run returned nil.
	StateStopped
	// StateFailed: Run returned an error.
	StateFailed
)

// runStates lists every RunState, in order.
var runStates = []RunState{StateStarting, StateRebalancing, StateRunning, StateStopping, StateStopped, StateFailed}

// String returns the state's name in lower case ("running").
func (s RunState) String() string {
	switch s {
	case StateStarting:
		return "starting"
	case StateRebalancing:
		return "rebalancing"
	case StateRunning:
		return "running"
	case StateStopping:
		return "stopping"
	case StateStopped:
		return "stopped"
	case StateFailed:
		return "failed"
	}
	return "unknown"
}

// setState moves the runner to s and reports it, once per change.
func (r *runner) setState(s RunState) {
	if r.state == s {
		return
	}
	r.log.Info("state changed", "from", r.state.String(), "to", s.String())
	r.state = s
	r.obs.StateChanged(s)
}

// settle sets the state the group's news left: Running once this
// session's membership has an assignment (kgo reports every join, an
// empty one too) and every owned partition has its task open.
func (r *runner) settle() {
	if !r.joined {
		r.setState(StateRebalancing)
		return
	}
	for _, ps := range r.owned {
		for p := range ps {
			if r.tasks[p] == nil {
				r.setState(StateRebalancing)
				return
			}
		}
	}
	r.setState(StateRunning)
}
