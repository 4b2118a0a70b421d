package config_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/internal/testenv"
)

// TestExample checks that the repository's plaudit.example.yml is the embedded example, and that it parses
// to what its comments say.
func TestExample(t *testing.T) {
	root, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "plaudit.example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(root, config.Example) {
		t.Fatal("plaudit.example.yml differs from config/plaudit.example.yml: edit the one in config/ and copy it to the root")
	}
	t.Setenv("PLAUDIT_API_TOKEN", "tok-example")
	c, err := config.Parse(config.Example, "plaudit.example.yml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != "" || c.Listen != "127.0.0.1:8080" || c.PublicURL.String() != "https://rewards.example.org" ||
		c.LogFormat != "text" || c.ShutdownGrace != 30*time.Second || c.API.StoreTimeout != 5*time.Second ||
		c.Jobs != (config.Jobs{ScoreEvery: time.Minute, IntegrityEvery: 6 * time.Hour, EpochCloseGrace: time.Hour, PublishEvery: time.Minute, JobTimeout: time.Hour, RescueAfter: 75 * time.Minute}) {
		t.Fatalf("example: %v", c)
	}
	if got := c.APITokens(); !reflect.DeepEqual(got, []string{"tok-example"}) || c.API.Tokens[0].Env() != "PLAUDIT_API_TOKEN" {
		t.Fatalf("tokens: %v", got)
	}
}

func TestDefaults(t *testing.T) {
	for _, doc := range []string{"", "# nothing\n", "---\n", "api:\njobs:\n"} {
		c, err := config.Parse([]byte(doc), "empty.yml")
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		want := config.Default()
		want.File = "empty.yml"
		if !reflect.DeepEqual(c, want) {
			t.Errorf("%q: %v, want %v", doc, c, want)
		}
	}
	d := config.Default()
	if d.Listen != "127.0.0.1:8080" || d.Jobs.ScoreEvery != time.Minute || d.Jobs.IntegrityEvery != 6*time.Hour ||
		d.Jobs.EpochCloseGrace != time.Hour || d.ShutdownGrace != 30*time.Second {
		t.Fatalf("defaults: %v", d)
	}
}

