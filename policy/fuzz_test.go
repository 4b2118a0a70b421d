package policy_test

import (
	"errors"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
)

// FuzzParse checks that any document either fails with a validation error or gives a policy whose
// effective form parses back to the same hash.
func FuzzParse(f *testing.F) {
	for _, name := range policy.PresetNames() {
		src, err := policy.PresetSource(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(base))
	f.Add([]byte("name: t\nprogram: {pool: {token: X, amount: 99999999999999999999999999}, fee_rate: 0.5, treasury: '0x0000000000000000000000000000000000000001'}\nscorers:\n  - scorer: poe\n    weight: 2.5\n    params: {comment: {spam_phrases: [a]}}\n"))
	f.Add([]byte("name: t\nscorers:\n  - scorer: cast\n    params: {weights: {communication_quality: 1, community_impact: 0, consistency: 0, active_campaign: 0}, target: {fid: 3, username: x}}\n"))
	f.Add([]byte("name: t\nscorers:\n  - scorer: conversation\n    params: {incentives: {}}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("name: t\nscorers: [{scorer: tiered, params: {tiers: [{tier: 1}, {tier: 3, like: 0.000001}]}}]\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := policy.Parse(doc, "fuzz.yml")
		if err != nil {
			var ve *plaudit.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("error %v is not a validation error", err)
			}
			return
		}
		q, err := policy.Parse(p.YAML(), "shown.yml")
		if err != nil {
			t.Fatalf("effective policy does not parse: %v\n%s", err, p.YAML())
		}
		if q.Hash() != p.Hash() {
			t.Fatalf("effective policy hashes to %s, want %s\n%s", q.Hash(), p.Hash(), p.YAML())
		}
	})
}
