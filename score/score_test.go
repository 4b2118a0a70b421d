package score_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC) // a Monday, ISO week 2026-W02

func x(id string, k plaudit.Kind, actor, target, targetAuthor string, at time.Duration, attrs map[string]any) plaudit.Event {
	return plaudit.Event{Source: plaudit.SourceX, ExternalID: id, Kind: k, Actor: actor, Target: target, TargetAuthor: targetAuthor, Time: t0.Add(at), Attrs: attrs}
}

func op(id string, k plaudit.Kind, member string, at time.Duration, attrs map[string]any) plaudit.Event {
	return plaudit.Event{Source: plaudit.SourcePlaudit, ExternalID: id, Kind: k, Actor: member, Time: t0.Add(at), Attrs: attrs}
}

func mustPreset(t testing.TB, name string) *policy.Policy {
	t.Helper()
	p, err := policy.Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func tieredStream() []plaudit.Event {
	return []plaudit.Event{
		x("l1", plaudit.KindLink, "a1", "", "", 0, map[string]any{"member": "alice"}),
		x("l2", plaudit.KindLink, "b1", "", "", 0, map[string]any{"member": "bob"}),
		x("l3", plaudit.KindLink, "b2", "", "", 0, map[string]any{"member": "bob"}), // bob's second account
		x("l4", plaudit.KindLink, "c1", "", "", 0, map[string]any{"member": "carol"}),
		x("early", plaudit.KindLike, "c1", "p1", "a1", -time.Hour, nil), // before submission: counted
		x("s1", plaudit.KindSubmit, "a1", "p1", "a1", 0, nil),
		x("s1again", plaudit.KindSubmit, "b1", "p1", "a1", time.Hour, nil), // resubmission keeps the first
		x("e1", plaudit.KindLike, "b1", "p1", "a1", time.Minute, nil),      // bob tier 1: 1
		x("e2", plaudit.KindLike, "b2", "p1", "a1", 2*time.Minute, nil),    // same member, other account: once ever
		op("t1", plaudit.KindTier, "bob", 3*time.Minute, map[string]any{"tier": json.Number("3")}),
		x("e3", plaudit.KindReply, "b2", "p1", "a1", 4*time.Minute, nil),       // bob tier 3 now: 9
		x("e4", plaudit.KindRepost, "a1", "p1", "a1", 5*time.Minute, nil),      // own post: nothing
		x("e5", plaudit.KindRepost, "c1", "p1", "a1", 25*time.Hour, nil),       // after the window: nothing
		x("e6", plaudit.KindRepost, "c1", "unsubmitted", "b1", time.Hour, nil), // not submitted: nothing
		x("e7", plaudit.KindRepost, "c1", "p1", "a1", 24*time.Hour, nil),       // at the window's end: 2
	}
}

func TestRunTiered(t *testing.T) {
	p := mustPreset(t, "tiered")
	events := tieredStream()
	scores, _, err := score.Run(p, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range scores {
		got[s.Event] = s.Member + " " + s.Points.String()
		if s.PolicyHash != p.Hash() || s.Scorer != "tiered" || len(s.Lines) != 1 {
			t.Errorf("score %+v", s)
		}
	}
	want := map[string]string{"x/early": "carol 1", "x/e1": "bob 1", "x/e3": "bob 9", "x/e7": "carol 2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scores %v, want %v", got, want)
	}
	totals := score.Totals(scores)
	if len(totals) != 2 || totals[0].Member != "bob" || totals[0].Points != plaudit.PointsFromInt(10) || totals[1].Points != plaudit.PointsFromInt(3) {
		t.Errorf("totals %+v", totals)
	}
	if w := score.WeeklyTotals(scores, 2026, 2); len(w) != 2 {
		t.Errorf("week 2: %+v", w)
	}
	if w := score.WeeklyTotals(scores, 2026, 3); len(w) != 0 {
		t.Errorf("week 3: %+v", w)
	}
	// Deterministic: the same events and policy give the same bytes.
	again, _, _ := score.Run(p, events, nil)
	a, _ := json.Marshal(scores)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Error("two runs differ")
	}
}

