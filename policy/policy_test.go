package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	_ "github.com/plaudit/plaudit/score" // registers the built-in scorers
	"github.com/plaudit/plaudit/score/tiered"
)

func TestPresets(t *testing.T) {
	names := policy.PresetNames()
	for _, want := range []string{"cast", "conversation", "default", "poe", "tiered"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("preset %s missing from %v", want, names)
		}
	}
	for _, name := range names {
		p, err := policy.Load("preset:" + name)
		if err != nil {
			t.Fatalf("preset %s: %v", name, err)
		}
		if !strings.HasPrefix(p.Hash(), "sha256:") || len(p.Hash()) != 71 {
			t.Errorf("preset %s: hash %q", name, p.Hash())
		}
		// The effective document parses back to the same policy.
		q, err := policy.Parse(p.YAML(), "show")
		if err != nil {
			t.Fatalf("preset %s: effective YAML does not parse: %v\n%s", name, err, p.YAML())
		}
		if q.Hash() != p.Hash() {
			t.Errorf("preset %s: effective YAML hashes to %s, want %s", name, q.Hash(), p.Hash())
		}
		if d := policy.Diff(p, q); len(d) != 0 {
			t.Errorf("preset %s: diff with itself %v", name, d)
		}
	}
	if _, err := policy.Load("preset:nope"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		t.Errorf("unknown preset: %v", err)
	}
}

const base = `
name: test
scorers:
  - scorer: tiered
`