// TestErrors checks that each kind of mistake is reported with the file, its line and its field.
func TestErrors(t *testing.T) {
	t.Setenv("PLAUDIT_TEST_EMPTY", " ")
	t.Setenv("PLAUDIT_TEST_TOKEN", "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
	os.Unsetenv("PLAUDIT_TEST_UNSET")
	for doc, want := range map[string]string{
		"listen: 127.0.0.1:8080\nlisten: 127.0.0.1:8081\n":                            "line 2: field listen: given twice",
		"lissen: 127.0.0.1:8080\n":                                                    "line 1: field lissen: unknown field (known: api, bus, chain, discord, farcaster, github, jobs, listen, log_format, payout, public_url, search, shutdown_grace, store, x)",
		"jobs:\n  score_every: 1 minute\n":                                            `line 2: field jobs.score_every: want a duration such as 90s, 5m or 6h, got "1 minute"`,
		"jobs:\n  score_every: 0s\n":                                                  "line 2: field jobs.score_every: want a positive duration, got 0s",
		"jobs:\n  integrity_every: -1h\n":                                             "line 2: field jobs.integrity_every: want a positive duration",
		"jobs:\n  job_timeout: 2h\n  rescue_after: 1h\n":                              "line 2: field jobs.rescue_after: must be longer than job_timeout (2h0m0s): a job still within its time is not dead",
		"jobs:\n  epoch_close_grace: 60\n":                                            "line 2: field jobs.epoch_close_grace: want a duration such as 90s, 5m or 6h, got the number 60",
		"jobs:\n  score_evry: 1m\n":                                                   "line 2: field jobs.score_evry: unknown field (known: epoch_close_grace, integrity_every, job_timeout, publish_every, rescue_after, score_every)",
		"jobs: [1m]\n":                                                                "line 1: field jobs: want a mapping, got a list",
		"listen: 8080\n":                                                              "line 1: field listen: want an address host:port such as 127.0.0.1:8080, got the number 8080",
		"listen: localhost\n":                                                         `line 1: field listen: want an address host:port such as 127.0.0.1:8080, got "localhost"`,
		"listen: 127.0.0.1:99999\n":                                                   `line 1: field listen: want a port number from 0 to 65535, got "99999"`,
		"listen: bad_host!:80\n":                                                      `line 1: field listen: want an IP address or a host name before the port, got "bad_host!"`,
		"public_url: rewards.example.org\n":                                           `line 1: field public_url: want an http:// or https:// URL`,
		"public_url: https://u:pw@rewards.example.org\n":                              "line 1: field public_url: must not hold a user name or password",
		"public_url: https://x.org/?a=1\n":                                            "line 1: field public_url: must not have a query or fragment",
		"log_format: yaml\n":                                                          `line 1: field log_format: want text or json, got "yaml"`,
		"shutdown_grace: true\n":                                                      "line 1: field shutdown_grace: want a duration such as 90s, 5m or 6h, got the boolean true",
		"api:\n  tokens: env:X\n":                                                     "line 2: field api.tokens: want a list of env:NAME secrets",
		"api:\n  tokens: [hunter2]\n":                                                 "line 2: field api.tokens[0]: write secrets as env:NAME and set the variable NAME",
		"api:\n  tokens: [12345678]\n":                                                "line 2: field api.tokens[0]: want env:NAME, got a value that is not a string",
		"api:\n  tokens:\n    - env:PLAUDIT_TEST_UNSET\n":                             "line 3: field api.tokens[0]: environment variable PLAUDIT_TEST_UNSET is not set",
		"api:\n  tokens:\n    - env:PLAUDIT_TEST_EMPTY\n":                             "line 3: field api.tokens[0]: environment variable PLAUDIT_TEST_EMPTY is empty",
		"api:\n  tokens:\n    - env:9X\n":                                             `line 3: field api.tokens[0]: want env:NAME with NAME an environment variable's name`,
		"api:\n  store_timeout: 5\n":                                                  "line 2: field api.store_timeout: want a duration",
		"store: env:PLAUDIT_TEST_UNSET\n":                                             "line 1: field store: environment variable PLAUDIT_TEST_UNSET is not set",
		"store: ''\n":                                                                 "line 1: field store: want a SQLite file path or a postgres:// URL, got an empty string",
		"store: [a]\n":                                                                "line 1: field store: want a SQLite file path or a postgres:// URL, got a list",
		"a: &x 1m\njobs:\n  score_every: *x\n":                                        "line 1: field a: unknown field",
		"jobs:\n  score_every: &x 1m\n  integrity_every: *x\n":                        "line 3: field jobs.integrity_every: aliases are not allowed",
		"api:\n  max_body_in_flight: 10\n":                                            `line 2: field api.max_body_in_flight: want a size from 1MiB to 64GiB, such as 64MiB, got "10"`,
		"api:\n  max_body_in_flight: 64MB\n":                                          `line 2: field api.max_body_in_flight: want a size from 1MiB to 64GiB`,
		"payout:\n  chain_id: 0\n":                                                    "line 2: field payout.chain_id: want a chain id, a whole number from 1 to 2^53, got 0",
		"payout:\n  permit2: 0x123\n":                                                 "line 2: field payout.permit2:",
		"payout:\n  signer_key: 0xac0974bec39a17e36ba4a6b4d238ff944b\n":               "line 2: field payout.signer_key: write secrets as env:NAME",
		"payout:\n  signer_key: env:PLAUDIT_TEST_TOKEN\n":                             "line 2: field payout.chain_id: required with a signer",
		"payout:\n  signer_sealed: env:PLAUDIT_TEST_TOKEN\n  chain_id: 1\n":           "line 2: field payout.x25519_private_key: required with signer_sealed",
		"payout:\n  signr_key: env:PLAUDIT_TEST_TOKEN\n":                              "line 2: field payout.signr_key: unknown field (known: chain_id, owner_id, permit2, repo_id, signer_key, signer_sealed, x25519_private_key)",
		"x:\n  keywords: [acme]\n":                                                    "line 2: field x.bearer_token: required",
		"x:\n  bearer_token: env:PLAUDIT_TEST_TOKEN\n  project_accounts: ['@acme']\n": "line 3: field x.project_accounts[0]: want an X username",
		"x:\n  bearer_token: env:PLAUDIT_TEST_TOKEN\n  keywords: [a, A]\n":            "line 3: field x.keywords[1]: A given twice",
		"x:\n  bearer_token: env:PLAUDIT_TEST_TOKEN\n  keywords: [a]\n  daily_read_budget: 0\n": "line 4: field x.daily_read_budget: want a whole number",
		"x:\n  bearer_token: env:PLAUDIT_TEST_TOKEN\n":                                          "field x: give project_accounts, community_accounts or keywords",
		"- a\n":                  "line 1: want a mapping, got a list",
		"listen: [\n":            "line 1: YAML syntax:",
		"listen: a:1\n---\nx: 1": "line 2: more than one YAML document",
		"? [a]\n: 1\n":           "line 1: want a plain key, got a list",
	} {
		_, err := config.Parse([]byte(doc), "serve.yml")
		var ve *plaudit.ValidationError
		if !errors.As(err, &ve) || plaudit.ErrorCode(err) == "" {
			t.Errorf("%q: %v is not a validation error", doc, err)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "serve.yml: ") || !strings.Contains(msg, want) {
			t.Errorf("%q:\n%s\nwant %q", doc, msg, want)
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "12345678") || strings.Contains(err.Error(), "ac0974bec39a17e36ba4a6b4d238ff944b") {
			t.Errorf("%q: a secret reached the error: %v", doc, err)
		}
	}
}

// TestAllErrorsReported checks that one pass reports every problem of a file.
func TestAllErrorsReported(t *testing.T) {
	doc := "listen: nope\nlog_format: xml\nbogus: 1\njobs:\n  score_every: 0s\n  integrity_every: soon\napi:\n  tokens: [plain]\n"
	_, err := config.Parse([]byte(doc), "serve.yml")
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) {
		t.Fatal(err)
	}
	var fields []string
	for _, fe := range ve.Errors {
		fields = append(fields, fmt.Sprintf("%d:%s", fe.Line, fe.Field))
	}
	if got := strings.Join(fields, " "); got != "1:listen 2:log_format 3:bogus 5:jobs.score_every 6:jobs.integrity_every 8:api.tokens[0]" {
		t.Fatalf("reported %s\n%v", got, err)
	}
}

