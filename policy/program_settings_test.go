package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/ledger"
	"github.com/plaudit/plaudit/policy"
)

// TestFlowStyleParams: a flow-style mapping under params ({…}, as docs/scoring.md writes it) means the same
// as block style, for scorers decoded by reflection and for the conversation scorer's own decoder (which
// used to take the re-encoded "{…}" for JSON and fail).
func TestFlowStyleParams(t *testing.T) {
	for _, tc := range []struct{ flow, block string }{
		{"name: t\nscorers:\n  - scorer: conversation\n    sources: [github]\n    params: {incentives: {requirePriceLabel: false}}\n",
			"name: t\nscorers:\n  - scorer: conversation\n    sources: [github]\n    params:\n      incentives:\n        requirePriceLabel: false\n"},
		{"name: t\nscorers:\n  - scorer: tiered\n    params: {tiers: [{tier: 1, like: 1, repost: 2, reply: 3}]}\n",
			"name: t\nscorers:\n  - scorer: tiered\n    params:\n      tiers:\n        - tier: 1\n          like: 1\n          repost: 2\n          reply: 3\n"},
	} {
		f, err := policy.Parse([]byte(tc.flow), "flow.yml")
		if err != nil {
			t.Fatalf("flow style: %v", err)
		}
		b, err := policy.Parse([]byte(tc.block), "block.yml")
		if err != nil {
			t.Fatalf("block style: %v", err)
		}
		if f.Hash() != b.Hash() {
			t.Errorf("flow style hashes to %s, block style to %s", f.Hash(), b.Hash())
		}
	}
}

// TestEveryErrorInLineOrder: a negative pool (a decoding error) no longer hides the problems found by
// validation, and the errors come in line order.
func TestEveryErrorInLineOrder(t *testing.T) {
	doc := "name: t\nversion: 0\nprogram:\n  period: yearly\n  pool:\n    amount: -5\n  unspent: burn\nscorers:\n  - scorer: tiered\n    weight: 0\n"
	_, err := policy.Parse([]byte(doc), "p.yml")
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err %v, want a ValidationError", err)
	}
	var got []string
	for _, e := range ve.Errors {
		got = append(got, e.Field)
	}
	want := []string{"version", "program.period", "program.pool.amount", "program.unspent", "scorers[0].weight"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("errors for %v, want %v:\n%v", got, want, err)
	}
	for i := 1; i < len(ve.Errors); i++ {
		if ve.Errors[i].Line < ve.Errors[i-1].Line {
			t.Fatalf("errors out of line order: %v", err)
		}
	}
}

// TestPoolAboveUint256: a pool or a minimum payout above 2^256−1 cannot be carried by a Merkle leaf, so
// it is refused when the policy is validated rather than at every close.
func TestPoolAboveUint256(t *testing.T) {
	max := policy.MaxUint256.String()
	over := "115792089237316195423570985008687907853269984665640564039457584007913129639936" // 2^256
	ok := "name: t\nprogram:\n  pool:\n    token: USDC\n    amount: " + max + "\nscorers:\n  - scorer: tiered\n"
	if _, err := policy.Parse([]byte(ok), "p.yml"); err != nil {
		t.Fatalf("pool of 2^256−1: %v", err)
	}
	for field, doc := range map[string]string{
		"program.pool.amount": "name: t\nprogram:\n  pool:\n    token: USDC\n    amount: " + over + "\nscorers:\n  - scorer: tiered\n",
		"program.min_payout":  "name: t\nprogram:\n  min_payout: " + over + "\nscorers:\n  - scorer: tiered\n",
	} {
		_, err := policy.Parse([]byte(doc), "p.yml")
		var ve *plaudit.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != field || !strings.Contains(ve.Errors[0].Reason, "2^256") {
			t.Errorf("%s of 2^256: %v", field, err)
		}
	}
}

// TestGovernanceSettings: the governance model and cooldown are program settings with defaults (aswg,
// 6mo), validated, written in canonical form, and part of the hash.
func TestGovernanceSettings(t *testing.T) {
	p, err := policy.Parse([]byte(base), "t.yml")
	if err != nil {
		t.Fatal(err)
	}
	if g := p.Program.Governance; g.Model != ledger.ModelASWG || g.Cooldown != "6mo" {
		t.Fatalf("default governance %+v", g)
	}
	o, err := policy.Parse([]byte("name: test\nprogram:\n  governance: {model: other, cooldown: 182d}\nscorers:\n  - scorer: tiered\n"), "o.yml")
	if err != nil {
		t.Fatal(err)
	}
	if o.Hash() == p.Hash() {
		t.Error("the governance model does not change the hash")
	}
	if g := o.Program.Governance.Ledger(); g.Model != ledger.ModelOther || g.Cooldown.String() != "182d" {
		t.Errorf("ledger rules %+v", g)
	}
	for field, doc := range map[string]string{
		"program.governance.model":    "name: t\nprogram:\n  governance:\n    model: dao\nscorers:\n  - scorer: tiered\n",
		"program.governance.cooldown": "name: t\nprogram:\n  governance:\n    cooldown: soon\nscorers:\n  - scorer: tiered\n",
	} {
		_, err := policy.Parse([]byte(doc), "p.yml")
		var ve *plaudit.ValidationError
		if !errors.As(err, &ve) || ve.Errors[0].Field != field || ve.Errors[0].Line != 4 {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// TestDefaultPresetPriceScale: the default preset scales the conversation scorer (US dollars: task prices,
// comment and review rewards) to 1 point per $5, so that a $900 task is 180 points, not 900.
func TestDefaultPresetPriceScale(t *testing.T) {
	p, err := policy.Load("preset:default")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Scorers {
		if s.Scorer == "conversation" {
			if got := s.Weight.Apply(plaudit.PointsFromInt(900)); got != plaudit.PointsFromInt(180) {
				t.Fatalf("a $900 task under the default preset: %s points, want 180 (weight %s)", got, s.Weight)
			}
			return
		}
	}
	t.Fatal("the default preset has no conversation scorer")
}

// baseHashBeforeGovernance is base's hash as the build before program.governance computed it.
const baseHashBeforeGovernance = "sha256:289d7c273ddcd776be0b163621cc2231c7ea2f27e10ff9246314ac876e05117e"

// TestDefaultGovernanceKeepsHashes: a policy that leaves program.governance out, or spells the defaults
// out, hashes as it did before the setting existed — so the stored policies of closed epochs still load by
// their hash — while any other setting changes the hash.
func TestDefaultGovernanceKeepsHashes(t *testing.T) {
	p, err := policy.Parse([]byte(base), "t.yml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Hash() != baseHashBeforeGovernance {
		t.Errorf("base hashes to %s, before program.governance it hashed to %s", p.Hash(), baseHashBeforeGovernance)
	}
	spelled, err := policy.Parse([]byte("name: test\nprogram:\n  governance: {model: aswg, cooldown: 6mo}\nscorers:\n  - scorer: tiered\n"), "s.yml")
	if err != nil || spelled.Hash() != p.Hash() {
		t.Errorf("the defaults spelled out hash to %v (%v), want %s", spelled.Hash(), err, p.Hash())
	}
	if strings.Contains(string(p.YAML()), "governance") {
		t.Errorf("the effective policy shows the default governance:\n%s", p.YAML())
	}
}
