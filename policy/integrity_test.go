package policy_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/integrity"
	"github.com/plaudit/plaudit/policy"
)

const integrityBase = `name: t
version: 1
scorers:
  - scorer: poe
    sources: [discord]
    kinds: [comment]
`

func TestIntegrityDefaults(t *testing.T) {
	bare, err := policy.Parse([]byte(integrityBase), "bare.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(bare.Integrity.Options(), integrity.DefaultOptions()) {
		t.Errorf("options of a policy without an integrity section:\n%+v\nwant %+v", bare.Integrity.Options(), integrity.DefaultOptions())
	}
	// Writing the defaults out changes nothing, not even the hash.
	explicit, err := policy.Parse([]byte(integrityBase+"integrity:\n  collusion: true\n  checks:\n    flag_share: 0.4\n    spam_corpus: []\n  moderation:\n    penalty: 0.5\n"), "explicit.yml")
	if err != nil {
		t.Fatal(err)
	}
	if explicit.Hash() != bare.Hash() {
		t.Errorf("explicit defaults hash to %s, want %s", explicit.Hash(), bare.Hash())
	}
	// The effective form prints the section and parses back to the same hash.
	if !strings.Contains(string(bare.YAML()), "\nintegrity:\n") {
		t.Errorf("effective YAML has no integrity section:\n%s", bare.YAML())
	}
	if again, err := policy.Parse(bare.YAML(), "show"); err != nil || again.Hash() != bare.Hash() {
		t.Errorf("effective YAML: %v, hash %v", err, again)
	}
}

func TestIntegrityTuned(t *testing.T) {
	doc := integrityBase + `integrity:
  sybil: false
  checks:
    velocity:
      - kind: like
        window: 10m
        max: 5
    diminish_factor: 0.25
  moderation:
    penalty: 0.8
    penalty_epochs: 2
`
	p, err := policy.Parse([]byte(doc), "tuned.yml")
	if err != nil {
		t.Fatal(err)
	}
	o := p.Integrity.Options()
	if o.Sybil || !o.Collusion || !o.Reputation || o.Checks.DiminishFactor != 250_000 ||
		!reflect.DeepEqual(o.Checks.Velocity, []integrity.Limit{{Kind: plaudit.KindLike, Window: 10 * time.Minute, Max: 5}}) {
		t.Errorf("options %+v", o)
	}
	if o.Checks.NearDuplicate != integrity.DefaultConfig().NearDuplicate {
		t.Errorf("a field not written lost its default: near_duplicate %s", o.Checks.NearDuplicate)
	}
	if m := p.Integrity.Moderation; m.Penalty != 800_000 || m.PenaltyEpochs != 2 || m.EventMultiplier != 0 {
		t.Errorf("moderation %+v", m)
	}
	bare, _ := policy.Parse([]byte(integrityBase), "bare.yml")
	if p.Hash() == bare.Hash() {
		t.Error("tuning integrity did not change the hash")
	}
	if again, err := policy.Parse(p.YAML(), "show"); err != nil || again.Hash() != p.Hash() {
		t.Errorf("effective YAML of a tuned policy: %v", err)
	}
}

func TestIntegrityInvalid(t *testing.T) {
	for _, c := range []struct{ section, field, reason string }{
		{"  checks:\n    velocity:\n      - kind: liek\n        window: 1m\n        max: 3\n", "integrity.checks.velocity[0].kind", "unknown kind"},
		{"  checks:\n    velocity:\n      - kind: like\n        window: 0s\n        max: 3\n", "integrity.checks.velocity[0].window", "positive duration"},
		{"  checks:\n    velocity:\n      - kind: like\n        window: 1m\n        max: 0\n", "integrity.checks.velocity[0].max", "1 or more"},
		{"  checks:\n    diminish_factor: 1.5\n", "integrity.checks.diminish_factor", "0 to 1"},
		{"  checks:\n    copy_min: -1\n", "integrity.checks.copy_min", "negative"},
		{"  checks:\n    copy_share: 1.01\n", "integrity.checks.copy_share", "0 to 1"},
		{"  checks:\n    diminish_window: -1h\n", "integrity.checks.diminish_window", "negative"},
		{"  checks:\n    spam_corpus: [\"\"]\n", "integrity.checks.spam_corpus[0]", "empty"},
		{"  moderation:\n    penalty: 2\n", "integrity.moderation.penalty", "0 to 1"},
		{"  moderation:\n    penalty_epochs: 0\n", "integrity.moderation.penalty_epochs", "1 to 520"},
		{"  collusion: maybe\n", "integrity.collusion", "true or false"},
		{"  colusion: true\n", "integrity.colusion", "unknown field"},
	} {
		_, err := policy.Parse([]byte(integrityBase+"integrity:\n"+c.section), "bad.yml")
		if !policy.IsInvalid(err) {
			t.Errorf("%s: error %v, want a validation error", c.field, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "field "+c.field+": ") || !strings.Contains(msg, c.reason) || !strings.Contains(msg, "line ") {
			t.Errorf("%s: %s", c.field, msg)
		}
	}
}

// TestIntegrityEveryFieldValidated sets every number of integrity.Config out of range in turn, so that a
// field added to the checks without a validation here fails this test.
func TestIntegrityEveryFieldValidated(t *testing.T) {
	ct := reflect.TypeFor[integrity.Config]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		var bad string
		switch {
		case f.Type == reflect.TypeFor[plaudit.Ratio]():
			bad = "1.5"
		case f.Type == reflect.TypeFor[time.Duration]():
			bad = "-1h"
		case f.Type.Kind() == reflect.Int:
			bad = "-1"
		default:
			continue
		}
		_, err := policy.Parse([]byte(integrityBase+"integrity:\n  checks:\n    "+tag+": "+bad+"\n"), "bad.yml")
		if !policy.IsInvalid(err) || !strings.Contains(err.Error(), "field integrity.checks."+tag+": ") {
			t.Errorf("integrity.checks.%s: %s: %v, want a validation error naming the field", tag, bad, err)
		}
	}
}
