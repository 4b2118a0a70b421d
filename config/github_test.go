package config_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
)

func TestGitHubSection(t *testing.T) {
	t.Setenv("PLAUDIT_TEST_GH_SECRET", "s3cret-hook")
	t.Setenv("PLAUDIT_TEST_GH_TOKEN", "ghp_tokenvalue")
	c, err := config.Parse([]byte(`github:
  webhook_secret: env:PLAUDIT_TEST_GH_SECRET
  token: env:PLAUDIT_TEST_GH_TOKEN
  api_url: https://ghe.example.org/api/v3/
  repos: [acme/widgets, acme/gadgets.js]
  comment: true
`), "serve.yml")
	if err != nil {
		t.Fatal(err)
	}
	g := c.GitHub
	if !g.Configured() || g.WebhookSecret.Value() != "s3cret-hook" || g.Token.Value() != "ghp_tokenvalue" ||
		g.APIURL != "https://ghe.example.org/api/v3" || strings.Join(g.Repos, ",") != "acme/widgets,acme/gadgets.js" || !g.Comment {
		t.Fatalf("parsed: %+v", g)
	}
	if s := fmt.Sprintf("%v %+v %#v", c, c, c); strings.Contains(s, "s3cret-hook") || strings.Contains(s, "ghp_tokenvalue") {
		t.Fatalf("a GitHub secret reached a printed configuration: %s", s)
	}
	if d := config.Default(); d.GitHub.Configured() || d.GitHub.APIURL != config.DefaultGitHubAPIURL {
		t.Fatalf("defaults: %+v", d.GitHub)
	}
}

func TestGitHubSectionErrors(t *testing.T) {
	t.Setenv("PLAUDIT_TEST_GH_SECRET", "s3cret-hook")
	for _, tc := range []struct{ yaml, field, reason string }{
		{"github:\n  webhook_secret: plain-secret\n", "github.webhook_secret", "write secrets as env:NAME"},
		{"github:\n  webhook_secret: env:PLAUDIT_TEST_GH_UNSET\n", "github.webhook_secret", "is not set"},
		{"github:\n  repos: [widgets]\n", "github.repos[0]", "want a repository OWNER/NAME"},
		{"github:\n  repos: [acme/w, ACME/W]\n", "github.repos[1]", "given twice"},
		{"github:\n  repos: acme/w\n", "github.repos", "want a list"},
		{"github:\n  comment: yes please\n", "github.comment", "want true or false"},
		{"github:\n  comment: true\n", "github.token", "required with comment: true"},
		{"github:\n  webhook_secret: env:PLAUDIT_TEST_GH_SECRET\n", "github.repos", "required with webhook_secret"},
		{"github:\n  api_url: ftp://x\n", "github.api_url", "want an http"},
		{"github:\n  secret: env:PLAUDIT_TEST_GH_SECRET\n", "github.secret", "unknown field"},
	} {
		_, err := config.Parse([]byte(tc.yaml), "serve.yml")
		var ve *plaudit.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%q: want a validation error, got %v", tc.yaml, err)
			continue
		}
		if f := ve.Errors[0]; f.Field != tc.field || !strings.Contains(f.Reason, tc.reason) || f.Line == 0 {
			t.Errorf("%q: got %s (line %d): %s; want %s: …%s…", tc.yaml, f.Field, f.Line, f.Reason, tc.field, tc.reason)
		}
	}
}
