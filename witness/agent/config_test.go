package agent_test

import (
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/witness/agent"
)

// TestParseConfig: defaults fill in; unknown keys, a missing API or store are refused naming them.
func TestParseConfig(t *testing.T) {
	c, err := agent.ParseConfig([]byte("api: https://op.example\nstore: w.db\n"), "w.yml")
	if err != nil || c.KeyEnv != "PLAUDIT_WITNESS_KEY" || c.Interval != time.Minute {
		t.Fatalf("%+v %v", c, err)
	}
	for doc, want := range map[string]string{
		"api: https://op.example\nstore: w.db\nkey: 0xabc\n": "line 3",
		"store: w.db\n":                             "api: missing",
		"api: ftp://x\nstore: w.db\n":               "api: want",
		"api: https://op.example\n":                 "store: missing",
		"api: https://x\nstore: a\ninterval: 1ms\n": "interval",
	} {
		if _, err := agent.ParseConfig([]byte(doc), "w.yml"); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "w.yml") {
			t.Errorf("%q: %v, want an error with %q", doc, err, want)
		}
	}
}

// FuzzParseConfig: no input panics.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("api: https://op.example\nstore: w.db\ninterval: 30s\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = agent.ParseConfig(b, "f.yml") })
}