// TestSecretsNeverShown prints, logs and marshals a configuration in every way at hand and checks that no
// secret, and no store password, appears.
func TestSecretsNeverShown(t *testing.T) {
	t.Setenv("PLAUDIT_TEST_TOKEN", "tok-very-secret")
	t.Setenv("PLAUDIT_TEST_DB", "postgres://plaudit:db-very-secret@db.internal:5432/plaudit?sslmode=disable")
	c, err := config.Parse([]byte("store: env:PLAUDIT_TEST_DB\napi:\n  tokens: [env:PLAUDIT_TEST_TOKEN]\n"), "serve.yml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Store != os.Getenv("PLAUDIT_TEST_DB") || c.API.Tokens[0].Value() != "tok-very-secret" {
		t.Fatalf("secrets not read: %v", c)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %+v %#v %s %v %+v %#v\n", c, c, c, c.API.Tokens[0], c.API.Tokens, *c, c.API)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "config", c, "token", c.API.Tokens[0], "api", c.API)
	slog.New(slog.NewTextHandler(&out, nil)).Info("config", "config", c, "token", c.API.Tokens[0])
	b, err := json.Marshal(c.API)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(b)
	if s := out.String(); strings.Contains(s, "very-secret") || !strings.Contains(s, "env:PLAUDIT_TEST_TOKEN") || !strings.Contains(s, "xxxxx") {
		t.Fatalf("output:\n%s", s)
	}

	t.Setenv("PLAUDIT_TEST_DB", "postgres://plaudit:db-very-secret@db internal/plaudit")
	_, err = config.Parse([]byte("store: env:PLAUDIT_TEST_DB\n"), "serve.yml")
	if err == nil || strings.Contains(err.Error(), "very-secret") || !strings.Contains(err.Error(), "line 1: field store: malformed postgres:// URL") {
		t.Fatalf("malformed store URL: %v", err)
	}
}

func TestAPITokensFallback(t *testing.T) {
	t.Setenv(config.TokensEnv, " a, b ,,")
	c, err := config.Parse(nil, "none.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.APITokens(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("fallback tokens: %v", got)
	}
	t.Setenv("PLAUDIT_TEST_TOKEN", "c")
	c, err = config.Parse([]byte("api: {tokens: [env:PLAUDIT_TEST_TOKEN]}"), "some.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.APITokens(); !reflect.DeepEqual(got, []string{"c"}) {
		t.Fatalf("file tokens must replace the variable's: %v", got)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "serve.yml")
	if err := os.WriteFile(path, []byte("listen: 127.0.0.1:9999\npublic_url: http://localhost:9999/rewards/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.File != path || c.Listen != "127.0.0.1:9999" || c.PublicURL.String() != "http://localhost:9999/rewards" {
		t.Fatalf("%v", c)
	}
	if _, err := config.Load(filepath.Join(dir, "missing.yml")); plaudit.ErrorCode(err) != plaudit.EINVALID || !strings.Contains(err.Error(), "missing.yml") {
		t.Fatalf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#\n"), config.MaxSize), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(big); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("big file: %v", err)
	}
}

// TestPayoutSection: the payout section gives the signer and domain the claims route signs with, and the
// body budget its size; a configuration printed shows neither key.
func TestPayoutSection(t *testing.T) {
	const key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
	t.Setenv("PLAUDIT_TEST_SIGNER", key)
	c, err := config.Parse([]byte("api:\n  max_body_in_flight: 128MiB\npayout:\n  chain_id: 100\n  signer_key: env:PLAUDIT_TEST_SIGNER\n  permit2: \"0x000000000022D473030F116dDEE9F6B43aC78BA3\"\n"), "serve.yml")
	if err != nil {
		t.Fatal(err)
	}
	if c.API.MaxBodyInFlight != 128<<20 || !c.Payout.Signs() {
		t.Fatalf("parsed: %v", c)
	}
	sc, d, err := c.Payout.Signer()
	if err != nil || sc.Key != key || d.ChainID != 100 || d.Permit2.String() != "0x000000000022D473030F116dDEE9F6B43aC78BA3" {
		t.Fatalf("signer: %+v %+v %v", sc.OwnerID, d, err)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", c, c, c, c); strings.Contains(s, key[2:20]) {
		t.Fatalf("the signer key reached a printed configuration: %s", s)
	}
	if d := config.Default(); d.Payout.Signs() || d.API.MaxBodyInFlight != 64<<20 {
		t.Fatalf("defaults: %v", d)
	}
}

// TestXSection: the x section decodes to its keys with the defaults (api.x.com, 15m, 2000 reads a day).
func TestXSection(t *testing.T) {
	t.Setenv("X_BEARER_TOKEN", "x-token")
	c, err := config.Parse([]byte("x:\n  bearer_token: env:X_BEARER_TOKEN\n  project_accounts: [acmeproject]\n  community_accounts: [alice, bob]\n  keywords: [\"#acme\", \"$ACME\", \"acme protocol\"]\n"), "serve.yml")
	if err != nil {
		t.Fatal(err)
	}
	x := c.X
	if x == nil || x.BearerToken.Value() != "x-token" || x.APIURL != config.DefaultXAPIURL || x.PollEvery != 15*time.Minute || x.DailyReadBudget != 2000 ||
		strings.Join(x.CommunityAccounts, ",") != "alice,bob" || strings.Join(x.Keywords, ",") != "#acme,$ACME,acme protocol" {
		t.Fatalf("x section: %+v", x)
	}
	c, err = config.Parse([]byte("listen: 127.0.0.1:8080\n"), "serve.yml")
	if err != nil || c.X != nil {
		t.Fatalf("no x section: %+v %v", c.X, err)
	}
}
