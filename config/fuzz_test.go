package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
)

// FuzzParse checks that any file either fails with a validation error listing at least one problem, none
// of which shows a secret, or gives a configuration whose values all passed their checks.
func FuzzParse(f *testing.F) {
	f.Setenv("PLAUDIT_FUZZ_TOKEN", "fuzz-secret-token")
	f.Setenv("PLAUDIT_FUZZ_DB", "postgres://u:fuzz-secret-pw@h/db")
	f.Add(config.Example)
	f.Add([]byte(""))
	f.Add([]byte("store: env:PLAUDIT_FUZZ_DB\napi:\n  tokens: [env:PLAUDIT_FUZZ_TOKEN, env:PLAUDIT_API_TOKEN]\n"))
	f.Add([]byte("listen: '[::1]:0'\npublic_url: http://[::1]:8080/x/\nlog_format: json\nshutdown_grace: 1ns\n"))
	f.Add([]byte("jobs: {score_every: 1h1m, integrity_every: 0.5h, epoch_close_grace: 1us}\napi: {store_timeout: 1s}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("listen: 1\nlisten: 2\n? {a: b}\n: c\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := config.Parse(doc, "fuzz.yml")
		if err != nil {
			var ve *plaudit.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("error %v is not a validation error", err)
			}
			if msg := err.Error(); strings.Contains(msg, "fuzz-secret") {
				t.Fatalf("a secret reached the error: %s", msg)
			}
			return
		}
		if c.ShutdownGrace <= 0 || c.API.StoreTimeout <= 0 || c.Jobs.ScoreEvery <= 0 || c.Jobs.IntegrityEvery <= 0 || c.Jobs.EpochCloseGrace <= 0 {
			t.Fatalf("non-positive duration accepted: %v", c)
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			t.Fatalf("log format %q accepted", c.LogFormat)
		}
		if c.Listen == "" || (c.PublicURL != nil && c.PublicURL.User != nil) {
			t.Fatalf("bad value accepted: %v", c)
		}
		for _, s := range c.API.Tokens {
			if s.Value() == "" {
				t.Fatalf("empty secret accepted: %v", c)
			}
		}
		if s := c.String(); strings.Contains(s, "fuzz-secret") {
			t.Fatalf("a secret reached String: %s", s)
		}
	})
}
