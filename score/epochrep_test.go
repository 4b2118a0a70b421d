package score_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

const day = 24 * time.Hour

// d is a Discord event at t0+at (t0 is Monday 2026-01-05 12:00, in the weekly epoch that starts at midnight).
func d(id string, k plaudit.Kind, actor, target, targetAuthor string, at time.Duration, content string, attrs map[string]any) plaudit.Event {
	return plaudit.Event{Source: plaudit.SourceDiscord, ExternalID: id, Kind: k, Actor: actor, Target: target, TargetAuthor: targetAuthor,
		Time: t0.Add(at), Content: content, Attrs: attrs}
}

// repStream: pat is a project member (pre-trusted); hana and ann are community members who interacted with
// pat the week before; syb is a fresh account first seen this week. In the week of t0 ann writes two
// comments: pat likes the first, syb the second.
func repStream() []plaudit.Event {
	link := func(id, acct, member, kind string, at time.Duration) plaudit.Event {
		return d(id, plaudit.KindLink, acct, "", "", at, "", map[string]any{"member": member, "member_kind": kind})
	}
	const text = "a thoughtful answer that explains the fix in several distinct words"
	return []plaudit.Event{
		link("l-pat", "p", "pat", string(plaudit.MemberProject), -7*day),
		link("l-hana", "h", "hana", string(plaudit.MemberCommunity), -7*day),
		link("l-ann", "a", "ann", string(plaudit.MemberCommunity), -7*day),
		d("m0", plaudit.KindPost, "h", "", "", -6*day, "hello everyone", nil),
		d("r0", plaudit.KindReply, "p", "m0", "h", -6*day+time.Hour, "welcome hana glad you are here with us", nil),
		d("r1", plaudit.KindReply, "h", "m0", "h", -6*day+2*time.Hour, "thanks pat and ann for the warm welcome", nil),
		d("k0", plaudit.KindLike, "h", "r0", "p", -6*day+3*time.Hour, "", nil),
		d("k1", plaudit.KindLike, "p", "r1", "h", -5*day, "", nil),
		d("k2", plaudit.KindLike, "a", "r0", "p", -5*day, "", nil),
		d("k3", plaudit.KindLike, "p", "m9", "a", -5*day, "", nil),
		link("l-syb", "s", "syb", string(plaudit.MemberCommunity), time.Minute),
		d("c1", plaudit.KindComment, "a", "m0", "h", time.Hour, text+" one", nil),
		d("c2", plaudit.KindComment, "a", "m0", "h", 2*time.Hour, text+" two", nil),
		d("k4", plaudit.KindLike, "p", "c1", "a", 3*time.Hour, "", nil),
		d("k5", plaudit.KindLike, "s", "c2", "a", 3*time.Hour, "", nil),
	}
}

// reactionLine returns the poe.comment.reactions line of event key's score.
func reactionLine(t *testing.T, scores []plaudit.Score, key string) plaudit.Line {
	t.Helper()
	for _, s := range scores {
		if s.Event != key {
			continue
		}
		for _, l := range s.Lines {
			if l.Rule == "poe.comment.reactions" {
				return l
			}
		}
	}
	t.Fatalf("no reactions line for %s in %v", key, scores)
	return plaudit.Line{}
}

func input(l plaudit.Line, name string) string {
	for _, in := range l.Inputs {
		if in.Name == name {
			return in.Value
		}
	}
	return ""
}

// TestPoEReactionReputation: under PoE a like from a pre-trusted member is worth more than a like from a
// fresh account nobody trusts (with the old constant 0.5 both earned 1.5 points), and the reaction line
// names each reactor with the reputation it was weighed at and what it added.
func TestPoEReactionReputation(t *testing.T) {
	p := mustPreset(t, "poe")
	scores, _, err := score.Run(p, repStream(), nil)
	if err != nil {
		t.Fatal(err)
	}
	trusted, fresh := reactionLine(t, scores, "discord/c1"), reactionLine(t, scores, "discord/c2")
	if trusted.Points <= fresh.Points {
		t.Fatalf("a pre-trusted member's like earns %s, a fresh account's %s: want more", trusted.Points, fresh.Points)
	}
	if fresh.Points != 0 || input(fresh, "reactor") != "syb" || input(fresh, "reputation") != "0" || input(fresh, "added") != "0" {
		t.Fatalf("fresh account's like: %s points, inputs %v", fresh.Points, fresh.Inputs)
	}
	if input(trusted, "reactor") != "pat" || input(trusted, "reputation") == "" || input(trusted, "reputation") == score.DefaultReputation.String() {
		t.Fatalf("pre-trusted member's like: inputs %v", trusted.Inputs)
	}
	if input(trusted, "added") != trusted.Points.String() {
		t.Fatalf("added %s, line points %s", input(trusted, "added"), trusted.Points)
	}

	// The constant reputation of old weighs both the same.
	old, _, err := score.Run(p, repStream(), score.ConstantReputation(score.DefaultReputation))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := reactionLine(t, old, "discord/c1").Points, reactionLine(t, old, "discord/c2").Points; a != b {
		t.Fatalf("constant reputation: %s vs %s", a, b)
	}
}

