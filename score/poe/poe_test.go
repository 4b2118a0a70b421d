package poe

import (
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
)

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

func ev(id string, k plaudit.Kind, actor, target, targetAuthor, content string, at time.Duration, attrs map[string]any) plaudit.Event {
	return plaudit.Event{Source: plaudit.SourceDiscord, ExternalID: id, Kind: k, Actor: actor, Target: target, TargetAuthor: targetAuthor,
		Content: content, Time: t0.Add(at), Attrs: attrs}
}

func scoreAll(t *testing.T, events []plaudit.Event, p *Params, rep plaudit.Ratio) map[string]Result {
	t.Helper()
	dir := plaudit.BuildDirectory(events)
	env := Env{Dir: dir, Reputation: func(string) plaudit.Ratio { return rep }}
	s := &Scorer{Params: p, Index: NewIndex(events, env), Env: env}
	out := map[string]Result{}
	for i := range events {
		if r, ok := s.Score(&events[i]); ok {
			out[events[i].ExternalID] = r
		}
	}
	return out
}

// decided is a decision event of the log: what (confirm, overturn, adopt…) on the event with key key, by the
// moderator or operator by, at at; flag is the flag id ("" for an adoption).
func decided(id, what, key, by, flag string, at time.Duration, extra ...string) plaudit.Event {
	attrs := map[string]any{moderation.AttrDecision: what, moderation.AttrEvent: key, moderation.AttrBy: by}
	if flag != "" {
		attrs[moderation.AttrFlag] = flag
	}
	for i := 0; i+1 < len(extra); i += 2 {
		attrs[extra[i]] = extra[i+1]
	}
	return plaudit.Event{Source: plaudit.SourcePlaudit, ExternalID: id, Kind: plaudit.KindDecision, Actor: by, Target: key, Time: t0.Add(at), Attrs: attrs}
}

const long = "this release notes section explains the migration path clearly and well"

func TestComment(t *testing.T) {
	p := DefaultParams()
	p.MinScore = 0
	pts := plaudit.PointsFromInt
	tests := []struct {
		name   string
		events []plaudit.Event
		id     string
		base   plaudit.Points
	}{
		{"trivial", []plaudit.Event{ev("c", plaudit.KindComment, "u1", "post", "author", "nice one", 0, nil)}, "c", 0},
		{"4 words trivial", []plaudit.Event{ev("c", plaudit.KindComment, "u1", "post", "author", "one two three four", 0, nil)}, "c", 0},
		{"5 words: length + original", []plaudit.Event{ev("c", plaudit.KindComment, "u1", "post", "author", "one two three four five", 0, nil)}, "c", 2_500_000 + pts(10)},
		{"distinct words only", []plaudit.Event{ev("c", plaudit.KindComment, "u1", "post", "author", "same same same same same", 0, nil)}, "c", 500_000 + pts(10)},
		{"length cap", []plaudit.Event{ev("c", plaudit.KindComment, "u1", "post", "author", words50(), 0, nil)}, "c", pts(20) + pts(10)},
		{"spam phrase", []plaudit.Event{ev("c", plaudit.KindComment, "u1", "post", "author", "great post, Follow Me for more alpha", 0, nil)}, "c", 3_500_000},
		{"near duplicate", []plaudit.Event{
			ev("a", plaudit.KindComment, "u2", "post", "author", long, 0, nil),
			ev("c", plaudit.KindComment, "u1", "post", "author", long+" indeed", time.Minute, nil)}, "c", pts(6)},
		{"replies from distinct others", []plaudit.Event{
			ev("c", plaudit.KindComment, "u1", "post", "author", "one two three four five", 0, nil),
			ev("r1", plaudit.KindReply, "u2", "c", "u1", "x", time.Minute, nil),
			ev("r2", plaudit.KindReply, "u2", "c", "u1", "y", 2*time.Minute, nil),
			ev("r3", plaudit.KindReply, "u3", "c", "u1", "z", 3*time.Minute, nil),
			ev("r4", plaudit.KindReply, "u1", "c", "u1", "self", 4*time.Minute, nil)}, "c", 2_500_000 + pts(10) + pts(8)},
		{"reactions weighted by reputation 0.5", []plaudit.Event{
			ev("c", plaudit.KindComment, "u1", "post", "author", "one two three four five", 0, nil),
			ev("l1", plaudit.KindLike, "u2", "c", "u1", "", time.Minute, nil),
			ev("l2", plaudit.KindLike, "u3", "c", "u1", "", time.Minute, nil)}, "c", 2_500_000 + pts(10) + pts(3)},
		{"creator endorsement", []plaudit.Event{
			ev("c", plaudit.KindComment, "u1", "post", "author", "one two three four five", 0, nil),
			ev("l1", plaudit.KindLike, "author", "c", "u1", "", time.Minute, nil)}, "c", 2_500_000 + pts(10) + 1_500_000 + pts(15)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := scoreAll(t, tc.events, p, 500_000)[tc.id]
			if r.Base != tc.base {
				t.Errorf("base %s, want %s; lines %+v", r.Base, tc.base, r.Lines)
			}
		})
	}
}

