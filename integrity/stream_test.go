package integrity

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
)

func generated(t testing.TB, cfg gen.Config) []plaudit.Event {
	t.Helper()
	var events []plaudit.Event
	if _, err := gen.Generate(cfg, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return events
}

// attackMix has enough of every attacker in a few hundred members for each check to find something.
var attackMix = &gen.Mix{GMFarmer: 0.03, CopyPaste: 0.03, VelocityBot: 0.02, LikeRing: 0.04, Sybil: 0.06}

// TestCheckStreamMatchesReference checks that CheckStream over a buffer-reusing stream finds exactly what
// the pre-stream Check (kept in checks_ref_test.go) finds on generated communities with attackers, in a
// shuffled log (arrival order not time order) too, and that every kind of finding occurs.
func TestCheckStreamMatchesReference(t *testing.T) {
	for _, seed := range []int64{7, 8} {
		events := generated(t, gen.Config{Members: 300, Days: 14, Seed: seed, Mix: attackMix})
		if seed == 8 { // arrival order differs from time order: swap neighbours
			for i := 1; i+1 < len(events); i += 3 {
				events[i], events[i+1] = events[i+1], events[i]
			}
		}
		dir := plaudit.BuildDirectory(events)
		cfg := DefaultConfig()
		cfg.SpamCorpus = []string{events[len(events)/2].Content + " buy now at the best price"}
		want := refCheck(events, dir, cfg)
		checks := map[string]int{}
		for _, rs := range want.Events {
			for _, r := range rs {
				checks[r.Check]++
			}
		}
		for _, c := range []string{"velocity", "diminishing_returns", "near_duplicate", "content_farming", "content_generic"} {
			if checks[c] == 0 {
				t.Fatalf("seed %d: the reference found no %s finding (%v): the comparison says too little", seed, c, checks)
			}
		}
		if len(want.Members) == 0 {
			t.Fatalf("seed %d: the reference flagged no member", seed)
		}
		// The texts' signatures in memory, and in a file from the sixth on; the idle pairs of the
		// diminishing-returns check dropped as rarely as at scale, and every few records.
		for _, spillAt := range []int{sigsInMemory, 5} {
			old, oldSweep := sigsInMemory, diminishSweep
			sigsInMemory = spillAt
			if spillAt == 5 {
				diminishSweep = 16
			}
			got, err := CheckStream(testenv.ReusingStream(events), dir, cfg)
			sigsInMemory, diminishSweep = old, oldSweep
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d, signatures in memory up to %d: stream findings (%d events, %d members) differ from the reference (%d, %d)",
					seed, spillAt, len(got.Events), len(got.Members), len(want.Events), len(want.Members))
			}
		}
		if !reflect.DeepEqual(Check(events, dir, cfg), want) {
			t.Fatalf("seed %d: Check differs from the reference", seed)
		}
	}
}

// TestRunStream checks that RunStream over a buffer-reusing stream gives the pre-stream Run's report (refRun) — findings, rings,
// sybil signals, reputation and verdicts — on a generated community where rings and sybils are found.
func TestRunStream(t *testing.T) {
	events := generated(t, gen.Config{Members: 300, Days: 14, Seed: 7, Mix: attackMix})
	dir := plaudit.BuildDirectory(events)
	want, err := refRun(events, dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Rings) == 0 || len(want.Sybil) == 0 || want.Reputation == nil || len(want.Verdicts) == 0 {
		t.Fatalf("Run found %d rings, %d sybil signals, %d verdicts: the comparison says too little", len(want.Rings), len(want.Sybil), len(want.Verdicts))
	}
	want.Events = len(events)
	got, err := RunStream(testenv.ReusingStream(events), dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	slice, err := Run(events, dir, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(slice, want) {
		t.Fatal("Run's report differs from the reference")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stream report differs: %d rings, %d sybil signals, %d verdicts; want %d, %d, %d",
			len(got.Rings), len(got.Sybil), len(got.Verdicts), len(want.Rings), len(want.Sybil), len(want.Verdicts))
	}
}

// TestRunStreamStopsWhenCanceled checks that a run whose context is canceled once its first walk has ended
// stops in the checks between the walks, with the context's error, instead of walking again.
func TestRunStreamStopsWhenCanceled(t *testing.T) {
	events := generated(t, gen.Config{Members: 100, Days: 7, Seed: 3, Mix: attackMix})
	dir := plaudit.BuildDirectory(events)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	walks := 0
	src := testenv.ReusingStream(events)
	stream := func(yield func(*plaudit.Event) error) error {
		walks++
		err := src(yield)
		cancel() // the walk ended: what follows is the checks
		return err
	}
	_, err := RunStreamContext(ctx, stream, dir, DefaultOptions())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunStreamContext = %v, want context.Canceled", err)
	}
	if walks != 1 {
		t.Fatalf("the run walked the events %d times after it was canceled, want it to stop after the first", walks)
	}
}