// TestEpochReputationFromBeforeStart: the reputation scoring reads in an epoch comes only from events
// before the epoch's start. Pat's likes of syb's messages within the epoch leave syb's weight in it at 0;
// the same likes a week earlier raise it. And the scores are the same whether the stream is scored whole
// or streamed with Add.
func TestEpochReputationFromBeforeStart(t *testing.T) {
	p := mustPreset(t, "poe")
	base := repStream()
	praise := func(at time.Duration) []plaudit.Event {
		var out []plaudit.Event
		for i, id := range []string{"s1", "s2", "s3"} {
			at := at + time.Duration(i)*time.Minute
			out = append(out,
				d(id, plaudit.KindPost, "s", "", "", at, "a message from syb", nil),
				d("like-"+id, plaudit.KindLike, "p", id, "s", at+time.Second, "", nil),
				d("re-"+id, plaudit.KindReply, "p", id, "s", at+2*time.Second, "pat answers syb at some length here", nil))
		}
		return out
	}
	run := func(events []plaudit.Event) []plaudit.Score {
		t.Helper()
		scores, _, err := score.Run(p, events, nil)
		if err != nil {
			t.Fatal(err)
		}
		return scores
	}
	within := append(append([]plaudit.Event{}, base...), praise(2*time.Minute)...) // same epoch, before c2's like
	before := append(praise(-4*day), base...)                                      // the week before
	// syb must exist before the praise can reach them: link them the week before too.
	before = append([]plaudit.Event{d("l-syb0", plaudit.KindLink, "s", "", "", -7*day, "", map[string]any{"member": "syb"})}, before...)

	if got := reactionLine(t, run(within), "discord/c2"); got.Points != 0 || input(got, "reputation") != "0" {
		t.Fatalf("trust given within the epoch counted in it: %s points, inputs %v", got.Points, got.Inputs)
	}
	if got := reactionLine(t, run(before), "discord/c2"); got.Points == 0 {
		t.Fatalf("trust given the week before did not count: inputs %v", got.Inputs)
	}

	// Streaming the same events one by one gives the same reputation weights (the reaction lines are
	// where they enter; a streamed comment has seen only the likes before it, so score the likes' targets
	// again at the end through a whole pass over the engine's stream).
	whole := run(within)
	_, en, err := score.RunEngine(p, within[:4], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var streamed []plaudit.Score
	for i := 4; i < len(within); i++ {
		streamed = append(streamed, en.Add(&within[i])...)
	}
	if err := en.Err(); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"discord/c1", "discord/c2"} {
		w, s := scoreOf(whole, key), scoreOf(streamed, key)
		if input(linesOf(w, "poe.reputation"), "reputation") != input(linesOf(s, "poe.reputation"), "reputation") {
			t.Fatalf("%s: author's reputation whole %v, streamed %v", key, w.Lines, s.Lines)
		}
	}
}

func scoreOf(scores []plaudit.Score, key string) plaudit.Score {
	for _, s := range scores {
		if s.Event == key {
			return s
		}
	}
	return plaudit.Score{}
}

func linesOf(s plaudit.Score, rule string) plaudit.Line {
	for _, l := range s.Lines {
		if l.Rule == rule {
			return l
		}
	}
	return plaudit.Line{}
}

