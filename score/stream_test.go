package score_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/score"
)

// generated returns the events of a generated community, numbered in order from seq 1.
func generated(t testing.TB, c gen.Config) []plaudit.Event {
	t.Helper()
	events, _, err := gen.Events(c)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// TestRunStreamMatchesRun checks that a streamed whole-history run emits exactly Run's scores, in order,
// and that an error from emit stops it.
func TestRunStreamMatchesRun(t *testing.T) {
	p := mustPreset(t, "default")
	events := generated(t, gen.Config{Members: 60, Days: 14, Seed: 5})
	want, wantDir, err := score.Run(p, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []plaudit.Score
	walks := 0
	counted := func(yield func(*plaudit.Event) error) error { walks++; return plaudit.StreamOf(events)(yield) }
	dir, err := score.RunStream(p, counted, score.StreamOptions{}, func(s *plaudit.Score) error {
		got = append(got, *s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("the fixture gives no scores: the comparison proves nothing")
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("streamed %d scores, Run %d: they differ", len(got), len(want))
	}
	if !reflect.DeepEqual(dir.Members(), wantDir.Members()) {
		t.Fatal("the streamed run's directory differs from Run's")
	}
	// Three walks of its own, two for the reputation of all the fortnight's epochs together, and one for
	// the directory after them.
	if walks != 6 {
		t.Fatalf("the run walked the stream %d times, want 6", walks)
	}
	// The epoch reputation reads no text: given the events without their Content for its walks, the
	// run gives the same scores, and walks the whole stream three times only (the directory reads no
	// text either).
	walks, textWalks := 0, 0
	textless := func(yield func(*plaudit.Event) error) error {
		textWalks++
		for i := range events {
			e := events[i]
			e.Content = ""
			if err := yield(&e); err != nil {
				return err
			}
		}
		return nil
	}
	got = got[:0]
	if _, err := score.RunStream(p, counted, score.StreamOptions{WithoutContent: textless}, func(s *plaudit.Score) error {
		got = append(got, *s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the scores differ when the epoch reputation walks the events without their content")
	}
	if walks != 3 || textWalks != 3 {
		t.Fatalf("the run walked the stream %d times and the textless one %d, want 3 and 3", walks, textWalks)
	}
	stop := errors.New("stop")
	n := 0
	_, err = score.RunStream(p, plaudit.StreamOf(events), score.StreamOptions{}, func(*plaudit.Score) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("emit's error: got %v after %d scores, want %v after 3", err, n, stop)
	}
}

// TestRunStreamOnly checks that a run kept to one epoch's span (StreamOptions.Only, as verify runs it)
// gives that span's scores exactly as a whole run does, the reputation of its epoch weighed in, while
// computing no other epoch's reputation (at a million members, where each epoch's takes two walks of its
// own, that is two walks fewer for every other epoch) and building the directory in its first walk.
func TestRunStreamOnly(t *testing.T) {
	p := mustPreset(t, "default")
	events := generated(t, gen.Config{Members: 80, Days: 28, Seed: 9})
	// The fixture's second week: its reputation comes from the first week's interactions.
	start := events[0].Time.Truncate(24*time.Hour).AddDate(0, 0, 7)
	only := score.Span{Start: start, End: start.AddDate(0, 0, 7)}
	in := func(s *plaudit.Score) bool { return !s.Time.Before(only.Start) && s.Time.Before(only.End) }
	run := func(opt score.StreamOptions) (kept []plaudit.Score, all, walks int, snaps []time.Time) {
		src := func(yield func(*plaudit.Event) error) error { walks++; return plaudit.StreamOf(events)(yield) }
		opt.Snapshot = func(at time.Time, _ *reputation.Snapshot) { snaps = append(snaps, at) }
		if _, err := score.RunStream(p, src, opt, func(s *plaudit.Score) error {
			if all++; in(s) {
				kept = append(kept, *s)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return kept, all, walks, snaps
	}
	want, wantAll, wantWalks, wantSnaps := run(score.StreamOptions{})
	got, gotAll, gotWalks, gotSnaps := run(score.StreamOptions{Only: only})
	if len(want) == 0 || len(wantSnaps) < 4 {
		t.Fatalf("the fixture gives %d scores in the span and %d epochs: the comparison proves little", len(want), len(wantSnaps))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("kept to the span: %d scores in it, the whole run %d: they differ", len(got), len(want))
	}
	if gotAll >= wantAll {
		t.Fatalf("kept to the span the run gave %d scores in all, the whole run %d: it did not stop after the span", gotAll, wantAll)
	}
	if !reflect.DeepEqual(gotSnaps, []time.Time{start}) {
		t.Fatalf("kept to the span the run computed the reputation of %v, want only %v's", gotSnaps, start)
	}
	if gotWalks >= wantWalks {
		t.Fatalf("kept to the span the run walked the stream %d times, the whole run %d", gotWalks, wantWalks)
	}
	weighed := false
	for i := range got {
		for _, l := range got[i].Lines {
			for _, x := range l.Inputs {
				if x.Name == "reputation" && x.Value != score.DefaultReputation.String() {
					weighed = true
				}
			}
		}
	}
	if !weighed {
		t.Fatal("no score in the span weighed a reputation other than the default: the comparison proves little")
	}
}

// TestConversationsScoredAheadStop checks that the goroutine scoring a streamed run's conversations ahead
// of the scoring walk goes when the run ends, whether it scored every event, stopped at an error from emit
// in the middle of the threads, or stopped after the span it keeps; and that each run's conversation
// scores are Run's.
func TestConversationsScoredAheadStop(t *testing.T) {
	p := mustPreset(t, "default")
	events := generated(t, gen.Config{Members: 120, Days: 14, Seed: 9})
	want, _, err := score.Run(p, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wantConv []plaudit.Score
	for _, s := range want {
		if s.Scorer == "conversation" {
			wantConv = append(wantConv, s)
		}
	}
	if len(wantConv) < 50 {
		t.Fatalf("only %d conversation scores: the community needs more GitHub threads", len(wantConv))
	}
	defer score.SetAheadThreads(2)() // the goroutine waits for the walk: stopping the run must stop it
	stop := errors.New("stop")
	for _, c := range []struct {
		name string
		opt  score.StreamOptions
		stop int // stop at this conversation score (0: never)
	}{
		{"whole", score.StreamOptions{}, 0},
		{"emit fails", score.StreamOptions{}, len(wantConv) / 2},
		{"kept to a span", score.StreamOptions{Only: score.Span{Start: events[0].Time, End: events[0].Time.Add(72 * time.Hour)}}, 0},
	} {
		var got []plaudit.Score
		_, err := score.RunStream(p, plaudit.StreamOf(events), c.opt, func(s *plaudit.Score) error {
			if s.Scorer != "conversation" {
				return nil
			}
			if got = append(got, *s); len(got) == c.stop {
				return stop
			}
			return nil
		})
		if c.stop > 0 != errors.Is(err, stop) || (c.stop == 0 && err != nil) {
			t.Fatalf("%s: %v", c.name, err)
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], wantConv[i]) {
				t.Fatalf("%s: conversation score %d:\n got %+v\nwant %+v", c.name, i, got[i], wantConv[i])
			}
		}
		if c.stop == 0 && c.opt.Only.End.IsZero() && len(got) != len(wantConv) {
			t.Fatalf("%s: %d conversation scores, want %d", c.name, len(got), len(wantConv))
		}
		if n := score.AheadRunning(); n != 0 {
			t.Fatalf("%s: %d goroutines still score conversations after the run", c.name, n)
		}
	}
}

// TestRunStreamPresetFrom checks a run that takes its epoch's reputation from the caller after its first
// walk (verify's, which checks the committed vector on that walk): the same scores as the snapshot given
// at the start, every event shown once to FirstWalk before the snapshot is asked for, and an error from
// PresetFrom stopping the run before any score.
func TestRunStreamPresetFrom(t *testing.T) {
	p := mustPreset(t, "default")
	if !score.UsesReputation(p) {
		t.Fatal("the default policy does not weigh by reputation: the test needs one that does")
	}
	events := generated(t, gen.Config{Members: 80, Days: 14, Seed: 5})
	at := gen.DefaultStart.AddDate(0, 0, 7)
	span := score.Span{Start: at, End: at.AddDate(0, 0, 7)}
	snap, err := reputation.AsOf(events, at, span.End, reputation.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Basis != reputation.BasisEigenTrust {
		t.Fatalf("the second week's snapshot is %s: the test needs EigenTrust weights", snap.Basis)
	}
	run := func(opt score.StreamOptions) ([]plaudit.Score, error) {
		opt.Only = span
		var out []plaudit.Score
		_, err := score.RunStream(p, plaudit.StreamOf(events), opt, func(s *plaudit.Score) error {
			if span.Holds(s.Time) {
				out = append(out, *s)
			}
			return nil
		})
		return out, err
	}
	want, err := run(score.StreamOptions{Preset: snap, PresetStart: at})
	if err != nil {
		t.Fatal(err)
	}
	seen, asked := 0, false
	got, err := run(score.StreamOptions{PresetStart: at,
		FirstWalk: func(e *plaudit.Event) {
			if asked {
				t.Fatalf("FirstWalk shown event %s after the snapshot was asked for", e.Key())
			}
			seen++
		},
		PresetFrom: func() (*reputation.Snapshot, error) { asked = true; return snap, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(events) || !asked {
		t.Fatalf("FirstWalk saw %d of %d events; snapshot asked for: %v", seen, len(events), asked)
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d scores in the span, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("score %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	// Without the snapshot (a neutral one), the weights differ: the preset is what the run scored with.
	neutral, err := run(score.StreamOptions{PresetStart: at, PresetFrom: func() (*reputation.Snapshot, error) {
		return &reputation.Snapshot{At: at, End: span.End, Basis: reputation.BasisNeutral}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(neutral, want) {
		t.Fatal("a neutral snapshot gives the same scores: the test cannot tell which snapshot was used")
	}
	stop := errors.New("the committed vector does not check")
	if out, err := run(score.StreamOptions{PresetStart: at, PresetFrom: func() (*reputation.Snapshot, error) { return nil, stop }}); !errors.Is(err, stop) || len(out) > 0 {
		t.Fatalf("PresetFrom failing: %d scores, error %v", len(out), err)
	}
}

// TestRunStreamFailingWalk checks that the observers' walk failing part way (the second walk of a run
// given its reputation, at its 1,000th event; it shows poe's index its events on a goroutine of its own)
// stops the run with the stream's error, before any score.
func TestRunStreamFailingWalk(t *testing.T) {
	p := mustPreset(t, "default")
	events := generated(t, gen.Config{Members: 60, Days: 7, Seed: 3})
	broken := errors.New("the disk went away")
	walks := 0
	src := func(yield func(*plaudit.Event) error) error {
		walks++
		for i := range events {
			if walks == 2 && i == 1000 {
				return broken
			}
			e := events[i]
			if err := yield(&e); err != nil {
				return err
			}
		}
		return nil
	}
	scores := 0
	opt := score.StreamOptions{Reputation: score.ConstantReputation(score.DefaultReputation)}
	_, err := score.RunStream(p, src, opt, func(*plaudit.Score) error { scores++; return nil })
	if !errors.Is(err, broken) || walks != 2 {
		t.Fatalf("RunStream over a failing stream: %v after %d walks, want the stream's error in the second", err, walks)
	}
	if scores != 0 {
		t.Fatalf("%d scores emitted before the observers' walk failed", scores)
	}
}