func words50() string {
	s := ""
	for i := 0; i < 50; i++ {
		s += "w" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + " "
	}
	return s
}

func TestMultiplierAndMinimum(t *testing.T) {
	events := []plaudit.Event{ev("f", plaudit.KindFeedback, "u1", "", "", "bug", 0, nil), decided("a", moderation.DecisionAdopt, "discord/f", "ops", "", time.Hour)} // base 32
	tests := []struct {
		rep, weight plaudit.Ratio
		min         plaudit.Points
		final       plaudit.Points
		eligible    bool
	}{
		{0, 500_000, 0, plaudit.PointsFromInt(32), true},
		{plaudit.One, 500_000, 0, plaudit.PointsFromInt(48), true},
		{500_000, 500_000, 0, plaudit.PointsFromInt(40), true},
		{plaudit.One, 0, 0, plaudit.PointsFromInt(32), true},
		{0, 500_000, plaudit.PointsFromInt(32), plaudit.PointsFromInt(32), false}, // equal to the minimum: not eligible
		{0, 500_000, plaudit.PointsFromInt(32) - 1, plaudit.PointsFromInt(32), true},
	}
	for _, tc := range tests {
		p := DefaultParams()
		p.ReputationWeight, p.MinScore = tc.weight, tc.min
		r := scoreAll(t, events, p, tc.rep)["f"]
		if r.Final != tc.final || r.Eligible != tc.eligible || (r.Eligible && r.Points != r.Final) || (!r.Eligible && r.Points != 0) {
			t.Errorf("rep %s weight %s min %s: final %s eligible %v points %s", tc.rep, tc.weight, tc.min, r.Final, r.Eligible, r.Points)
		}
	}
}

