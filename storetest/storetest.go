// Package storetest is the shared test suite of plaudit.Store: every implementation runs it (package sqlstore
// runs it against SQLite and PostgreSQL), so that they all keep the same promises.
//
// Each area adds its subtests in its own file of this package (event.go, score.go, …) by calling register
// from an init function; Run runs them all.
package storetest

import (
	"sort"
	"testing"

	"github.com/plaudit/plaudit"
)

// Opener returns a new, empty store for one test and arranges (with t.Cleanup) for it to be closed and
// removed when the test ends.
type Opener func(t *testing.T) plaudit.Store

type suite struct {
	order int
	name  string
	run   func(t *testing.T, open Opener)
}

var suites []suite

// register adds a group of subtests to Run, which runs groups by order (events first) and name.
func register(order int, name string, run func(t *testing.T, open Opener)) {
	suites = append(suites, suite{order, name, run})
	sort.SliceStable(suites, func(i, j int) bool {
		if suites[i].order != suites[j].order {
			return suites[i].order < suites[j].order
		}
		return suites[i].name < suites[j].name
	})
}

// Run runs every registered group of subtests against the stores that open returns.
func Run(t *testing.T, open func(t *testing.T) plaudit.Store) {
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) { s.run(t, open) })
	}
}
