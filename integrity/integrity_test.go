package integrity

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

func ev(id string, kind plaudit.Kind, actor, author, content string, at time.Duration) plaudit.Event {
	return plaudit.Event{Source: plaudit.SourceX, ExternalID: id, Kind: kind, Actor: actor, Target: "p" + author,
		TargetAuthor: author, Content: content, Time: t0.Add(at)}
}

func reasons(f *Findings, key, check string) []plaudit.Reason {
	var out []plaudit.Reason
	for _, r := range f.Events[key] {
		if r.Check == check {
			out = append(out, r)
		}
	}
	return out
}

func TestVelocity(t *testing.T) {
	c := Config{Velocity: []Limit{{Kind: plaudit.KindLike, Window: time.Minute, Max: 3}}}
	var events []plaudit.Event
	for i := 0; i < 5; i++ { // 5 likes 10 s apart: the 4th and 5th exceed 3 per minute
		events = append(events, ev(fmt.Sprint("l", i), plaudit.KindLike, "bot", fmt.Sprint("a", i), "", time.Duration(i)*10*time.Second))
	}
	events = append(events, ev("late", plaudit.KindLike, "bot", "z", "", 5*time.Minute)) // window has passed
	f := Check(events, plaudit.BuildDirectory(events), c)
	for i := 0; i < 5; i++ {
		got := len(reasons(f, fmt.Sprint("x/l", i), "velocity"))
		if want := map[bool]int{true: 1, false: 0}[i >= 3]; got != want {
			t.Errorf("like %d: %d velocity reasons, want %d", i, got, want)
		}
	}
	if len(reasons(f, "x/late", "velocity")) != 0 {
		t.Error("a like after the window must pass")
	}
}

func TestVelocityBoundary(t *testing.T) {
	// Exactly Window apart: the earlier event has left the window (it is not After cut-off).
	c := Config{Velocity: []Limit{{Kind: plaudit.KindLike, Window: time.Minute, Max: 1}}}
	events := []plaudit.Event{ev("a", plaudit.KindLike, "u", "v", "", 0), ev("b", plaudit.KindLike, "u", "w", "", time.Minute)}
	if f := Check(events, plaudit.BuildDirectory(events), c); len(f.Events) != 0 {
		t.Fatalf("want no findings, got %v", f.Events)
	}
}

func TestDiminishing(t *testing.T) {
	c := Config{DiminishWindow: 24 * time.Hour, DiminishFactor: plaudit.One / 2, DiminishAfter: 3}
	var events []plaudit.Event
	for i := 0; i < 4; i++ {
		events = append(events, ev(fmt.Sprint("r", i), plaudit.KindReply, "fan", "star", "nice work on this one", time.Duration(i)*time.Hour))
	}
	events = append(events, ev("self", plaudit.KindReply, "star", "star", "", 0))
	f := Check(events, plaudit.BuildDirectory(events), c)
	want := []plaudit.Ratio{-1, 500_000, 250_000, 0}
	for i, w := range want {
		rs := reasons(f, fmt.Sprint("x/r", i), "diminishing_returns")
		if w < 0 {
			if len(rs) != 0 {
				t.Errorf("first action must be untouched: %v", rs)
			}
			continue
		}
		if len(rs) != 1 || rs[0].Multiplier != w {
			t.Errorf("action %d: %v, want multiplier %d", i+1, rs, w)
		}
	}
	if len(f.Events["x/self"]) != 0 {
		t.Error("self engagement is not diminished here (scorers exclude it)")
	}
}