func TestShareFlagCurateFeedback(t *testing.T) {
	p := DefaultParams()
	p.MinScore = 0
	pts := plaudit.PointsFromInt
	events := []plaudit.Event{
		ev("post", plaudit.Kind("message"), "author", "", "", "hello", 0, nil),
		ev("s1", plaudit.KindRepost, "u1", "post", "author", "", time.Minute, nil),
		ev("s2", plaudit.KindQuote, "u2", "post", "author", "one two three four five six seven eight", time.Minute, nil),
		ev("s3", plaudit.KindQuote, "u3", "post", "author", "one two three four five six seven", time.Minute, nil),
		ev("d1", plaudit.KindLike, "u4", "s1", "u1", "", 2*time.Minute, nil),
		ev("d2", plaudit.KindReply, "u5", "s1", "u1", "wow", 2*time.Minute, nil),
		ev("d3", plaudit.KindLike, "u1", "s1", "u1", "", 2*time.Minute, nil), // own: not downstream
		ev("f1", plaudit.KindFlag, "u6", "discord/post", "", "", 30*time.Minute, nil),
		ev("f2", plaudit.KindFlag, "u7", "discord/post", "", "", 2*time.Hour, nil),
		ev("f3", plaudit.KindFlag, "u8", "discord/s1", "", "", 3*time.Hour, nil),
		ev("f4", plaudit.KindFlag, "u9", "discord/s1", "", "", 62*time.Minute, map[string]any{"confirmed": true}),
		ev("f5", plaudit.KindFlag, "u9", "discord/s2", "", "", 61*time.Minute, map[string]any{"confirmed": true}), // exactly timely_within
		ev("k1", plaudit.KindCurate, "u6", "discord/post", "", "", 90*time.Minute, nil),
		ev("e1", plaudit.KindLike, "u10", "post", "author", "", 100*time.Minute, nil),
		ev("e2", plaudit.KindLike, "u6", "post", "author", "", 100*time.Minute, nil), // the curator's own: not counted
		ev("fb1", plaudit.KindFeedback, "u1", "", "", "idea", 0, nil),
		ev("fb2", plaudit.KindFeedback, "u1", "", "", "idea", 0, map[string]any{"adopted": true}), // self-asserted: nothing
		ev("fb3", plaudit.KindFeedback, "u1", "", "", "idea", 0, nil),
		ev("f6", plaudit.KindFlag, "u6", "discord/s3", "", "", 20*time.Minute, map[string]any{"confirmed": true}), // self-asserted: nothing
		ev("f7", plaudit.KindFlag, "u7", "discord/s3", "", "", 20*time.Minute, nil),
		ev("f8", plaudit.KindFlag, "u8", "discord/s3", "", "", 20*time.Minute, nil),
	}
	events = append(events,
		// An operator's own flag on the subject confirms nobody's flag any more.
		plaudit.Event{Source: plaudit.SourcePlaudit, ExternalID: "op1", Kind: plaudit.KindFlag, Actor: "moderator", Target: "discord/s3", Time: t0.Add(3 * time.Hour)},
		decided("d-f1", moderation.DecisionConfirm, "discord/f1", "mod", "1", 4*time.Hour),
		decided("d-f2", moderation.DecisionConfirm, "discord/f2", "mod", "2", 4*time.Hour),
		decided("d-f4", moderation.DecisionConfirm, "discord/f4", "mod", "4", 4*time.Hour),
		decided("d-f5", moderation.DecisionConfirm, "discord/f5", "mod", "5", 4*time.Hour),
		decided("d-f3", moderation.DecisionReject, "discord/f3", "mod", "3", 4*time.Hour),
		// f7 is confirmed, then overturned on appeal; f8 is "confirmed" by its own flagger.
		decided("d-f7", moderation.DecisionConfirm, "discord/f7", "mod", "7", 4*time.Hour),
		decided("o-f7", moderation.DecisionOverturn, "discord/f7", "mod2", "7", 5*time.Hour),
		decided("d-f8", moderation.DecisionConfirm, "discord/f8", "discord:u8", "8", 4*time.Hour),
		decided("a-fb1", moderation.DecisionAdopt, "discord/fb1", "ops", "", 4*time.Hour),
		// adopted by its own author: nothing
		decided("a-fb3", moderation.DecisionAdopt, "discord/fb3", "discord:u1", "", 4*time.Hour),
	)
	want := map[string]plaudit.Points{
		"s1": pts(2) + pts(6), "s2": pts(12), "s3": pts(2),
		"f1": pts(30), "f2": pts(20), "f3": 0, "f4": pts(20), "f5": pts(30), "f6": 0, "f7": 0, "f8": 0,
		"k1": pts(3) + pts(1), "fb1": pts(32), "fb2": pts(2), "fb3": pts(2),
	}
	got := scoreAll(t, events, p, 0)
	for id, w := range want {
		if got[id].Base != w {
			t.Errorf("%s: base %s, want %s; lines %+v", id, got[id].Base, w, got[id].Lines)
		}
	}
}

// TestDisputeResolution: with dispute.resolved set, a moderator's decisions on flags earn, except a
// confirmation later overturned and a decision by a party to the flag; off by default.
func TestDisputeResolution(t *testing.T) {
	events := []plaudit.Event{
		ev("f1", plaudit.KindFlag, "u1", "discord/x", "", "", 0, nil),
		decided("c1", moderation.DecisionConfirm, "discord/f1", "mod", "1", time.Hour, moderation.AttrFlagger, "discord:u1", moderation.AttrMember, "discord:u2"),
		decided("r2", moderation.DecisionReject, "", "mod", "2", time.Hour, moderation.AttrFlagger, "discord:u3", moderation.AttrMember, "discord:u4"),
		decided("c3", moderation.DecisionConfirm, "", "mod", "3", time.Hour, moderation.AttrFlagger, "discord:u3", moderation.AttrMember, "discord:u4"),
		decided("o3", moderation.DecisionOverturn, "", "mod2", "3", 2*time.Hour, moderation.AttrFlagger, "discord:u3", moderation.AttrMember, "discord:u4"),
		decided("c4", moderation.DecisionConfirm, "", "discord:u5", "4", time.Hour, moderation.AttrFlagger, "discord:u5", moderation.AttrMember, "discord:u4"),
		decided("a5", moderation.DecisionAdopt, "discord/fb", "ops", "", time.Hour),
	}
	p := DefaultParams()
	p.MinScore = 0
	if got := scoreAll(t, events, p, 0); len(got) != 1 {
		t.Fatalf("off by default, yet decisions scored: %+v", got)
	}
	p.Dispute.Resolved = plaudit.PointsFromInt(8)
	got := scoreAll(t, events, p, 0)
	want := map[string]plaudit.Points{"c1": plaudit.PointsFromInt(8), "r2": plaudit.PointsFromInt(8), "c3": 0, "o3": plaudit.PointsFromInt(8), "c4": 0}
	for id, w := range want {
		if r, ok := got[id]; !ok || r.Base != w {
			t.Errorf("%s: base %s (scored %v), want %s; lines %+v", id, r.Base, ok, w, r.Lines)
		}
	}
	if _, ok := got["a5"]; ok {
		t.Errorf("an adoption scored as dispute resolution")
	}
}