func TestEngineAddStreams(t *testing.T) {
	p := mustPreset(t, "tiered")
	en, err := score.New(p, plaudit.NewDirectory(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tieredStream() {
		for _, s := range en.Add(&e) {
			got = append(got, s.Event+"="+s.Points.String())
		}
	}
	// Streaming cannot see the submission before the early like.
	want := []string{"x/e1=1", "x/e3=9", "x/e7=2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("streamed %v, want %v", got, want)
	}
}

func TestRunDefaultMixed(t *testing.T) {
	p := mustPreset(t, "default")
	fc := func(id string, k plaudit.Kind, fid, target, text string, at time.Duration) plaudit.Event {
		return plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: id, Kind: k, Actor: fid, Target: target, Content: text, Time: t0.Add(at),
			Attrs: map[string]any{"fid": fid, "follower_count": json.Number("50")}}
	}
	dc := func(id string, k plaudit.Kind, actor, target, text string, at time.Duration) plaudit.Event {
		return plaudit.Event{Source: plaudit.SourceDiscord, ExternalID: id, Kind: k, Actor: actor, Target: target, Content: text, Time: t0.Add(at)}
	}
	events := []plaudit.Event{
		fc("c1", plaudit.KindPost, "7", "", "gm ser", 0),
		fc("c2", plaudit.KindReply, "7", "c1", "I think this is an interesting idea, how would it scale?", time.Hour),
		dc("m1", "message", "u1", "", "launch day", 0),
		dc("r1", plaudit.KindReply, "u2", "m1", "the migration guide explains every step of the upgrade clearly", time.Minute),
		dc("k1", plaudit.KindLike, "u1", "r1", "", 2*time.Minute),
	}
	scores, _, err := score.Run(p, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]plaudit.Score{}
	for _, s := range scores {
		by[s.Event] = s
	}
	if len(scores) != 3 {
		t.Fatalf("%d scores: %+v", len(scores), scores)
	}
	// c1: CQ 0 (5 − 30 farming), CI 5, Cons 50 → 1.5 + 10 = 11.5, × the default preset's cast weight 0.2
	if s := by["farcaster/c1"]; s.Scorer != "cast" || s.Points.String() != "2.3" || s.Member != "farcaster:7" {
		t.Errorf("c1 %+v", s)
	}
	// c2: CQ 25+15+20 = 60, CI 5, Cons 50−20 = 30, AC 50+20+10 = 80 → 24 + 1.5 + 6 + 8 = 39.5, × 0.2
	if s := by["farcaster/c2"]; s.Points.String() != "7.9" {
		t.Errorf("c2 %s lines %+v", s.Points, s.Lines)
	}
	// r1: 9 distinct words ("the" twice) ×0.5 = 4.5, original 10, a like from the creator: 3×0.5 reaction
	// + 15 endorsement = 31, × (1 + 0.5 × 0.5) = 38.75.
	if s := by["discord/r1"]; s.Scorer != "poe" || s.Points.String() != "38.75" {
		t.Errorf("r1 %s lines %+v", s.Points, s.Lines)
	}
}

func TestScorerWeight(t *testing.T) {
	p, err := policy.Parse([]byte("name: w\nscorers:\n  - scorer: tiered\n    weight: 0.25\n"), "w.yml")
	if err != nil {
		t.Fatal(err)
	}
	scores, _, err := score.Run(p, tieredStream(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var sum plaudit.Points
	for _, s := range scores {
		sum += s.Points
		var lines plaudit.Points
		for _, l := range s.Lines {
			lines += l.Points
		}
		if lines != s.Points || s.Lines[len(s.Lines)-1].Rule != "tiered.weight" {
			t.Errorf("%s: lines sum to %s, points %s", s.Event, lines, s.Points)
		}
	}
	if sum != 3_250_000 { // (1 + 1 + 9 + 2) × 0.25
		t.Errorf("weighted total %s, want 3.25", sum)
	}
	// Reasons read in weighted points: bob's 1 + 9 become 0.25 + 2.25.
	if tot := score.Totals(scores); len(tot[0].Reasons) != 2 || tot[0].Reasons[0].Points != 2_250_000 || tot[0].Reasons[1].Points != 250_000 {
		t.Errorf("reasons %+v", tot[0].Reasons)
	}
}

// TestStreamingPoE shows what streaming gives up: a comment scored as it arrives cannot count the replies it
// receives later; Run, which sees the whole stream first, does.
func TestStreamingPoE(t *testing.T) {
	p := mustPreset(t, "poe")
	ev := func(id string, k plaudit.Kind, actor, target, text string, at time.Duration) plaudit.Event {
		return plaudit.Event{Source: plaudit.SourceDiscord, ExternalID: id, Kind: k, Actor: actor, Target: target, Content: text, Time: t0.Add(at)}
	}
	events := []plaudit.Event{
		ev("c", plaudit.KindComment, "u1", "post", "one two three four five six", 0),
		ev("r1", plaudit.KindReply, "u2", "c", "ok", time.Minute),
		ev("r2", plaudit.KindReply, "u3", "c", "ok", time.Minute),
	}
	all, _, err := score.Run(p, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	en, _ := score.New(p, plaudit.NewDirectory(), nil)
	var streamed []plaudit.Score
	for i := range events {
		streamed = append(streamed, en.Add(&events[i])...)
	}
	// Base 3 (6 distinct words × 0.5) + 10 original, + 8 for two repliers in Run; × 1.25 at reputation 0.5.
	if all[0].Points.String() != "26.25" || streamed[0].Points.String() != "16.25" {
		t.Errorf("run %s, streamed %s", all[0].Points, streamed[0].Points)
	}
}