func TestContent(t *testing.T) {
	c := DefaultConfig()
	c.Velocity = nil
	c.DiminishWindow = 0
	c.CopyMin = 1
	c.SpamCorpus = []string{"claim your free airdrop now at the link in bio before it is gone"}
	long := "the grant committee should publish milestone reviews before the next funding round starts"
	events := []plaudit.Event{
		ev("gm", plaudit.KindReply, "a", "b", "gm ser", 0),
		ev("orig", plaudit.KindPost, "a", "", long, time.Minute),
		ev("copy", plaudit.KindReply, "c", "a", long+"!", 2*time.Minute),
		ev("spam", plaudit.KindReply, "d", "a", "Claim your FREE airdrop now at the link in bio before it is gone", 3*time.Minute),
		ev("ok", plaudit.KindReply, "e", "a", "I disagree: milestone reviews slow grants down, publish a summary instead", 4*time.Minute),
	}
	f := Check(events, plaudit.BuildDirectory(events), c)
	if rs := reasons(f, "x/gm", "content_farming"); len(rs) != 1 || rs[0].Multiplier != 0 {
		t.Errorf("gm: %v", f.Events["x/gm"])
	}
	if rs := reasons(f, "x/copy", "near_duplicate"); len(rs) != 1 || !strings.Contains(rs[0].Detail, "x/orig") {
		t.Errorf("copy: %v", f.Events["x/copy"])
	}
	if rs := reasons(f, "x/spam", "near_duplicate"); len(rs) != 1 || !strings.Contains(rs[0].Detail, "known spam") {
		t.Errorf("spam: %v", f.Events["x/spam"])
	}
	if len(f.Events["x/orig"]) != 0 || len(f.Events["x/ok"]) != 0 {
		t.Errorf("honest texts flagged: %v %v", f.Events["x/orig"], f.Events["x/ok"])
	}
}

func TestRollUpAndApply(t *testing.T) {
	c := DefaultConfig()
	var events []plaudit.Event
	for i := 0; i < 10; i++ {
		events = append(events, ev(fmt.Sprint("g", i), plaudit.KindReply, "farmer", fmt.Sprint("v", i), "gm", time.Duration(i)*time.Hour))
		events = append(events, ev(fmt.Sprint("h", i), plaudit.KindReply, "honest", fmt.Sprint("v", i),
			fmt.Sprintf("question %d about the roadmap: when does the audit of module %d finish?", i, i), time.Duration(i)*time.Hour))
	}
	dir := plaudit.BuildDirectory(events)
	f := Check(events, dir, c)
	if len(f.Members["x:farmer"]) != 1 || len(f.Members["x:honest"]) != 0 {
		t.Fatalf("members: %v", f.Members)
	}
	verdicts := f.Verdicts()
	scores := []plaudit.Score{
		{Event: "x/h1", Member: "x:honest", Points: 5 * plaudit.PointScale},
		{Event: "x/g1", Member: "x:farmer", Points: 5 * plaudit.PointScale},
	}
	got := Apply(scores, verdicts)
	if got[0].Points != 5*plaudit.PointScale || got[1].Points != 0 {
		t.Fatalf("applied: %v %v", got[0].Points, got[1].Points)
	}
	if scores[1].Points != 5*plaudit.PointScale {
		t.Fatal("Apply modified its input")
	}
	if len(got[1].Lines) == 0 {
		t.Fatal("applied score must explain the integrity multiplier")
	}
	again := Check(events, dir, c).Verdicts()
	if fmt.Sprint(again) != fmt.Sprint(verdicts) {
		t.Fatal("verdicts not deterministic")
	}
}

func TestCopyMin(t *testing.T) {
	c := Config{NearDuplicate: 700_000, CopyMin: 3}
	text := "the grant committee should publish milestone reviews before the next funding round starts"
	var events []plaudit.Event
	events = append(events, ev("orig", plaudit.KindPost, "author", "", text, 0))
	events = append(events, ev("once", plaudit.KindReply, "echo", "author", text, time.Minute))
	for i := 0; i < 3; i++ {
		events = append(events, ev(fmt.Sprint("spam", i), plaudit.KindReply, "spammer", fmt.Sprint("v", i), text, time.Duration(2+i)*time.Minute))
	}
	f := Check(events, plaudit.BuildDirectory(events), c)
	if len(f.Events["x/once"]) != 0 {
		t.Errorf("a single echo must not be penalised: %v", f.Events["x/once"])
	}
	for i := 0; i < 3; i++ {
		if rs := reasons(f, fmt.Sprint("x/spam", i), "near_duplicate"); len(rs) != 1 || !strings.Contains(rs[0].Detail, "3 of this member's 3 texts") {
			t.Errorf("spam %d: %v", i, f.Events[fmt.Sprint("x/spam", i)])
		}
	}
}