func TestValidate(t *testing.T) {
	if errs := DefaultParams().Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
	p := DefaultParams()
	p.Comment.PerReply = -1
	p.ReputationWeight = -1
	p.Comment.SpamPhrases = []string{" "}
	errs := p.Validate()
	if len(errs) != 3 {
		t.Fatalf("errs %v", errs)
	}
}

func TestCapsAndThresholds(t *testing.T) {
	p := DefaultParams()
	p.MinScore = 0
	pts := plaudit.PointsFromInt
	comment := ev("c", plaudit.KindComment, "u1", "post", "author", "one two three four five", 0, nil) // 2.5 + 10
	var replies, likes []plaudit.Event
	for i := 0; i < 6; i++ {
		replies = append(replies, ev("r"+string(rune('a'+i)), plaudit.KindReply, "v"+string(rune('a'+i)), "c", "u1", "ok", time.Minute, nil))
	}
	for i := 0; i < 14; i++ {
		likes = append(likes, ev("l"+string(rune('a'+i)), plaudit.KindLike, "w"+string(rune('a'+i)), "c", "u1", "", time.Minute, nil))
	}
	tests := []struct {
		name   string
		events []plaudit.Event
		id     string
		rep    plaudit.Ratio
		base   plaudit.Points
	}{
		{"5 repliers: 20, at the cap", append([]plaudit.Event{comment}, replies[:5]...), "c", 0, 12_500_000 + pts(20)},
		{"6 repliers: capped at 20", append([]plaudit.Event{comment}, replies...), "c", 0, 12_500_000 + pts(20)},
		{"13 likes at reputation 0.5: 19.5", append([]plaudit.Event{comment}, likes[:13]...), "c", 500_000, 12_500_000 + 19_500_000},
		{"14 likes at reputation 0.5: capped at 20", append([]plaudit.Event{comment}, likes...), "c", 500_000, 12_500_000 + pts(20)},
		{"likes at reputation 0 weigh nothing", append([]plaudit.Event{comment}, likes...), "c", 0, 12_500_000},
		{"similarity exactly 0.8 is a duplicate", []plaudit.Event{
			ev("a", plaudit.KindComment, "u2", "post", "author", "alpha beta gamma delta", 0, nil),
			ev("b", plaudit.KindComment, "u1", "post", "author", "alpha beta gamma delta epsilon", time.Minute, nil)}, "b", 0, 2_500_000},
		{"similarity 0.75 is original", []plaudit.Event{
			ev("a", plaudit.KindComment, "u2", "post", "author", "alpha beta gamma", 0, nil),
			ev("b", plaudit.KindComment, "u1", "post", "author", "alpha beta gamma delta epsilon", time.Minute, nil)}, "b", 0, 2_500_000 + pts(10)},
		{"a duplicate on another post is original", []plaudit.Event{
			ev("a", plaudit.KindComment, "u2", "other", "author", "alpha beta gamma delta epsilon", 0, nil),
			ev("b", plaudit.KindComment, "u1", "post", "author", "alpha beta gamma delta epsilon", time.Minute, nil)}, "b", 0, 2_500_000 + pts(10)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := scoreAll(t, tc.events, p, tc.rep)[tc.id]
			if r.Base != tc.base {
				t.Errorf("base %s, want %s; lines %+v", r.Base, tc.base, r.Lines)
			}
		})
	}
	// Downstream engagement on a share: 10 × 3 = 30 at the cap, 11 capped.
	share := ev("s", plaudit.KindRepost, "u1", "post", "author", "", 0, nil)
	var down []plaudit.Event
	for i := 0; i < 11; i++ {
		down = append(down, ev("d"+string(rune('a'+i)), plaudit.KindLike, "z"+string(rune('a'+i)), "s", "u1", "", time.Minute, nil))
	}
	for n, want := range map[int]plaudit.Points{10: pts(32), 11: pts(32), 9: pts(29)} {
		if r := scoreAll(t, append([]plaudit.Event{share}, down[:n]...), p, 0)["s"]; r.Base != want {
			t.Errorf("%d downstream: %s, want %s", n, r.Base, want)
		}
	}
}
