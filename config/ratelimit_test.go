package config

import (
	"strings"
	"testing"
)

// TestRateLimit decodes api.rate_limit, keeps the defaults for what a file leaves out and refuses values
// that are not positive numbers, naming the line and field.
func TestRateLimit(t *testing.T) {
	c, err := Parse([]byte("api:\n  rate_limit:\n    per_second: 2.5\n    burst: 7\n"), "t.yml")
	if err != nil {
		t.Fatal(err)
	}
	if c.API.RateLimit != (RateLimit{PerSecond: 2.5, Burst: 7}) {
		t.Errorf("rate limit %+v; want 2.5/s burst 7", c.API.RateLimit)
	}
	if c, err = Parse([]byte("api:\n  rate_limit:\n    burst: 7\n"), "t.yml"); err != nil || c.API.RateLimit.PerSecond != DefaultRatePerSecond {
		t.Errorf("per_second left out: %+v, %v; want the default %d", c, err, DefaultRatePerSecond)
	}
	if d := Default().API.RateLimit; d.PerSecond != 50 || d.Burst != 100 {
		t.Errorf("default %+v; want 50/s burst 100", d)
	}
	for doc, want := range map[string]string{
		"api:\n  rate_limit:\n    per_second: 0\n":    "line 3: field api.rate_limit.per_second: want a number greater than 0",
		"api:\n  rate_limit:\n    per_second: fast\n": "line 3: field api.rate_limit.per_second: want a number greater than 0",
		"api:\n  rate_limit:\n    burst: 1.5\n":       "line 3: field api.rate_limit.burst: want a whole number from 1",
		"api:\n  rate_limit:\n    burst: -3\n":        "line 3: field api.rate_limit.burst: want a whole number from 1",
		"api:\n  rate_limit:\n    rps: 3\n":           "line 3: field api.rate_limit.rps: unknown field",
		"api:\n  rate_limit: 50\n":                    "line 2: field api.rate_limit: want a mapping",
	} {
		_, err := Parse([]byte(doc), "t.yml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v; want %q", doc, err, want)
		}
	}
}
