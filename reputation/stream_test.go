package reputation_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/reputation"
)

// TestAsOfStream checks that the stream versions of AsOf, AsOfCommitted and DerivePretrust over a
// buffer-reusing stream give exactly the slice versions' snapshot, acceptance and pre-trust on a generated
// community, at a moment with interactions before it (an EigenTrust snapshot) and at its start (pre-trust).
func TestAsOfStream(t *testing.T) {
	events, res := generated(t, gen.Config{Members: 300, Days: 14, Seed: 7})
	at := res.Start.Add(10 * 24 * time.Hour)
	for _, c := range []struct {
		at    time.Time
		basis reputation.Basis
	}{{at, reputation.BasisEigenTrust}, {res.Start, reputation.BasisPretrust}} {
		want, err := reputation.AsOf(events, c.at, c.at.Add(7*24*time.Hour), reputation.Params{})
		if err != nil {
			t.Fatal(err)
		}
		if want.Basis != c.basis || len(want.Weights) == 0 {
			t.Fatalf("at %s: slice snapshot is %s with %d weights, want a %s one with weights", c.at, want.Basis, len(want.Weights), c.basis)
		}
		got, err := reputation.AsOfStream(testenv.ReusingStream(events), c.at, c.at.Add(7*24*time.Hour), reputation.Params{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("at %s: stream snapshot differs from the slice one", c.at)
		}
		cw, err := reputation.AsOfCommitted(events, c.at, c.at.Add(7*24*time.Hour), reputation.Params{}, want.Trust())
		if err != nil {
			t.Fatal(err)
		}
		cg, err := reputation.AsOfCommittedStream(testenv.ReusingStream(events), c.at, c.at.Add(7*24*time.Hour), reputation.Params{}, want.Trust())
		if err != nil {
			t.Fatal(err)
		}
		if !cw.OK || !reflect.DeepEqual(cg, cw) {
			t.Fatalf("at %s: committed check: stream %+v, slice %+v", c.at, cg, cw)
		}
	}
	// Both moments in the same two walks give the snapshots each gives alone.
	windows := []reputation.Window{{At: at, End: at.Add(7 * 24 * time.Hour)}, {At: res.Start, End: res.Start.Add(7 * 24 * time.Hour)}}
	walks := 0
	counted := func(yield func(*plaudit.Event) error) error { walks++; return testenv.ReusingStream(events)(yield) }
	both, err := reputation.AsOfStreamWindows(counted, windows, reputation.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if walks != 2 {
		t.Fatalf("two windows walked the stream %d times, want 2", walks)
	}
	for i, w := range windows {
		want, err := reputation.AsOf(events, w.At, w.End, reputation.Params{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(both[i], want) {
			t.Fatalf("window %d (%s): the batched snapshot differs from AsOf's", i, w.At)
		}
	}
	dir := plaudit.BuildDirectory(events)
	want := reputation.DerivePretrust(events, dir, reputation.PretrustParams{})
	got, err := reputation.DerivePretrustStream(testenv.ReusingStream(events), dir, reputation.PretrustParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("pre-trust: stream %d members, slice %d", len(got), len(want))
	}
}

// TestInteractionsWalkStops checks that the second walk of the stream (the interactions) reads no further
// than the last event a graph reads: nothing at the first epoch of a log, part of it for a later epoch, all
// of it when an interaction timed before the epoch arrives last; and that the snapshots are AsOf's over
// only the events the window knows (those before it, and who is a member up to its end).
func TestInteractionsWalkStops(t *testing.T) {
	events, res := generated(t, gen.Config{Members: 200, Days: 21, Seed: 3})
	week := 7 * 24 * time.Hour
	late := append([]plaudit.Event{}, events...)
	for _, e := range events {
		if e.Kind == plaudit.KindLike && e.Time.Before(res.Start.Add(week)) {
			e.ExternalID += "-late"
			late = append(late, e) // a like of the first week, arriving after everything else
			break
		}
	}
	for _, c := range []struct {
		name   string
		events []plaudit.Event
		at     time.Time
		walk2  func(n int) bool // what the second walk may read
	}{
		{"first epoch", events, res.Start, func(n int) bool { return n == 0 }},
		{"second epoch", events, res.Start.Add(week), func(n int) bool { return n > 0 && n < len(events) }},
		{"a late interaction", late, res.Start.Add(week), func(n int) bool { return n == len(late) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var reads []int
			counted := func(yield func(*plaudit.Event) error) error {
				reads = append(reads, 0)
				i := len(reads) - 1
				return testenv.ReusingStream(c.events)(func(e *plaudit.Event) error { reads[i]++; return yield(e) })
			}
			end := c.at.Add(week)
			got, err := reputation.AsOfStream(counted, c.at, end, reputation.Params{})
			if err != nil {
				t.Fatal(err)
			}
			second := 0
			if len(reads) > 1 {
				second = reads[1]
			}
			if len(reads) > 2 || !c.walk2(second) {
				t.Fatalf("walks read %v of %d events", reads, len(c.events))
			}
			var known []plaudit.Event
			for _, e := range c.events {
				if e.Time.Before(c.at) || (reputation.IsMembership(e.Kind) && e.Time.Before(end)) {
					known = append(known, e)
				}
			}
			want, err := reputation.AsOf(known, c.at, end, reputation.Params{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("the snapshot (%s, %d weights) differs from AsOf's over the events the window knows (%s, %d weights)", got.Basis, len(got.Weights), want.Basis, len(want.Weights))
			}
			t.Logf("%s: walks read %v of %d events; %s snapshot", c.name, reads, len(c.events), got.Basis)
		})
	}
}

// generated returns the events gen makes of c, in order, and what it says of them.
func generated(t *testing.T, c gen.Config) ([]plaudit.Event, *gen.Result) {
	t.Helper()
	events, res, err := gen.Events(c)
	if err != nil {
		t.Fatal(err)
	}
	return events, res
}
