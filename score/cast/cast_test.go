package cast

import (
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func words(n int) string {
	if n == 0 {
		return ""
	}
	return strings.TrimSpace(strings.Repeat("word ", n))
}

var t0 = time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)

func TestCommunicationQuality(t *testing.T) {
	tests := []struct {
		name string
		c    Cast
		want int
	}{
		{"empty text counts as one word", Cast{Text: ""}, 5},
		{"spaces only", Cast{Text: "   \n "}, 5},
		{"4 words", Cast{Text: words(4)}, 5},
		{"5 words", Cast{Text: words(5)}, 15},
		{"9 words", Cast{Text: words(9)}, 15},
		{"10 words", Cast{Text: words(10)}, 25},
		{"280 words", Cast{Text: words(280)}, 25},
		{"281 words", Cast{Text: words(281)}, 10},
		{"trimmed", Cast{Text: "  " + words(10) + "\n\n"}, 25},
		{"4 repeated chars no spam", Cast{Text: words(10) + " heyyyy"}, 25},
		{"5 repeated chars spam", Cast{Text: words(10) + " heyyyyy"}, 5},
		{"5 spaces are a run", Cast{Text: "a     b " + words(8)}, 5},
		{"line breaks aside", Cast{Text: words(10) + "\n\n\n\n\n\nend"}, 25},
		{"run broken by a line break", Cast{Text: words(10) + " aaa\naaa"}, 25},
		{"emoji 3 of 10 words: 0.3 not over", Cast{Text: words(7) + " 🚀 🚀 🚀"}, 25},
		{"emoji 4 of 10 words: over 0.3", Cast{Text: words(6) + " 🚀 🚀 🚀 🚀"}, 5},
		{"emoji outside range not counted", Cast{Text: words(6) + " ☀ ☀ ☀ ☀"}, 25},
		{"emoji U+1F9FF counted", Cast{Text: words(6) + " \U0001F9FF \U0001F9FF \U0001F9FF \U0001F9FF"}, 5},
		{"emoji U+1FA00 not counted", Cast{Text: words(6) + " \U0001FA00 \U0001FA00 \U0001FA00 \U0001FA00"}, 25},
		{"spam penalty once for both", Cast{Text: words(6) + " 🚀 🚀 🚀 🚀 aaaaaa"}, 5},
		{"question", Cast{Text: words(9) + " ok?"}, 40},
		{"thoughtful word", Cast{Text: "I think " + words(8)}, 45},
		{"thoughtful any case", Cast{Text: "WHY " + words(9)}, 45},
		{"thoughtful once", Cast{Text: "why how think " + words(7)}, 45},
		{"thoughtful whole word only", Cast{Text: "thinking " + words(9)}, 25},
		{"thoughtful with punctuation", Cast{Text: words(9) + " interesting!"}, 45},
		{"embeds", Cast{Text: words(10), Embeds: 1}, 35},
		{"farming in 3 words", Cast{Text: "gm ser fren"}, 0},
		{"farming in 2 words", Cast{Text: "gm everyone"}, 0},
		{"farming in 4 words not penalised", Cast{Text: "gm to you all"}, 5},
		{"farming needs whole word", Cast{Text: "gmx"}, 5},
		{"farming any case", Cast{Text: "LFG"}, 0},
		{"power badge", Cast{Text: words(10), PowerBadge: true}, 40},
		{"clamp high", Cast{Text: "Why do you think " + words(10) + "?", Embeds: 2, PowerBadge: true}, 85},
		{"clamp low", Cast{Text: "gmmmmm"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := scanText(tc.c.Text)
			if got := communicationQuality(&tc.c, &st, nil); got != tc.want {
				var lines []plaudit.Line
				communicationQuality(&tc.c, &st, &lines)
				t.Errorf("CQ = %d, want %d; lines %+v", got, tc.want, lines)
			}
		})
	}
}

