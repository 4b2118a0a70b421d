package service

import (
	"slices"
	"strings"

	"github.com/plaudit/plaudit"
)

// ServeRole is the part of the server one process runs (plaudit serve --role), so that receivers, workers
// and job runners can be separate processes on one PostgreSQL, with a bus between them.
type ServeRole string

// The roles of the server.
const (
	RoleAll      ServeRole = "all"      // everything in one process (the default)
	RoleReceiver ServeRole = "receiver" // the API and the webhooks; with a bus, they publish instead of storing
	RoleWorker   ServeRole = "worker"   // stores and scores what the bus holds; runs triggered jobs, never periodic ones
	RoleJobs     ServeRole = "jobs"     // the scheduler: periodic jobs (score, integrity, epoch close, polls), rescues
)

// ServeRoles are the roles a server accepts, in the order messages list them.
var ServeRoles = []ServeRole{RoleReceiver, RoleWorker, RoleJobs, RoleAll}

// componentRoles says in which roles each background component of the server runs; a component not listed
// runs only in role all and the receiver role (the edges: routes and webhooks).
var componentRoles = map[string][]ServeRole{
	"jobs":       {RoleAll, RoleJobs, RoleWorker},
	"bus-worker": {RoleAll, RoleWorker},
}

// ParseServeRole reads a role (--role) and checks it against the configuration: a receiver or a worker
// needs a bus (hasBus), since without one there is nothing between them. Both refusals are EINVALID.
func ParseServeRole(s string, hasBus bool) (ServeRole, error) {
	r := ServeRole(s)
	if !slices.Contains(ServeRoles, r) {
		names := make([]string, len(ServeRoles))
		for i, x := range ServeRoles {
			names[i] = string(x)
		}
		return "", plaudit.Errorf(plaudit.EINVALID, "--role %q: want one of %s", s, strings.Join(names, ", "))
	}
	if (r == RoleReceiver || r == RoleWorker) && !hasBus {
		return "", plaudit.Errorf(plaudit.EINVALID, "--role %s needs a bus: add `bus: nats://HOST:4222` to the config file (see docs/operations.md#bus-and-roles)", s)
	}
	return r, nil
}

// Runs reports whether the server component named component (jobs, bus-worker, and the edges: sources,
// bots, webhooks) runs in role r.
func (r ServeRole) Runs(component string) bool {
	if roles, ok := componentRoles[component]; ok {
		return slices.Contains(roles, r)
	}
	return r.Receives()
}

// Receives reports whether role r receives: it serves the whole API and the webhooks and, with a bus,
// publishes the events it accepts instead of storing them. The other roles serve only /healthz, /readyz
// and /metrics.
func (r ServeRole) Receives() bool { return r == RoleAll || r == RoleReceiver }

// RunsPeriodicJobs reports whether role r's scheduler runs the periodic jobs and takes part in leadership:
// a worker runs only the jobs its appends trigger (score catch-ups), leaving the periodic ones to the jobs
// and all roles.
func (r ServeRole) RunsPeriodicJobs() bool { return r != RoleWorker }
