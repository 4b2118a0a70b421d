package discordauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/web/discordauth"
	"github.com/plaudit/plaudit/web/discordauth/discordauthtest"
)

const verifier = "a-pkce-verifier-of-forty-three-characters-or-more-0123456789"

// authorize follows the client's authorization URL to the fake and returns the code it sends back.
func authorize(t *testing.T, c *discordauth.Client, f *discordauthtest.Fake, state string) string {
	t.Helper()
	hc := f.Server.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(c.AuthCodeURL(state, verifier))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := loc.Query().Get("state"); got != state {
		t.Fatalf("state back %q, want %q", got, state)
	}
	return loc.Query().Get("code")
}

func TestClientSignsInAndReadsRoles(t *testing.T) {
	f := discordauthtest.New(t)
	f.SignInAs(&discordauthtest.User{ID: "80351110224678912", Username: "nelly", Guilds: map[string][]string{"290926798626357999": {"111", "222"}}})
	c, err := discordauth.New(f.Config("https://plaudit.example/admin/login/discord/callback", discordauth.ScopeIdentify, discordauth.ScopeGuildsMembersRead))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	code := authorize(t, c, f, "state-1")
	tok, err := c.Exchange(ctx, code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.Me(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != "80351110224678912" || me.Username != "nelly" {
		t.Fatalf("me = %+v", me)
	}
	m, err := c.GuildMember(ctx, tok, "290926798626357999")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Roles, ",") != "111,222" {
		t.Fatalf("roles = %v", m.Roles)
	}
	if _, err := c.GuildMember(ctx, tok, "290926798626357000"); !errors.Is(err, discordauth.ErrNotInGuild) {
		t.Fatalf("another server: err = %v, want ErrNotInGuild", err)
	}

	// The same code a second time: Discord refuses it, and so does the client, as EUNAUTHORIZED.
	_, err = c.Exchange(ctx, code, verifier)
	if plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
		t.Fatalf("replayed code: err = %v, want unauthorized", err)
	}
	if strings.Contains(err.Error(), f.ClientSecret) || strings.Contains(err.Error(), code) {
		t.Fatalf("error shows a secret: %v", err)
	}
}

func TestClientRefusesWrongVerifierAndSecret(t *testing.T) {
	f := discordauthtest.New(t)
	f.SignInAs(&discordauthtest.User{ID: "1", Username: "a"})
	c, err := discordauth.New(f.Config("https://plaudit.example/claim/discord/callback", discordauth.ScopeIdentify))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Exchange(ctx, authorize(t, c, f, "s"), verifier+"x"); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
		t.Fatalf("wrong verifier: err = %v", err)
	}
	cfg := f.Config("https://plaudit.example/claim/discord/callback", discordauth.ScopeIdentify)
	cfg.ClientSecret = "wrong-secret-value"
	bad, err := discordauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Exchange(ctx, authorize(t, bad, f, "s2"), verifier)
	if plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Fatalf("wrong secret: err = %v", err)
	}
	// identify alone may not read a guild member: Discord's 403 Missing Access is an error, not a member.
	tok, err := c.Exchange(ctx, authorize(t, c, f, "s3"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GuildMember(ctx, tok, "5"); err == nil || !strings.Contains(err.Error(), "Missing Access") {
		t.Fatalf("guild member without the scope: err = %v", err)
	}
	if f.Exchanged != 1 {
		t.Fatalf("exchanged %d, want 1", f.Exchanged)
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		in, err string
	}{
		{`{"id":"80351110224678912","username":"nelly","discriminator":"0","global_name":null,"avatar":null}`, ""},
		{`{"id":"abc","username":"x"}`, "not a Discord id"},
		{`{"id":"1","username":""}`, "username"},
		{`[1]`, "decode discord user"},
	} {
		_, err := discordauth.DecodeUser([]byte(tc.in))
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("DecodeUser(%s) = %v, want %q", tc.in, err, tc.err)
		}
	}
	if _, err := discordauth.DecodeMember([]byte(`{"roles":["1","x"]}`)); err == nil || !strings.Contains(err.Error(), "roles[1]") {
		t.Errorf("DecodeMember bad role: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"id":"80351110224678912","username":"nelly","global_name":"Nelly"}`))
	f.Add([]byte(`{"user":{"id":"1"},"roles":["111","222"],"joined_at":"2015-04-26T06:26:56.936000+00:00"}`))
	f.Add([]byte(`{"roles":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if u, err := discordauth.DecodeUser(b); err == nil && (u.ID == "" || u.Username == "") {
			t.Fatalf("accepted a user without id or name: %+v", u)
		}
		if m, err := discordauth.DecodeMember(b); err == nil {
			for _, r := range m.Roles {
				if r == "" || strings.Trim(r, "0123456789") != "" {
					t.Fatalf("accepted role %q", r)
				}
			}
		}
	})
}
