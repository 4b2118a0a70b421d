package policy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
)

const witnessBase = "name: t\nscorers:\n  - scorer: tiered\n"

// TestWitnessesOmittedKeepHash: a policy without witnesses hashes as it did before the section existed (its
// canonical form has no witnesses key), and listing witnesses changes the hash.
func TestWitnessesOmittedKeepHash(t *testing.T) {
	p, err := policy.Parse([]byte(witnessBase), "p.yml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Program.Witnesses.Enabled() {
		t.Fatal("witnesses enabled without addresses")
	}
	if c := canonicalText(t, p); strings.Contains(c, "witnesses") {
		t.Fatalf("canonical form mentions witnesses:\n%s", c)
	}
	w, err := policy.Parse([]byte(witnessBase+"program:\n  witnesses:\n    addresses: [\"0x1111111111111111111111111111111111111111\", \"0x2222222222222222222222222222222222222222\", \"0x3333333333333333333333333333333333333333\"]\n"), "w.yml")
	if err != nil {
		t.Fatal(err)
	}
	ws := w.Program.Witnesses
	if !ws.Enabled() || ws.Quorum != 2 || ws.DisputeWindow != 2*time.Hour {
		t.Fatalf("defaults: %+v, want quorum 2 (a majority of 3) and a 2h window", ws)
	}
	if w.Hash() == p.Hash() {
		t.Fatal("witnesses do not change the hash")
	}
}

// TestWitnessesErrors: bad witness settings are refused naming the field.
func TestWitnessesErrors(t *testing.T) {
	for _, tc := range []struct{ doc, field string }{
		{"program:\n  witnesses:\n    addresses: [\"0x12\"]\n", "program.witnesses.addresses[0]"},
		{"program:\n  witnesses:\n    addresses: [\"0x1111111111111111111111111111111111111111\"]\n    quorum: 2\n", "program.witnesses.quorum"},
		{"program:\n  witnesses:\n    addresses: [\"0x1111111111111111111111111111111111111111\", \"0x1111111111111111111111111111111111111111\"]\n", "program.witnesses.addresses[1]"},
		{"program:\n  witnesses:\n    quorum: 1\n", "program.witnesses.addresses"},
		{"program:\n  witnesses:\n    addresses: [\"0x1111111111111111111111111111111111111111\"]\n    dispute_window: -1h\n", "program.witnesses.dispute_window"},
		{"program:\n  witnesses:\n    addresses: [\"0x1111111111111111111111111111111111111111\"]\n    second_look: 1.5\n", "program.witnesses.second_look"},
		{"program:\n  witnesses:\n    addresses: [\"0x1111111111111111111111111111111111111111\"]\n    second_look: -0.1\n", "program.witnesses.second_look"},
		{"program:\n  witnesses:\n    second_look: 0.02\n", "program.witnesses.addresses"},
	} {
		_, err := policy.Parse([]byte(witnessBase+tc.doc), "w.yml")
		var ve *plaudit.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) == 0 || ve.Errors[0].Field != tc.field {
			t.Errorf("%q: err %v, want an error on %s", tc.doc, err, tc.field)
		}
	}
}

func canonicalText(t *testing.T, p *policy.Policy) string {
	t.Helper()
	var b strings.Builder
	for _, n := range p.Node().Content {
		b.WriteString(n.Value + "\n")
		for _, c := range n.Content {
			b.WriteString(c.Value + "\n")
		}
	}
	return b.String()
}

// TestSecondLook: program.witnesses.second_look reads a decimal share exactly (0.02 is 20,000 ppm) and is
// left out of the canonical form, and so of the hash, when absent.
func TestSecondLook(t *testing.T) {
	const ws = "program:\n  witnesses:\n    addresses: [\"0x1111111111111111111111111111111111111111\"]\n"
	p, err := policy.Parse([]byte(witnessBase+ws), "w.yml")
	if err != nil {
		t.Fatal(err)
	}
	full, err := yaml.Marshal(p.Node())
	if err != nil {
		t.Fatal(err)
	}
	if c := string(full); !strings.Contains(c, "witnesses") || strings.Contains(c, "second_look") || p.Program.Witnesses.SecondLook != 0 {
		t.Fatalf("absent second_look in the canonical form:\n%s", c)
	}
	q, err := policy.Parse([]byte(witnessBase+ws+"    second_look: 0.02\n"), "w.yml")
	if err != nil {
		t.Fatal(err)
	}
	if q.Program.Witnesses.SecondLook != 20_000 || q.Hash() == p.Hash() {
		t.Fatalf("second_look %d (want 20000 ppm); hash changed: %t", q.Program.Witnesses.SecondLook, q.Hash() != p.Hash())
	}
}
