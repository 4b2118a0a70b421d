package config

import (
	"strings"
	"testing"
)

func TestFarcasterSection(t *testing.T) {
	env := func(name string) (string, bool) {
		if name == "NEYNAR_WEBHOOK_SECRET" {
			return "s3cret", true
		}
		return "", false
	}
	c, err := parse([]byte("farcaster:\n  webhook_secret: env:NEYNAR_WEBHOOK_SECRET\n  target: shreyaspapi:830020\n"), "f.yml", env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Farcaster == nil || c.Farcaster.WebhookSecret.Value() != "s3cret" || c.Farcaster.TargetUsername != "shreyaspapi" || c.Farcaster.TargetFID != 830020 {
		t.Fatalf("farcaster = %+v", c.Farcaster)
	}
	if c, err := parse([]byte("listen: 127.0.0.1:9000\n"), "f.yml", env); err != nil || c.Farcaster != nil {
		t.Fatalf("no section: %+v, %v", c, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"farcaster:\n  webhook_secret: plain\n  target: a:1\n", "line 2: field farcaster.webhook_secret: write secrets as env:NAME"},
		{"farcaster:\n  target: a:1\n", "farcaster.webhook_secret: required"},
		{"farcaster:\n  webhook_secret: env:NEYNAR_WEBHOOK_SECRET\n", "farcaster.target: required"},
		{"farcaster:\n  webhook_secret: env:NEYNAR_WEBHOOK_SECRET\n  target: shreyaspapi\n", "line 3: field farcaster.target: want username:fid"},
		{"farcaster:\n  webhook_secret: env:NEYNAR_WEBHOOK_SECRET\n  target: Bad Name:1\n", "want a Farcaster username"},
		{"farcaster:\n  webhook_secret: env:NEYNAR_WEBHOOK_SECRET\n  target: a:-4\n", "want a positive fid"},
		{"farcaster:\n  webhook_secret: env:NEYNAR_WEBHOOK_SECRET\n  target: a:1\n  extra: 1\n", "farcaster.extra"},
		{"farcaster:\n  webhook_secret: env:MISSING_VAR\n  target: a:1\n", "MISSING_VAR"},
	} {
		_, err := parse([]byte(tc.in), "f.yml", env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.want)
		}
	}
}
