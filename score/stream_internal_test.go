package score

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/policy"
)

// withdrawalCommunity is a generated community with deletes and operator invalidations mixed in: deletes
// of X and Farcaster events some events after them (and a few before them, and twice), invalidations of
// submissions (their post's engagement is tied to them), of posts (engagement tied), of Discord messages
// and GitHub comments (the event itself), some invalidated twice.
func withdrawalCommunity(t testing.TB, members int) []plaudit.Event {
	t.Helper()
	var base []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: members, Days: 14, Seed: 5}, func(e *plaudit.Event) error {
		base = append(base, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	pending := map[int][]plaudit.Event{} // by the index of the base event they go before
	n := 0
	later := func(i, d int, e plaudit.Event) {
		j := min(i+d, len(base)-1)
		n++
		if e.ExternalID == "" {
			e.ExternalID = fmt.Sprintf("del-%d", n)
		}
		e.Time = base[j].Time
		pending[j] = append(pending[j], e)
	}
	invalidate := func(i, d int) {
		inv, err := moderation.InvalidationEvent(&base[i], "alice", "ops", "test", base[i].Time)
		if err != nil {
			return
		}
		inv.ExternalID = ""
		later(i, d, inv)
	}
	del := func(i, d int) {
		e := base[i]
		later(i, d, plaudit.Event{Source: e.Source, Kind: plaudit.KindDelete, Actor: e.Actor, Target: e.ExternalID})
	}
	for i, e := range base {
		switch {
		case e.Source == plaudit.SourceX && e.Kind == plaudit.KindSubmit && i%2 == 0:
			invalidate(i, 40)
		case e.Source == plaudit.SourceX && e.Kind == plaudit.KindPost && i%7 == 0:
			invalidate(i, 30)
			if i%3 == 0 {
				invalidate(i, 60)
			}
		case e.Source == plaudit.SourceDiscord && (e.Kind == plaudit.KindReply || e.Kind == plaudit.KindComment || e.Kind == "message") && i%11 == 0:
			invalidate(i, 20)
		case e.Source == plaudit.SourceGitHub && e.Kind == plaudit.KindComment && i%5 == 0:
			invalidate(i, 15)
		case (e.Source == plaudit.SourceX || e.Source == plaudit.SourceFarcaster) && i%13 == 0:
			del(i, 25)
			if i%2 == 0 {
				del(i, 50)
			}
		case (e.Source == plaudit.SourceX || e.Source == plaudit.SourceFarcaster) && i%29 == 0 && i > 5:
			del(i, -3) // deleted before it arrives
		}
	}
	var events []plaudit.Event
	for i := range base {
		events = append(events, pending[i]...)
		events = append(events, base[i])
	}
	for i := range events {
		events[i].Seq = int64(i + 1)
	}
	return events
}

// referenceRun is the whole-history run as it was before it streamed: every event held, every scored event
// remembered, and the scores a later delete or invalidation replaced dropped from the whole result at the end.
func referenceRun(t testing.TB, p *policy.Policy, events []plaudit.Event) ([]plaudit.Score, int) {
	t.Helper()
	en, err := New(p, plaudit.BuildDirectory(events), nil)
	if err != nil {
		t.Fatal(err)
	}
	en.epochs.events = events
	for i := range events {
		en.Observe(&events[i])
	}
	var all []plaudit.Score
	for i := range events {
		all = append(all, en.Score(&events[i])...)
	}
	if err := en.Err(); err != nil {
		t.Fatal(err)
	}
	var out []plaudit.Score
	for _, s := range all {
		if en.del.withdrawn[s.Event] && (len(s.Lines) == 0 || (s.Lines[0].Rule != WithdrawnRule && s.Lines[0].Rule != InvalidatedRule)) {
			continue
		}
		out = append(out, s)
	}
	return out, len(all) - len(out)
}

// TestRunStreamWithdrawals checks that the streamed whole-history run, which plans what deletes and
// invalidations withdraw and leaves those scores out as it makes them, gives exactly the rows of the run that
// held everything and dropped them at the end, on a community with many of both; and that Run (the engine
// Add continues) gives them too.
func TestRunStreamWithdrawals(t *testing.T) {
	events := withdrawalCommunity(t, 80)
	for _, name := range []string{"default", "tiered", "poe"} {
		t.Run(name, func(t *testing.T) {
			p, err := policy.Preset(name)
			if err != nil {
				t.Fatal(err)
			}
			want, dropped := referenceRun(t, p, events)
			zeroes := 0
			for _, s := range want {
				if len(s.Lines) > 0 && (s.Lines[0].Rule == WithdrawnRule || s.Lines[0].Rule == InvalidatedRule) {
					zeroes++
				}
			}
			if dropped == 0 || zeroes == 0 {
				t.Fatalf("the fixture withdraws nothing under %s (%d dropped, %d zero scores): the comparison proves little", name, dropped, zeroes)
			}
			var got []plaudit.Score
			if _, err := RunStream(p, testenv.ReusingStream(events), StreamOptions{}, func(s *plaudit.Score) error {
				got = append(got, *s)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				diff(t, "RunStream", got, want)
			}
			run, _, err := Run(p, events, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(run, want) {
				diff(t, "Run", run, want)
			}
			t.Logf("%s: %d scores, %d withdrawn and left out, %d zero scores replacing them", name, len(want), dropped, zeroes)
		})
	}
}

func diff(t *testing.T, what string, got, want []plaudit.Score) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: %d scores, want %d; first difference at %d:\n got %+v\nwant %+v", what, len(got), len(want), i, got[i], want[i])
		}
	}
	t.Fatalf("%s: %d scores, want %d", what, len(got), len(want))
}