// TestTieredReputationSwitch: with params.reputation the tiered scorer prices a like by the tier times the
// engager's epoch reputation; the switch changes the policy's hash; off, the tier alone prices it.
func TestTieredReputationSwitch(t *testing.T) {
	off := mustPreset(t, "tiered")
	src := string(off.YAML())
	if strings.Contains(src, "      reputation:") {
		t.Fatalf("the switch, off, is in the canonical tiered policy: policies that do not use it would change hash:\n%s", src)
	}
	on := strings.Replace(src, "    params:\n", "    params:\n      reputation: true\n", 1)
	if on == src {
		t.Fatalf("no params in the canonical tiered policy:\n%s", src)
	}
	pon, err := policy.Parse([]byte(on), "tiered-reputation")
	if err != nil {
		t.Fatal(err)
	}
	if pon.Hash() == off.Hash() {
		t.Fatal("the reputation switch does not change the policy hash")
	}
	link := func(id, acct, member, kind string, at time.Duration) plaudit.Event {
		return x(id, plaudit.KindLink, acct, "", "", at, map[string]any{"member": member, "member_kind": kind})
	}
	events := []plaudit.Event{
		link("l1", "p1", "pat", string(plaudit.MemberProject), -7*day),
		link("l2", "a1", "ann", string(plaudit.MemberCommunity), -7*day),
		link("l3", "s1", "syb", string(plaudit.MemberCommunity), time.Minute),
		// Before the epoch: pat replies to ann, so the epoch's reputation is EigenTrust's (pat and ann
		// trusted, syb unreached) and not the first epoch's pre-trust (where syb would weigh the neutral 0.5).
		x("h", plaudit.KindReply, "p1", "old", "a1", -2*day, nil),
		x("s", plaudit.KindSubmit, "a1", "post", "a1", time.Hour, nil),
		x("lp", plaudit.KindLike, "p1", "post", "a1", 2*time.Hour, nil),
		x("ls", plaudit.KindLike, "s1", "post", "a1", 2*time.Hour, nil),
	}
	pts := func(scores []plaudit.Score) map[string]plaudit.Points {
		out := map[string]plaudit.Points{}
		for _, s := range scores {
			out[s.Member] += s.Points
		}
		return out
	}
	a, _, err := score.Run(off, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := score.Run(pon, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := pts(b); got["syb"] != 0 || got["pat"] < plaudit.PointsFromInt(1)/2 || got["pat"] > plaudit.PointsFromInt(1) {
		t.Fatalf("with reputation: %v, want pat (trusted, at or above the median) between 0.5 and 1, syb (unreached) 0", got)
	}
	if got := pts(a); got["syb"] != plaudit.PointsFromInt(1) || got["pat"] != plaudit.PointsFromInt(1) {
		t.Fatalf("without reputation: %v", got)
	}
}

// TestCastEngagerReputation: with the cast scorer's reputation param, a cast's likes are counted from the
// log's like events weighed by the likers' reputation (a pre-trusted member 1, a fresh account 0) instead
// of the platform's likes_count; off, the platform's count scores as the seed says.
func TestCastEngagerReputation(t *testing.T) {
	off := mustPreset(t, "cast")
	src := string(off.YAML())
	on := strings.Replace(src, "    params:\n", "    params:\n      reputation: true\n", 1)
	if on == src {
		t.Fatalf("no reputation param in the canonical cast policy:\n%s", src)
	}
	pon, err := policy.Parse([]byte(on), "cast-reputation")
	if err != nil {
		t.Fatal(err)
	}
	if pon.Hash() == off.Hash() {
		t.Fatal("the reputation param does not change the policy hash")
	}
	fc := func(id string, k plaudit.Kind, fid, target string, at time.Duration, attrs map[string]any) plaudit.Event {
		return plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: id, Kind: k, Actor: fid, Target: target, Time: t0.Add(at), Attrs: attrs,
			Content: "a cast about the new reputation scores and how they are computed"}
	}
	link := func(fid, member, kind string, at time.Duration) plaudit.Event {
		return fc("link-"+fid, plaudit.KindLink, fid, "", at, map[string]any{"member": member, "member_kind": kind})
	}
	events := []plaudit.Event{
		link("1", "pat", string(plaudit.MemberProject), -7*day),
		link("2", "ann", string(plaudit.MemberCommunity), -7*day),
		link("3", "syb", string(plaudit.MemberCommunity), time.Minute),
		// Before the epoch pat replies to ann: the epoch's reputation is EigenTrust's, syb unreached.
		fc("0xc0", plaudit.KindPost, "2", "", -3*day, nil),
		withAuthor(fc("0xr0", plaudit.KindReply, "1", "0xc0", -2*day, nil), "2"),
		fc("0xc1", plaudit.KindPost, "2", "", time.Hour, map[string]any{"likes_count": json.Number("10")}),
		fc("like-1", plaudit.KindLike, "1", "0xc1", 2*time.Hour, nil),
		fc("like-3", plaudit.KindLike, "3", "0xc1", 2*time.Hour, nil),
	}
	likesLine := func(p *policy.Policy) plaudit.Line {
		t.Helper()
		scores, _, err := score.Run(p, events, nil)
		if err != nil {
			t.Fatal(err)
		}
		return linesOf(scoreOf(scores, "farcaster/0xc1"), "cast.ci.likes")
	}
	if l := likesLine(off); l.Points != plaudit.PointsFromInt(20) || input(l, "likes") != "10" {
		t.Fatalf("platform count: %+v", l)
	}
	l := likesLine(pon)
	if input(l, "likes") != "1" {
		t.Fatalf("reputation-weighted likes (pat about 1 + syb 0): %+v", l)
	}
	events = events[:len(events)-1] // without syb's like: the same line
	if again := likesLine(pon); !reflect.DeepEqual(again, l) {
		t.Fatalf("syb's like changed the line: %+v, without it %+v", l, again)
	}
}

// withAuthor returns e with its target's author set.
func withAuthor(e plaudit.Event, author string) plaudit.Event {
	e.TargetAuthor = author
	return e
}