func TestDiminishFree(t *testing.T) {
	c := Config{DiminishWindow: time.Hour, DiminishFree: 2, DiminishFactor: plaudit.One / 2}
	var events []plaudit.Event
	for i := 0; i < 4; i++ {
		events = append(events, ev(fmt.Sprint("l", i), plaudit.KindLike, "fan", "star", "", time.Duration(i)*time.Minute))
	}
	f := Check(events, plaudit.BuildDirectory(events), c)
	want := []plaudit.Ratio{-1, -1, 500_000, 250_000}
	for i, w := range want {
		rs := reasons(f, fmt.Sprint("x/l", i), "diminishing_returns")
		if (w < 0) != (len(rs) == 0) || (w >= 0 && rs[0].Multiplier != w) {
			t.Errorf("like %d: %v, want %d", i, rs, w)
		}
	}
}

// TestDiminishScalesWithCommunity: in a small community where the others give most of their engagement to
// one author, a member's few actions towards that author in a window are what chance predicts and are not
// priced down; the same actions towards an author nobody else engages are (the share is leave-one-out, so
// the member's own actions cannot raise its allowance).
func TestDiminishScalesWithCommunity(t *testing.T) {
	c := Config{DiminishWindow: time.Hour, DiminishFree: 2, DiminishFactor: plaudit.One / 2}
	community := func(popular string) []plaudit.Event {
		var events []plaudit.Event
		for m := 0; m < 10; m++ {
			for i := 0; i < 6; i++ {
				to := popular
				if i == 5 {
					to = "other"
				}
				events = append(events, ev(fmt.Sprint("m", m, "-", i), plaudit.KindLike, fmt.Sprint("member", m), to, "",
					time.Duration(m*6+i)*2*time.Hour))
			}
		}
		for i := 0; i < 4; i++ {
			events = append(events, ev(fmt.Sprint("l", i), plaudit.KindLike, "fan", "star", "", time.Duration(i)*time.Minute))
		}
		return events
	}
	events := community("star")
	f := Check(events, plaudit.BuildDirectory(events), c)
	for i := 0; i < 4; i++ {
		if rs := reasons(f, fmt.Sprint("x/l", i), "diminishing_returns"); len(rs) != 0 {
			t.Errorf("like %d towards the community's most engaged author: %v, want none", i, rs)
		}
	}
	events = community("elsewhere")
	f = Check(events, plaudit.BuildDirectory(events), c)
	want := []plaudit.Ratio{-1, -1, 500_000, 250_000}
	for i, w := range want {
		rs := reasons(f, fmt.Sprint("x/l", i), "diminishing_returns")
		if (w < 0) != (len(rs) == 0) || (w >= 0 && rs[0].Multiplier != w) {
			t.Errorf("like %d towards an author no one else engages: %v, want %d", i, rs, w)
		}
	}
}

// TestDiminishBySource: the allowance also follows the action's own source. On GitHub the others' comments
// go to the project's issues while on X, where most of the volume is, they go elsewhere; a contributor's
// comments on the project's issues are judged against GitHub's pattern, not diluted by X's.
func TestDiminishBySource(t *testing.T) {
	c := Config{DiminishWindow: time.Hour, DiminishFree: 2, DiminishFactor: plaudit.One / 2}
	var events []plaudit.Event
	for m := 0; m < 10; m++ {
		for i := 0; i < 20; i++ {
			events = append(events, ev(fmt.Sprint("x", m, "-", i), plaudit.KindLike, fmt.Sprint("member", m), "poster", "",
				time.Duration(m*20+i)*2*time.Hour))
		}
		e := ev(fmt.Sprint("g", m), plaudit.KindComment, fmt.Sprint("member", m), "project", "", time.Duration(m)*3*time.Hour)
		e.Source = plaudit.SourceGitHub
		events = append(events, e)
	}
	for i := 0; i < 4; i++ {
		e := ev(fmt.Sprint("c", i), plaudit.KindComment, "fan", "project", "", time.Duration(i)*time.Minute)
		e.Source = plaudit.SourceGitHub
		events = append(events, e)
	}
	f := Check(events, plaudit.BuildDirectory(events), c)
	for i := 0; i < 4; i++ {
		if rs := reasons(f, fmt.Sprint("github/c", i), "diminishing_returns"); len(rs) != 0 {
			t.Errorf("comment %d on the project's issues: %v, want none", i, rs)
		}
	}
}