func TestDefaults(t *testing.T) {
	p, err := policy.Parse([]byte(base), "t.yml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != 1 || p.Program.Name != "test" || p.Program.Period != "weekly" || p.Program.Unspent != "carry" ||
		p.Program.Pool.Decimals != 18 || p.Program.Pool.Amount.Sign() != 0 || p.Program.MinPayout.Sign() != 0 {
		t.Errorf("defaults %+v", p.Program)
	}
	s := p.Scorers[0]
	if len(s.Sources) != 1 || s.Sources[0] != plaudit.SourceX || len(s.Kinds) != 4 {
		t.Errorf("scorer defaults %+v", s)
	}
	tp := s.Params.(*tiered.Params)
	if len(tp.Tiers) != 3 || tp.Tiers[2].Reply != plaudit.PointsFromInt(9) {
		t.Errorf("tiered defaults %+v", tp)
	}
}

func TestHashIgnoresLayout(t *testing.T) {
	a, err := policy.Parse([]byte(base), "a")
	if err != nil {
		t.Fatal(err)
	}
	same := []string{
		"# a comment\nname: test   # trailing\nscorers:\n- scorer: tiered\n",
		"scorers: [{scorer: tiered}]\nname: test\n",
		"name: test\nversion: 1\nscorers:\n  - scorer: tiered\n    params: {window: 24h}\n",
		"name: test\nscorers:\n  - scorer: tiered\n    params:\n      window: 1440m\n",
		"name: test\nscorers:\n  - scorer: tiered\n    weight: 1.0\n",
	}
	for _, doc := range same {
		b, err := policy.Parse([]byte(doc), "b")
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if b.Hash() != a.Hash() {
			t.Errorf("%q hashes to %s, want %s", doc, b.Hash(), a.Hash())
		}
	}
	different := []string{
		"name: test\nversion: 2\nscorers:\n  - scorer: tiered\n",
		"name: test\nscorers:\n  - scorer: tiered\n    params: {window: 25h}\n",
		"name: test\nscorers:\n  - scorer: tiered\n    weight: 0.5\n",
		"name: test\nscorers:\n  - scorer: tiered\n    params: {tiers: [{tier: 1, like: 1.5, repost: 2, reply: 3}]}\n",
		"name: test\nprogram: {fee_rate: 0.01, treasury: '0x0000000000000000000000000000000000000001'}\nscorers:\n  - scorer: tiered\n",
	}
	for _, doc := range different {
		b, err := policy.Parse([]byte(doc), "b")
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if b.Hash() == a.Hash() {
			t.Errorf("%q hashes like the base", doc)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		line  int
		field string
		want  string
	}{
		{"syntax", "name: [\n", 1, "", "YAML syntax"},
		{"empty", "", 0, "", "empty document"},
		{"two documents", base + "---\nname: x\n", 5, "", "more than one"},
		{"unknown top field", "name: t\nscorer: tiered\n", 2, "scorer", "unknown field"},
		{"missing name", "scorers:\n  - scorer: tiered\n", 0, "name", "missing"},
		{"bad name", "name: Test Policy\nscorers:\n  - scorer: tiered\n", 1, "name", "lower-case"},
		{"version zero", "name: t\nversion: 0\nscorers:\n  - scorer: tiered\n", 2, "version", "1 or more"},
		{"version not int", "name: t\nversion: one\nscorers:\n  - scorer: tiered\n", 2, "version", "whole number"},
		{"no scorers", "name: t\n", 0, "scorers", "at least one"},
		{"unknown scorer", "name: t\nscorers:\n  - scorer: tierd\n", 3, "scorers[0].scorer", "unknown scorer"},
		{"missing scorer", "name: t\nscorers:\n  - kinds: [like]\n", 0, "scorers[0].scorer", "missing"},
		{"duplicate scorer", "name: t\nscorers:\n  - scorer: tiered\n  - scorer: tiered\n", 4, "scorers[1].scorer", "twice"},
		{"unknown source", "name: t\nscorers:\n  - scorer: tiered\n    sources: [twitter]\n", 4, "scorers[0].sources[0]", "unknown source"},
		{"unknown kind", "name: t\nscorers:\n  - scorer: tiered\n    kinds: [liek]\n", 4, "scorers[0].kinds[0]", "unknown kind"},
		{"empty kinds", "name: t\nscorers:\n  - scorer: tiered\n    kinds: []\n", 4, "scorers[0].kinds", "empty"},
		{"weight zero", "name: t\nscorers:\n  - scorer: tiered\n    weight: 0\n", 4, "scorers[0].weight", "more than 0"},
		{"weight too big", "name: t\nscorers:\n  - scorer: tiered\n    weight: 101\n", 4, "scorers[0].weight", "at most 100"},
		{"unknown param", "name: t\nscorers:\n  - scorer: tiered\n    params:\n      windw: 1h\n", 5, "scorers[0].params.windw", "unknown field"},
		{"bad duration", "name: t\nscorers:\n  - scorer: tiered\n    params:\n      window: 1 day\n", 5, "scorers[0].params.window", "duration"},
		{"bad points", "name: t\nscorers:\n  - scorer: tiered\n    params:\n      tiers:\n        - {tier: 1, like: 0.0000001}\n", 6, "scorers[0].params.tiers[0].like", "6 fractional"},
		{"params validate", "name: t\nscorers:\n  - scorer: tiered\n    params:\n      tiers:\n        - {tier: 2}\n", 6, "scorers[0].params.tiers[0].tier", "tier 1"},
		{"weights sum", "name: t\nscorers:\n  - scorer: cast\n    params:\n      weights: {communication_quality: 0.5}\n", 5, "scorers[0].params.weights", "sum to 1"},
		{"list for mapping", "name: t\nprogram: [1]\nscorers:\n  - scorer: tiered\n", 2, "program", "want a mapping"},
		{"bad period", "name: t\nprogram: {period: yearly}\nscorers:\n  - scorer: tiered\n", 2, "program.period", "daily"},
		{"amount fraction", "name: t\nprogram: {pool: {token: USDC, amount: 1.5}}\nscorers:\n  - scorer: tiered\n", 2, "program.pool.amount", "whole number"},
		{"amount needs token", "name: t\nprogram:\n  pool:\n    amount: 1000\nscorers:\n  - scorer: tiered\n", 4, "program.pool.token", "needs a token"},
		{"decimals", "name: t\nprogram:\n  pool: {decimals: 40}\nscorers:\n  - scorer: tiered\n", 3, "program.pool.decimals", "0 to 36"},
		{"cap over 1", "name: t\nprogram:\n  cap: 1.5\nscorers:\n  - scorer: tiered\n", 3, "program.cap", "up to 1"},
		{"fee rate 1", "name: t\nprogram:\n  fee_rate: 1\n  treasury: '0x0000000000000000000000000000000000000001'\nscorers:\n  - scorer: tiered\n", 3, "program.fee_rate", "not including 1"},
		{"fee needs treasury", "name: t\nprogram:\n  fee_rate: 0.05\nscorers:\n  - scorer: tiered\n", 3, "program.treasury", "missing"},
		{"bad treasury", "name: t\nprogram:\n  treasury: 0x12\nscorers:\n  - scorer: tiered\n", 3, "program.treasury", "0x address"},
		{"bad unspent", "name: t\nprogram:\n  unspent: burn\nscorers:\n  - scorer: tiered\n", 3, "program.unspent", "carry"},
		{"fee exempt twice", "name: t\nprogram:\n  fee_exempt: [USDC, usdc]\nscorers:\n  - scorer: tiered\n", 3, "program.fee_exempt[1]", "twice"},
		{"bool", "name: t\nprogram:\n  x_payouts: yes\nscorers:\n  - scorer: tiered\n", 3, "program.x_payouts", "true or false"},
		{"alias", "name: &n t\ndescription: *n\nscorers:\n  - scorer: tiered\n", 2, "description", "aliases"},
		{"duplicate key", "name: t\nname: u\nscorers:\n  - scorer: tiered\n", 2, "name", "given twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := policy.Parse([]byte(tc.doc), "p.yml")
			var ve *plaudit.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err %v, want a ValidationError", err)
			}
			if !policy.IsInvalid(err) {
				t.Error("IsInvalid false")
			}
			fe := ve.Errors[0]
			if fe.Line != tc.line || fe.Field != tc.field || !strings.Contains(fe.Reason, tc.want) {
				t.Errorf("got line %d field %q reason %q; want line %d field %q reason containing %q", fe.Line, fe.Field, fe.Reason, tc.line, tc.field, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "p.yml: ") {
				t.Errorf("error does not name the input: %v", err)
			}
		})
	}
}

func TestAllErrorsReported(t *testing.T) {
	doc := "name: t\nprogram:\n  period: yearly\n  unspent: burn\nscorers:\n  - scorer: tiered\n"
	_, err := policy.Parse([]byte(doc), "p.yml")
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 2 {
		t.Fatalf("err %v, want two problems", err)
	}
}

func TestDiff(t *testing.T) {
	a, _ := policy.Parse([]byte(base), "a")
	b, err := policy.Parse([]byte("name: test\nversion: 2\nscorers:\n  - scorer: tiered\n    params:\n      tiers:\n        - {tier: 1, like: 1, repost: 2, reply: 3}\n        - {tier: 2, like: 5, repost: 4, reply: 6}\n"), "b")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := policy.WriteDiff(&out, policy.Diff(a, b)); err != nil {
		t.Fatal(err)
	}
	want := "~ version: 1 → 2\n~ scorers[0].params.tiers[1].like: 2 → 5\n- scorers[0].params.tiers[2].tier: 3\n- scorers[0].params.tiers[2].like: 3\n- scorers[0].params.tiers[2].repost: 6\n- scorers[0].params.tiers[2].reply: 9\n"
	if out.String() != want {
		t.Errorf("diff:\n%s\nwant:\n%s", out.String(), want)
	}
	c, _ := policy.Parse([]byte("name: test\ndescription: now described\nscorers:\n  - scorer: tiered\n"), "c")
	out.Reset()
	policy.WriteDiff(&out, policy.Diff(a, c))
	if out.String() != "~ description: \"\" → now described\n" {
		t.Errorf("diff from empty: %q", out.String())
	}
}

func TestApplies(t *testing.T) {
	p, _ := policy.Preset("default")
	cases := []struct {
		src  plaudit.Source
		kind plaudit.Kind
		want string
	}{
		{plaudit.SourceX, plaudit.KindLike, "tiered"},
		{plaudit.SourceX, plaudit.KindPost, "dem"},
		{plaudit.SourceX, plaudit.KindQuote, "dem"},
		{plaudit.SourceX, plaudit.KindReply, "tiered"},
		{plaudit.SourceFarcaster, plaudit.KindReply, "cast"},
		{plaudit.SourceDiscord, plaudit.KindReply, "poe"},
		{plaudit.SourceDiscord, plaudit.KindLike, ""},
		{plaudit.SourceGitHub, plaudit.KindComment, "conversation"},
		{plaudit.SourceGitHub, "pull_request", "conversation"},
	}
	for _, c := range cases {
		got := ""
		for i := range p.Scorers {
			if p.Scorers[i].Applies(c.src, c.kind) {
				if got != "" {
					t.Errorf("%s/%s scored twice", c.src, c.kind)
				}
				got = p.Scorers[i].Scorer
			}
		}
		if got != c.want {
			t.Errorf("%s/%s: %q, want %q", c.src, c.kind, got, c.want)
		}
	}
}
