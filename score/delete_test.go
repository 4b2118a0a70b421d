package score_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
)

func fc(seq int64, id string, k plaudit.Kind, actor, target, text string, at time.Duration) plaudit.Event {
	e := plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: id, Kind: k, Actor: actor, Target: target, Content: text,
		Time: t0.Add(at), Seq: seq}
	if k == plaudit.KindPost || k == plaudit.KindReply {
		e.Attrs = map[string]any{"fid": actor, "follower_count": 600}
	}
	return e
}

// finalRows keeps, per event key, the scores of the last batch that named it: what SaveScores leaves in
// the store after a stream of batches (it replaces an event's scores).
func finalRows(batches [][]plaudit.Score) map[string][]string {
	out := map[string][]string{}
	for _, b := range batches {
		seen := map[string]bool{}
		for _, s := range b {
			if !seen[s.Event] {
				seen[s.Event] = true
				out[s.Event] = nil
			}
			out[s.Event] = append(out[s.Event], fmt.Sprintf("%s %s %s seq=%d %s", s.Member, s.Scorer, s.Points, s.Seq, s.Time.Format(time.RFC3339)))
		}
	}
	return out
}

// TestDeleteWithdrawsDeterministically: a farcaster delete gives the deleted event 0, whether it comes
// after the event or before it, and a whole-history run leaves the same rows as a stream of the events.
func TestDeleteWithdrawsDeterministically(t *testing.T) {
	pol := mustPreset(t, "cast")
	text := "I think this is an interesting idea, how would it scale over the next year?"
	events := []plaudit.Event{
		fc(1, "0xa", plaudit.KindPost, "11", "", text, 0),
		fc(2, "0xb", plaudit.KindPost, "12", "", text, time.Hour),
		fc(3, "delete:0xa", plaudit.KindDelete, "11", "0xa", "", 2*time.Hour),
		fc(4, "delete:0xc", plaudit.KindDelete, "13", "0xc", "", 3*time.Hour), // before its cast
		fc(5, "0xc", plaudit.KindPost, "13", "", text, 30*time.Minute),
		fc(6, "delete:0xa:again", plaudit.KindDelete, "11", "0xa", "", 4*time.Hour), // a second delete: nothing
		fc(7, "delete:0xzz", plaudit.KindDelete, "11", "0xzz", "", 4*time.Hour),     // of nothing known
	}
	for i := range events {
		if errs := events[i].Validate(); len(errs) > 0 {
			t.Fatalf("event %d: %v", i, errs)
		}
	}
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
	streamed, replayed := finalRows(batches), finalRows([][]plaudit.Score{run})
	if !reflect.DeepEqual(streamed, replayed) {
		t.Fatalf("streamed rows %v\nreplayed rows %v", streamed, replayed)
	}
	pts := map[string]plaudit.Points{}
	for _, s := range run {
		pts[s.Event] += s.Points
	}
	if pts["farcaster/0xa"] != 0 || pts["farcaster/0xc"] != 0 || pts["farcaster/0xb"] <= 0 {
		t.Fatalf("points %v: want 0xa and 0xc withdrawn, 0xb kept", pts)
	}
	if len(batches[2]) != 1 || batches[2][0].Event != "farcaster/0xa" || batches[2][0].Seq != 3 || batches[2][0].Member != "farcaster:11" ||
		!batches[2][0].Time.Equal(events[0].Time) || batches[2][0].Lines[0].Rule != score.WithdrawnRule {
		t.Fatalf("the delete's stream output %+v: want one zero score replacing 0xa's at its time", batches[2])
	}
	for _, i := range []int{3, 5, 6} {
		if len(batches[i]) != 0 {
			t.Errorf("event %s: scores %+v, want none", events[i].Key(), batches[i])
		}
	}
}
