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
	var events []plaudit.Event
	res, err := gen.Generate(gen.Config{Members: 300, Days: 14, Seed: 7}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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
