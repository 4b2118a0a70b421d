package discord_test

import (
	"testing"

	"github.com/disgoorg/disgo/discord"

	plauditdiscord "github.com/plaudit/plaudit/discord"
)

// TestParsePostURL: x.com and twitter.com post links in their forms give the post id; others are refused.
func TestParsePostURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://x.com/alice/status/1790000000000000001":                  "1790000000000000001",
		"https://twitter.com/alice/status/1790000000000000001?s=20&t=abc": "1790000000000000001",
		"http://www.x.com/Alice_1/status/1790000000000000001/photo/1":     "1790000000000000001",
		"mobile.twitter.com/alice/statuses/1790000000000000001":           "1790000000000000001",
		"  <https://x.com/i/web/status/1790000000000000001>  ":            "1790000000000000001",
		"https://X.COM/alice/status/1790000000000000001#frag":             "1790000000000000001",
	} {
		if got, err := plauditdiscord.ParsePostURL(in); err != nil || got != want {
			t.Errorf("ParsePostURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "https://x.com/alice", "https://example.com/alice/status/1", "https://x.com.evil.org/a/status/1",
		"ftp://x.com/a/status/1", "https://x.com:8443/a/status/1", "https://x.com/a/status/12345678901234567890123", "https://x.com/a/status/abc",
		"https://user@x.com/a/status/1"} {
		if got, err := plauditdiscord.ParsePostURL(in); err == nil {
			t.Errorf("ParsePostURL(%q) = %q, want an error", in, got)
		}
	}
}

// FuzzDecodeInteraction: the decoder never panics, and what it accepts has an id, and for a command a
// user, a token and slash command data.
func FuzzDecodeInteraction(f *testing.F) {
	for _, s := range []string{
		`{"id":"800000000000000001","application_id":"100000000000000001","type":1,"token":"t","version":1}`,
		`{"id":"800000000000000002","application_id":"100000000000000001","type":2,"token":"t","version":1,"guild_id":"987654321",` +
			`"member":{"user":{"id":"400000000000000001","username":"alice","discriminator":"0"},"roles":["111"],"joined_at":"2025-01-01T00:00:00Z"},` +
			`"data":{"id":"600000000000000001","name":"submit","type":1,"options":[{"name":"url","type":3,"value":"https://x.com/a/status/1"}]}}`,
		`{"id":"800000000000000003","type":2,"token":"t","user":{"id":"400000000000000001","username":"a"},"data":{"id":"1","name":"tier","type":1,` +
			`"options":[{"name":"user","type":6,"value":"400000000000000002"},{"name":"level","type":4,"value":3}],"resolved":{"users":{"400000000000000002":{"id":"400000000000000002","username":"b"}}}}}`,
		`{"id":"800000000000000004","type":2,"token":"t","data":{"id":"1","name":"x","type":1,"options":[{"name":"g","type":1}]}}`,
		`{"id":"800000000000000005","type":2,"token":"t","data":{"id":"1","name":"x","type":1,"options":[{"name":"g","type":2,"options":[]}]}}`,
		`{"type":2}`, `[]`, `null`, `{"id":"1","type":99}`, `{"id":"1","type":3,"data":{"custom_id":"a","component_type":2}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := plauditdiscord.DecodeInteraction(body)
		if err != nil {
			return
		}
		if in.ID() == 0 {
			t.Fatalf("accepted an interaction without an id: %s", body)
		}
		if c, ok := in.(discord.ApplicationCommandInteraction); ok {
			if c.Token() == "" || c.User().ID == 0 {
				t.Fatalf("accepted a command without a token or user: %s", body)
			}
			if _, ok := c.Data.(discord.SlashCommandInteractionData); !ok {
				t.Fatalf("accepted a non-slash command: %s", body)
			}
		}
	})
}
