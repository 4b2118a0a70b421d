package score_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/score"
)

// invalidationStream is tieredStream (without the like before the submission, which only a whole-history
// run can credit) with an operator's invalidation of key after e4, and seqs in order.
func invalidationStream(t *testing.T, key string) []plaudit.Event {
	t.Helper()
	var events []plaudit.Event
	for _, e := range tieredStream() {
		if e.ExternalID == "early" {
			continue
		}
		events = append(events, e)
		if e.ExternalID == "e4" {
			var target *plaudit.Event
			for i := range events {
				if events[i].Key() == key {
					target = &events[i]
				}
			}
			if target == nil {
				t.Fatalf("no event %s before e4", key)
			}
			inv, err := moderation.InvalidationEvent(target, "alice", "ops", "bought likes", t0.Add(10*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, inv)
		}
	}
	for i := range events {
		events[i].Seq = int64(i + 1)
		if errs := events[i].Validate(); len(errs) > 0 {
			t.Fatalf("event %s: %v", events[i].Key(), errs)
		}
	}
	return events
}

// streamAndRun scores events one at a time and as a whole history, checks that both leave the same rows,
// and returns the whole-history scores' points per event.
func streamAndRun(t *testing.T, events []plaudit.Event) (map[string]plaudit.Points, []plaudit.Score) {
	t.Helper()
	pol := mustPreset(t, "tiered")
	run, _, err := score.Run(pol, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	en, err := score.New(pol, plaudit.NewDirectory(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var batches [][]plaudit.Score
	for i := range events {
		batches = append(batches, en.Add(&events[i]))
	}
	if streamed, replayed := finalRows(batches), finalRows([][]plaudit.Score{run}); !reflect.DeepEqual(streamed, replayed) {
		t.Fatalf("streamed rows %v\nreplayed rows %v", streamed, replayed)
	}
	pts := map[string]plaudit.Points{}
	for _, s := range run {
		pts[s.Event] += s.Points
	}
	return pts, run
}

// TestInvalidateSubmissionWithdrawsItsEngagement: invalidating a submission withdraws the points earned
// by engaging with the submitted post, before and after the decision, the same way streamed and replayed;
// each withdrawn score explains the decision with its reason.
func TestInvalidateSubmissionWithdrawsItsEngagement(t *testing.T) {
	events := invalidationStream(t, "x/s1")
	before, _ := streamAndRun(t, invalidationStream(t, "x/e4")) // an unscored event: nothing changes
	if before["x/e1"] != plaudit.PointsFromInt(1) || before["x/e3"] != plaudit.PointsFromInt(9) || before["x/e7"] != plaudit.PointsFromInt(2) {
		t.Fatalf("points without a relevant invalidation %v", before)
	}
	pts, run := streamAndRun(t, events)
	for _, k := range []string{"x/e1", "x/e3", "x/e7"} {
		if p, ok := pts[k]; !ok || p != 0 {
			t.Errorf("%s: points %v (present %v), want a zero row", k, p, ok)
		}
	}
	for _, s := range run {
		if len(s.Lines) == 0 || s.Lines[0].Rule != score.InvalidatedRule || !strings.Contains(s.Lines[0].Note, "bought likes") {
			t.Errorf("score %s: lines %+v, want the invalidation with its reason", s.Event, s.Lines)
		}
	}
}

// TestInvalidateOneEvent: invalidating one engagement withdraws only its points.
func TestInvalidateOneEvent(t *testing.T) {
	pts, _ := streamAndRun(t, invalidationStream(t, "x/e3"))
	if pts["x/e3"] != 0 || pts["x/e1"] != plaudit.PointsFromInt(1) || pts["x/e7"] != plaudit.PointsFromInt(2) {
		t.Fatalf("points %v: want only e3 withdrawn", pts)
	}
}

// TestInvalidationEventRefuses: operator, identity and delete events, a missing reason or operator, and a
// time before the event are refused.
func TestInvalidationEventRefuses(t *testing.T) {
	like := x("e1", plaudit.KindLike, "b1", "p1", "a1", time.Minute, nil)
	cases := map[string]struct {
		e          plaudit.Event
		by, reason string
		at         time.Duration
	}{
		"operator event": {op("t1", plaudit.KindTier, "bob", 0, nil), "ops", "r", time.Hour},
		"identity event": {x("l1", plaudit.KindLink, "a1", "", "", 0, nil), "ops", "r", time.Hour},
		"no reason":      {like, "ops", " ", time.Hour},
		"no operator":    {like, "", "r", time.Hour},
		"before it":      {like, "ops", "r", 0},
		"long operator":  {like, strings.Repeat("o", plaudit.MaxIDLen+1), "r", time.Hour},
	}
	for name, c := range cases {
		if _, err := moderation.InvalidationEvent(&c.e, "alice", c.by, c.reason, t0.Add(c.at)); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("%s: err %v, want EINVALID", name, err)
		}
	}
	if e, err := moderation.InvalidationEvent(&like, "bob", "ops", "r", t0.Add(time.Hour)); err != nil || e.ExternalID != "invalidate-x/e1" || len(e.Validate()) > 0 {
		t.Errorf("event %+v, err %v", e, err)
	}
	long := like
	long.ExternalID = strings.Repeat("z", plaudit.MaxIDLen)
	if e, err := moderation.InvalidationEvent(&long, "bob", "ops", "r", t0.Add(time.Hour)); err != nil || !strings.HasPrefix(e.ExternalID, "invalidate-sha256-") || len(e.Validate()) > 0 {
		t.Errorf("long id: event %+v, err %v", e.ExternalID, err)
	}
}