func TestCommunityImpact(t *testing.T) {
	tests := []struct {
		name string
		c    Cast
		want int
	}{
		{"nothing", Cast{}, 5},
		{"likes 14", Cast{Likes: 14}, 33},
		{"likes 15 reach cap", Cast{Likes: 15}, 35},
		{"likes 100 capped", Cast{Likes: 100}, 35},
		{"recasts 7", Cast{Recasts: 7}, 40},
		{"recasts 8 cap", Cast{Recasts: 8}, 45},
		{"recasts huge", Cast{Recasts: 1 << 62}, 45},
		{"replies 9", Cast{Replies: 9}, 32},
		{"replies 10 cap", Cast{Replies: 11}, 35},
		{"followers 100", Cast{Followers: 100}, 5},
		{"followers 101", Cast{Followers: 101}, 10},
		{"followers 500", Cast{Followers: 500}, 10},
		{"followers 501", Cast{Followers: 501}, 15},
		{"followers 1000", Cast{Followers: 1000}, 15},
		{"followers 1001", Cast{Followers: 1001}, 20},
		{"channel", Cast{Channel: "farcaster"}, 15},
		{"seed example 94", Cast{Likes: 15, Recasts: 5, Replies: 3, Followers: 1200, Channel: "farcaster"}, 94},
		{"clamp", Cast{Likes: 15, Recasts: 8, Replies: 10, Followers: 5000, Channel: "x"}, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := communityImpact(&tc.c, nil); got != tc.want {
				t.Errorf("CI = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestConsistency(t *testing.T) {
	h := func(count int, ago time.Duration) History { return History{Count: count, Last: t0.Add(-ago)} }
	tests := []struct {
		name string
		h    History
		want int
	}{
		{"first cast", History{}, 50},
		{"1h59m", h(1, 2*time.Hour-time.Minute), 30},
		{"2h", h(1, 2*time.Hour), 70},
		{"5h59m", h(1, 6*time.Hour-time.Minute), 70},
		{"6h", h(1, 6*time.Hour), 80},
		{"48h", h(1, 48*time.Hour), 80},
		{"48h1m", h(1, 48*time.Hour+time.Minute), 60},
		{"168h", h(1, 168*time.Hour), 60},
		{"168h1m", h(1, 168*time.Hour+time.Minute), 40},
		{"out of order counts as too soon", h(1, -time.Hour), 30},
		{"count 5", h(5, 24*time.Hour), 80},
		{"count 6", h(6, 24*time.Hour), 85},
		{"count 10", h(10, 24*time.Hour), 85},
		{"count 11", h(11, 24*time.Hour), 90},
		{"count 20", h(20, 24*time.Hour), 90},
		{"count 21", h(21, 24*time.Hour), 95},
		{"count 50", h(50, 24*time.Hour), 95},
		{"count 51 clamps", h(51, 24*time.Hour), 100},
		{"seed spammer", h(3, time.Hour), 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Cast{Time: t0}
			if got := consistency(&c, tc.h, nil); got != tc.want {
				t.Errorf("Cons = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestActiveCampaign(t *testing.T) {
	target := Profile{FID: 99, Username: "shreyaspapi"}
	tests := []struct {
		name   string
		c      Cast
		target Profile
		want   int
	}{
		{"nothing", Cast{Text: "hello"}, target, 0},
		{"reply", Cast{Text: "hello", ParentHash: "0xabc"}, target, 50},
		{"mention by fid", Cast{Text: "hello", Mentioned: []Profile{{FID: 99}}}, target, 30},
		{"mention by username any case", Cast{Text: "hello", Mentioned: []Profile{{Username: "ShreyasPapi"}}}, target, 30},
		{"username in text any case", Cast{Text: "hey @SHREYASPAPI"}, target, 30},
		{"other mention", Cast{Text: "hello", Mentioned: []Profile{{FID: 7, Username: "bob"}}}, target, 0},
		{"no target: no mention bonus", Cast{Text: "hello", Mentioned: []Profile{{FID: 7}}}, Profile{}, 0},
		{"9 words", Cast{Text: words(9)}, target, 0},
		{"10 words", Cast{Text: words(10)}, target, 20},
		{"question", Cast{Text: "why?"}, target, 10},
		{"generic thanks reply", Cast{Text: " Thanks ", ParentHash: "0x1"}, target, 20},
		{"generic thank you", Cast{Text: "thank you", ParentHash: "0x1"}, target, 20},
		{"not generic with punctuation", Cast{Text: "thanks!", ParentHash: "0x1"}, target, 50},
		{"generic clamps at 0", Cast{Text: "nice"}, target, 0},
		{"seed high", Cast{Text: words(24) + "?", ParentHash: "0x1"}, target, 80},
		{"clamp 100", Cast{Text: "@shreyaspapi " + words(24) + "?", ParentHash: "0x1"}, target, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := scanText(tc.c.Text)
			if got := activeCampaign(&tc.c, &st, tc.target, nil); got != tc.want {
				t.Errorf("AC = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestTotal(t *testing.T) {
	p := DefaultParams()
	// CQ 85? Build: "gm ser": CQ = 5 − 30 → 0; CI 5; Cons 50; AC 0 → 0 + 1.5 + 10 + 0 = 11.5.
	r := Score(&Cast{Text: "gm ser", Time: t0}, History{}, p)
	if r.CommunicationQuality != 0 || r.CommunityImpact != 5 || r.Consistency != 50 || r.ActiveCampaign != 0 {
		t.Fatalf("metrics %+v", r)
	}
	if r.Total.String() != "11.5" {
		t.Errorf("total %s, want 11.5", r.Total)
	}
	// Odd weights exercise rounding half up: 0.333333·1 + … with metric values chosen to land on .005.
	p2 := &Params{Weights: Weights{CommunicationQuality: 5_000, CommunityImpact: 995_000}}
	r = Score(&Cast{Text: "word word word word word word word word word word", Time: t0}, History{}, p2) // CQ 25, CI 5
	// 0.005·25 + 0.995·5 = 0.125 + 4.975 = 5.1 exactly.
	if r.Total.String() != "5.1" {
		t.Errorf("total %s, want 5.1", r.Total)
	}
	p3 := &Params{Weights: Weights{CommunicationQuality: 1_000, CommunityImpact: 999_000}}
	r = Score(&Cast{Text: "word word word word word", Time: t0}, History{}, p3) // CQ 15, CI 5: 0.015 + 4.995 = 5.01
	if r.Total.String() != "5.01" {
		t.Errorf("total %s, want 5.01", r.Total)
	}
	p4 := &Params{Weights: Weights{CommunicationQuality: 100, CommunityImpact: 999_900}}
	r = Score(&Cast{Text: "word word word word word", Time: t0}, History{}, p4) // 0.0015 + 4.9995 = 5.001 → 5
	if r.Total.String() != "5" {
		t.Errorf("total %s, want 5", r.Total)
	}
	p5 := &Params{Weights: Weights{CommunicationQuality: 1_000, CommunityImpact: 999_000}}
	r = Score(&Cast{Text: "", Time: t0}, History{}, p5) // CQ 5, CI 5 → 5.000 ; check explain agrees with score
	e := Explain(&Cast{Text: "", Time: t0}, History{}, p5)
	if e.Total != r.Total || len(e.Lines) == 0 || e.Lines[len(e.Lines)-1].Points != r.Total {
		t.Errorf("explain total %s lines %d, score %s", e.Total, len(e.Lines), r.Total)
	}
}

func TestRoundHalfUp(t *testing.T) {
	// 0.004·25 = 0.1, 0.001·5 = 0.005 → CQ 25 weight 0.0002 = 0.005; CI 5 weight 0.9998 = 4.999 → 5.004 → 5
	// Direct: weights that give x.xx5 exactly must round up.
	p := &Params{Weights: Weights{CommunicationQuality: 200, CommunityImpact: 999_800}} // 25·0.0002=0.005, 5·0.9998=4.999 → 5.004
	r := Score(&Cast{Text: words(10), Time: t0}, History{}, p)
	if r.Total.String() != "5" {
		t.Errorf("total %s, want 5", r.Total)
	}
	p = &Params{Weights: Weights{CommunicationQuality: 200, Consistency: 999_800}} // 0.005 + 50·0.9998 = 49.995 → 50 (half up)
	r = Score(&Cast{Text: words(10), Time: t0}, History{}, p)
	if r.Total.String() != "50" {
		t.Errorf("total %s, want 50 (49.995 rounds half up)", r.Total)
	}
}

func TestTracker(t *testing.T) {
	tr := NewTracker(DefaultParams())
	c := &Cast{FID: 1, Text: words(10), Time: t0}
	if r := tr.Score(c, false); r.Consistency != 50 {
		t.Fatalf("first cast consistency %d", r.Consistency)
	}
	c2 := &Cast{FID: 1, Text: words(10), Time: t0.Add(time.Hour)}
	if r := tr.Score(c2, true); r.Consistency != 30 || len(r.Lines) == 0 {
		t.Fatalf("second cast consistency %d", r.Consistency)
	}
	c3 := &Cast{FID: 2, Text: words(10), Time: t0.Add(time.Hour)}
	if r := tr.Score(c3, false); r.Consistency != 50 {
		t.Fatalf("other author consistency %d", r.Consistency)
	}
}

func TestParamsValidate(t *testing.T) {
	p := DefaultParams()
	if errs := p.Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
	p.Weights.ActiveCampaign = 200_000
	errs := p.Validate()
	if len(errs) != 1 || errs[0].Field != "weights" {
		t.Fatalf("errs %v", errs)
	}
	p.Weights.ActiveCampaign = -1
	if errs := p.Validate(); len(errs) == 0 || errs[0].Field != "weights.active_campaign" {
		t.Fatalf("errs %v", errs)
	}
}

func TestWordLists(t *testing.T) {
	for _, w := range []string{"think", "believe", "consider", "interesting", "insightful", "perspective", "analysis", "understand", "explain", "why", "how"} {
		for _, v := range []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:]} {
			if th, f := classifyWord(v); th != w || f != "" {
				t.Errorf("%q: thoughtful %q farming %q", v, th, f)
			}
		}
	}
	for _, w := range []string{"gm", "gn", "ser", "fren", "lfg", "wagmi", "ngmi"} {
		if th, f := classifyWord(strings.ToUpper(w)); f != w || th != "" {
			t.Errorf("%q: thoughtful %q farming %q", w, th, f)
		}
	}
	for _, w := range []string{"", "g", "thinks", "gmi", "hows", "interestingly", "xx"} {
		if th, f := classifyWord(w); th != "" || f != "" {
			t.Errorf("%q matched %q %q", w, th, f)
		}
	}
}