// TestRunStreamReleases checks what a streamed run keeps once it has scored everything: the conversation
// scorer no thread and no score (the threads' events went to a file, each thread is dropped after its last
// event, and the file is closed after the last thread), and poe's index by key only
// the posts and flagged events that scoring looked up, not every event.
func TestRunStreamReleases(t *testing.T) {
	events := withdrawalCommunity(t, 80)
	p, err := policy.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	en, err := runWalks(p, testenv.ReusingStream(events), walks{}, func([]plaudit.Score) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var conv, poes int
	for _, x := range en.entries {
		switch s := x.scorer.(type) {
		case *conversationScorer:
			conv++
			if len(s.threads) != 0 || len(s.scores) != 0 || len(s.left) != 0 {
				t.Errorf("the conversation scorer still holds %d threads, %d events' scores, %d counts", len(s.threads), len(s.scores), len(s.left))
			}
			if s.spilled == 0 || s.spill != nil {
				t.Errorf("the conversation scorer kept %d events on disk (want the threads'), spill file still open: %v", s.spilled, s.spill != nil)
			}
		case *poeScorer:
			poes++
			t.Logf("poe keeps %d events by key of %d", s.ix.Keys(), len(events))
			if n := s.ix.Keys(); n == 0 || n*20 > len(events) {
				t.Errorf("poe's index keeps %d events by key of %d: want the looked-up few", n, len(events))
			}
		}
	}
	if conv == 0 || poes == 0 {
		t.Fatalf("the default policy has %d conversation and %d poe scorers: the test proves nothing", conv, poes)
	}
}

// TestOnlyRefusesANeutralScoreKept checks the guard of StreamOptions.Only: a scorer that read the neutral
// reputation given to an epoch outside the span, for a score timed within it, fails the run; the same
// score timed outside it, or one whose scorer read no reputation, does not.
func TestOnlyRefusesANeutralScoreKept(t *testing.T) {
	p, err := policy.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	before := start.AddDate(0, 0, -3)
	r, err := NewEpochReputation(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.only = Span{Start: start, End: start.AddDate(0, 0, 7)}
	e := &plaudit.Event{Source: plaudit.SourceX, ExternalID: "1", Kind: plaudit.KindReply, Time: before}
	r.SetTime(before)
	if r.readNeutral() {
		t.Fatal("read a neutral reputation before any was read")
	}
	if got := r.Current("alice"); got != DefaultReputation {
		t.Fatalf("the neutral reputation of an epoch outside the span is %s, want the default %s", got, DefaultReputation)
	}
	if !r.readNeutral() || r.readNeutral() {
		t.Fatal("readNeutral does not report the neutral reputation read once")
	}
	r.keptNeutral(e, "poe", []plaudit.Score{{Time: before}})
	if r.Err() != nil {
		t.Fatalf("a score outside the span failed the run: %v", r.Err())
	}
	r.keptNeutral(e, "poe", []plaudit.Score{{Time: before}, {Time: start.Add(time.Hour)}})
	if r.Err() == nil || !strings.Contains(r.Err().Error(), "x/1") {
		t.Fatalf("a score within the span from a neutral reputation: err %v, want one naming the event", r.Err())
	}
}

// TestRunKeptToASpanStopsAfterItsLastScore checks that a streamed run kept to a span stops scoring after the
// last event that can give a score within it, and no sooner: the span's scores are the whole run's, the
// zero scores of the span's events that a delete or invalidation withdraws after the span included; the
// scoring walk reads on past the span's last event to those withdrawals, and stops before the end of the
// stream; the conversation scorer's spill is closed.
func TestRunKeptToASpanStopsAfterItsLastScore(t *testing.T) {
	base := withdrawalCommunity(t, 60)
	start := base[0].Time.Truncate(24 * time.Hour)
	only := Span{Start: start, End: start.AddDate(0, 0, 7)}
	// Withdraw some of the span's events three days after it ends.
	at := start.AddDate(0, 0, 10)
	pos := 0
	for pos < len(base) && base[pos].Time.Before(at) {
		pos++
	}
	var late []plaudit.Event
	for i, e := range base[:pos] {
		if !only.Holds(e.Time) || e.Kind.IsIdentity() || e.Source == plaudit.SourcePlaudit || i%40 != 0 {
			continue
		}
		switch e.Source {
		case plaudit.SourceX, plaudit.SourceFarcaster:
			late = append(late, plaudit.Event{Source: e.Source, Kind: plaudit.KindDelete, ExternalID: fmt.Sprintf("late-del-%d", i), Actor: e.Actor, Target: e.ExternalID, Time: at})
		default:
			inv, err := moderation.InvalidationEvent(&base[i], "alice", "ops", "late", at)
			if err != nil {
				continue
			}
			inv.ExternalID = fmt.Sprintf("late-inv-%d", i)
			late = append(late, inv)
		}
	}
	events := append(append(append([]plaudit.Event{}, base[:pos]...), late...), base[pos:]...)
	lastIn := 0 // the index of the last event timed within the span
	for i := range events {
		events[i].Seq = int64(i + 1)
		if only.Holds(events[i].Time) {
			lastIn = i
		}
	}
	if lastIn >= pos {
		t.Fatalf("the fixture has events within the span after the late withdrawals (%d ≥ %d): the test proves little", lastIn, pos)
	}
	p, err := policy.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	run := func(w walks) (kept []plaudit.Score, lastWalk int, en *Engine) {
		var walked int
		src := lastWalkCounted(events, &walked)
		en, err := runWalks(p, src, w, func(scores []plaudit.Score) error {
			for _, s := range scores {
				if only.Holds(s.Time) {
					kept = append(kept, s)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return kept, walked, en
	}
	want, wantWalked, _ := run(walks{})
	got, gotWalked, en := run(walks{only: only})
	if !reflect.DeepEqual(got, want) {
		diff(t, "kept to the span", got, want)
	}
	withdrawnLate := 0
	for _, s := range want {
		if s.Seq > int64(lastIn+1) {
			withdrawnLate++
		}
	}
	if withdrawnLate == 0 {
		t.Fatal("no score within the span comes from a withdrawal after its last event: the test proves little")
	}
	if wantWalked != len(events) || gotWalked <= pos || gotWalked >= len(events) {
		t.Fatalf("the scoring walk read %d of %d events kept to the span (want some of the late withdrawals after the span's last event, %d, not all the events), %d without", gotWalked, len(events), lastIn+1, wantWalked)
	}
	for _, x := range en.entries {
		if s, ok := x.scorer.(*conversationScorer); ok && s.spill != nil {
			t.Error("the conversation scorer's spill is still open after the run stopped")
		}
	}
	t.Logf("%d scores within the span, %d from %d late withdrawals; the scoring walk read %d of %d events", len(want), withdrawnLate, len(late), gotWalked, len(events))
}

// TestKeptRunRefusesAScoreTimedElsewhere checks the guard of a run kept to a span: a scorer's score timed
// other than the event it is returned for fails the run, naming the scorer and the event.
func TestKeptRunRefusesAScoreTimedElsewhere(t *testing.T) {
	p, err := policy.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	en, err := New(p, plaudit.NewDirectory(), ConstantReputation(DefaultReputation))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 6, 0, 0, 0, 0, time.UTC)
	en.only = Span{Start: at.AddDate(0, 0, -1), End: at.AddDate(0, 0, 6)}
	en.entries = []entry{{cfg: &policy.Scorer{Scorer: "timed", Kinds: []plaudit.Kind{plaudit.KindPost}, Weight: plaudit.One}, scorer: timedScorer{at.AddDate(0, 0, -2)}}}
	e := &plaudit.Event{Source: plaudit.SourceX, ExternalID: "7", Kind: plaudit.KindPost, Actor: "a", Time: at, Seq: 1}
	en.Score(e)
	if err := en.Err(); err == nil || !strings.Contains(err.Error(), "timed") || !strings.Contains(err.Error(), "x/7") {
		t.Fatalf("a score timed before its event in a kept run: err %v, want one naming the scorer and the event", err)
	}
	en.only, en.err = Span{}, nil
	en.Score(e)
	if err := en.Err(); err != nil {
		t.Fatalf("the same score in a run kept to no span: %v", err)
	}
}

// timedScorer gives every event one point timed at its own time t.
type timedScorer struct{ t time.Time }

func (s timedScorer) Score(*plaudit.Event, *Context) []plaudit.Score {
	return []plaudit.Score{{Points: plaudit.One.Apply(1), Time: s.t}}
}

// TestRunKeptToManySpans checks a run kept to a span against the whole run on a community with deletes and
// invalidations throughout, for spans ending every six hours and starting on three different days: each
// gives exactly the whole run's scores within it, however the span cuts a withdrawn event from its
// withdrawal.
func TestRunKeptToManySpans(t *testing.T) {
	events := withdrawalCommunity(t, 40)
	p, err := policy.Preset("default")
	if err != nil {
		t.Fatal(err)
	}
	var all []plaudit.Score
	if _, err := runWalks(p, testenv.ReusingStream(events), walks{}, func(scores []plaudit.Score) error {
		all = append(all, scores...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	day := events[0].Time.Truncate(24 * time.Hour)
	runs, stopped := 0, 0
	for _, from := range []int{0, 3, 8} {
		for h := 6; h <= 15*24; h += 6 {
			only := Span{Start: day.AddDate(0, 0, from), End: day.AddDate(0, 0, from).Add(time.Duration(h) * time.Hour)}
			var want, got []plaudit.Score
			for _, s := range all {
				if only.Holds(s.Time) {
					want = append(want, s)
				}
			}
			var walked int
			src := lastWalkCounted(events, &walked)
			if _, err := runWalks(p, src, walks{only: only}, func(scores []plaudit.Score) error {
				for _, s := range scores {
					if only.Holds(s.Time) {
						got = append(got, s)
					}
				}
				return nil
			}); err != nil {
				t.Fatalf("kept to [%s, %s): %v", only.Start, only.End, err)
			}
			if !reflect.DeepEqual(got, want) {
				diff(t, fmt.Sprintf("kept to [%s, %s)", only.Start.Format(time.RFC3339), only.End.Format(time.RFC3339)), got, want)
			}
			runs++
			if walked < len(events) {
				stopped++
			}
		}
	}
	if stopped == 0 || stopped == runs {
		t.Fatalf("%d of %d runs stopped scoring before the end: the test proves little", stopped, runs)
	}
	t.Logf("%d spans, %d of them scored only part of the stream", runs, stopped)
}

// lastWalkCounted returns a stream of events that sets *walked to how many events the walk that ended last
// read: a run's scoring walk (the epoch reputation's walks run within it).
func lastWalkCounted(events []plaudit.Event, walked *int) plaudit.EventStream {
	return func(yield func(*plaudit.Event) error) error {
		n := 0
		err := testenv.ReusingStream(events)(func(e *plaudit.Event) error { n++; return yield(e) })
		*walked = n
		return err
	}
}