// TestDiminishCountsPerSource: repeated actions are counted on the source they are made on. A contributor
// who commented on the project's GitHub issues all morning and then answers the project twice on Discord
// has made two Discord replies towards it, not a twelfth and thirteenth action (the count that made the
// 100-member eval's most active honest member, whose GitHub comments earn nothing, lose a third of her
// Discord replies); a third and fourth Discord reply in the window are priced down as before.
func TestDiminishCountsPerSource(t *testing.T) {
	c := Config{DiminishWindow: 24 * time.Hour, DiminishFree: 2, DiminishFactor: plaudit.One / 2}
	var events []plaudit.Event
	for _, src := range []plaudit.Source{plaudit.SourceGitHub, plaudit.SourceDiscord} {
		for _, who := range []string{"fan", "project"} {
			events = append(events, plaudit.Event{Source: src, ExternalID: "link-" + who, Kind: plaudit.KindLink, Actor: who,
				Time: t0.Add(-time.Hour), Attrs: map[string]any{"member": who}})
		}
	}
	for i := 0; i < 10; i++ {
		e := ev(fmt.Sprint("c", i), plaudit.KindComment, "fan", "project", "", time.Duration(i)*time.Minute)
		e.Source = plaudit.SourceGitHub
		events = append(events, e)
	}
	for i := 0; i < 4; i++ {
		e := ev(fmt.Sprint("r", i), plaudit.KindReply, "fan", "project", "", time.Hour+time.Duration(i)*time.Minute)
		e.Source = plaudit.SourceDiscord
		events = append(events, e)
	}
	f := Check(events, plaudit.BuildDirectory(events), c)
	want := []plaudit.Ratio{-1, -1, 500_000, 250_000}
	for i, w := range want {
		rs := reasons(f, fmt.Sprint("discord/r", i), "diminishing_returns")
		if (w < 0) != (len(rs) == 0) || (w >= 0 && rs[0].Multiplier != w) {
			t.Errorf("Discord reply %d after 10 GitHub comments: %v, want %d", i, rs, w)
		}
	}
	if rs := reasons(f, "github/c9", "diminishing_returns"); len(rs) != 1 {
		t.Errorf("the tenth GitHub comment is still priced down on its own source: %v", rs)
	}
	// The evidence says what was counted: the third Discord reply.
	rs := reasons(f, "discord/r2", "diminishing_returns")
	if len(rs) != 1 {
		t.Fatalf("Discord reply 2: %v", rs)
	}
	ev := map[string]string{}
	for _, in := range rs[0].Evidence {
		ev[in.Name] = in.Value
	}
	if ev["source"] != "discord" || ev["kind"] != "reply" || ev["nth"] != "3" || ev["towards"] != "project" ||
		rs[0].Detail != "discord reply 3 towards project within 24h0m0s" {
		t.Errorf("evidence %v, detail %q: want the third Discord reply towards project", rs[0].Evidence, rs[0].Detail)
	}
}

// TestDiminishCountsPerKind: repeated actions are counted per kind. Three likes and three replies to one
// friend's posts in a day are three likes and three replies, not six repeats; a fourth like is the fourth.
func TestDiminishCountsPerKind(t *testing.T) {
	c := Config{DiminishWindow: 24 * time.Hour, DiminishFree: 3, DiminishFactor: plaudit.One / 2}
	var events []plaudit.Event
	for i := 0; i < 3; i++ {
		events = append(events, ev(fmt.Sprint("l", i), plaudit.KindLike, "fan", "friend", "", time.Duration(i)*time.Minute))
		events = append(events, ev(fmt.Sprint("r", i), plaudit.KindReply, "fan", "friend", fmt.Sprint("reply number ", i), time.Duration(i)*time.Minute+time.Second))
	}
	events = append(events, ev("l3", plaudit.KindLike, "fan", "friend", "", time.Hour))
	f := Check(events, plaudit.BuildDirectory(events), c)
	for i := 0; i < 3; i++ {
		for _, k := range []string{"l", "r"} {
			if rs := reasons(f, fmt.Sprint("x/", k, i), "diminishing_returns"); len(rs) != 0 {
				t.Errorf("%s%d: %v, want none", k, i, rs)
			}
		}
	}
	if rs := reasons(f, "x/l3", "diminishing_returns"); len(rs) != 1 || rs[0].Multiplier != plaudit.One/2 {
		t.Errorf("the fourth like: %v, want ×0.5", rs)
	}
}
