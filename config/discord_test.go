package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/config"
)

const discordKey = "4a1f0e6ad1b3a4b8f9c2d7e5a6b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5"

// TestDiscordSection: the contract's section decodes with its defaults; what is missing or malformed is
// refused with its line and field, and the token never prints.
func TestDiscordSection(t *testing.T) {
	t.Setenv("DISCORD_BOT_TOKEN", "bot-secret-value")
	t.Setenv("X_CLIENT_SECRET", "x-secret-value")
	c, err := config.Parse([]byte(`public_url: https://rewards.example.org
discord:
  application_id: "1234567890"
  public_key: `+discordKey+`
  bot_token: env:DISCORD_BOT_TOKEN
  api_url: https://discord.com/api/v10
  guild_id: "987654321"
  admin_roles: ["111"]
  announce_channel: "222"
  tier_roles: {1: "301", 2: "302", 3: "303"}
  eng_roles: {100: "401"}
  x_oauth:
    client_id: abc123
    client_secret: env:X_CLIENT_SECRET
`), "t.yml")
	if err != nil {
		t.Fatal(err)
	}
	d := c.Discord
	if d == nil || d.ApplicationID != "1234567890" || len(d.PublicKey) != 32 || d.BotToken.Value() != "bot-secret-value" || d.GuildID != "987654321" ||
		strings.Join(d.AdminRoles, ",") != "111" || d.AnnounceChannel != "222" || d.TierRoles[2] != "302" || d.ENGRoles[100] != "401" || d.CheckEvery != 30*time.Minute ||
		d.XOAuth == nil || d.XOAuth.TokenURL != config.DefaultXTokenURL || d.XOAuth.ClientSecret.Value() != "x-secret-value" {
		t.Fatalf("discord: %+v", d)
	}
	if s := c.String() + c.LogValue().String(); strings.Contains(s, "secret-value") {
		t.Fatalf("a secret printed: %s", s)
	}
	for doc, want := range map[string]string{
		"discord:\n  public_key: " + discordKey + "\n  bot_token: env:DISCORD_BOT_TOKEN\n":                                                                       "field discord.application_id: required",
		"discord:\n  application_id: \"1\"\n  public_key: abc\n  bot_token: env:DISCORD_BOT_TOKEN\n":                                                             "line 3: field discord.public_key: want the application's Ed25519 public key",
		"discord:\n  application_id: \"1\"\n  public_key: " + discordKey + "\n  bot_token: plain\n":                                                              "field discord.bot_token: write secrets as env:NAME",
		"discord:\n  application_id: x1\n  public_key: " + discordKey + "\n  bot_token: env:DISCORD_BOT_TOKEN\n":                                                 "line 2: field discord.application_id: want the application id",
		"discord:\n  application_id: \"1\"\n  public_key: " + discordKey + "\n  bot_token: env:DISCORD_BOT_TOKEN\n  tier_roles: {1: \"3\"}\n":                    "field discord.guild_id: required with tier_roles",
		"discord:\n  application_id: \"1\"\n  public_key: " + discordKey + "\n  bot_token: env:DISCORD_BOT_TOKEN\n  tier_roles: {0: \"3\"}\n  guild_id: \"2\"\n": "want a tier from 1 to 100",
		"discord:\n  application_id: \"1\"\n  public_key: " + discordKey + "\n  bot_token: env:DISCORD_BOT_TOKEN\n  eng_roles: {x: \"3\"}\n  guild_id: \"2\"\n":  "want a whole number of ENG",
		"discord:\n  application_id: \"1\"\n  public_key: " + discordKey + "\n  bot_token: env:DISCORD_BOT_TOKEN\n  x_oauth: {client_id: a}\n":                   "field discord.x_oauth: needs public_url",
		"discord:\n  application_id: \"1\"\n  public_key: " + discordKey + "\n  bot_token: env:DISCORD_BOT_TOKEN\n  colour: red\n":                               "field discord.colour: unknown field",
	} {
		_, err := config.Parse([]byte(doc), "t.yml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", doc, err, want)
		}
	}
}

// TestDiscordSignIn: "Sign in with Discord" decodes its client secret, endpoints and panel roles; what it
// needs (public_url, guild_id, the secret) is required with a clear field, and the secret never prints.
func TestDiscordSignIn(t *testing.T) {
	t.Setenv("DISCORD_BOT_TOKEN", "bot-secret-value")
	t.Setenv("DISCORD_CLIENT_SECRET", "client-secret-value")
	base := "discord:\n  application_id: \"1\"\n  public_key: " + discordKey + "\n  bot_token: env:DISCORD_BOT_TOKEN\n"
	c, err := config.Parse([]byte("public_url: https://rewards.example.org\n"+base+
		"  guild_id: \"9\"\n  oauth_client_secret: env:DISCORD_CLIENT_SECRET\n  panel_roles:\n    admin: [\"111\"]\n    core: [\"112\", \"113\"]\n    viewer: [\"114\"]\n"), "t.yml")
	if err != nil {
		t.Fatal(err)
	}
	d := c.Discord
	if !d.SignIn() || !d.PanelSignIn() || d.OAuthClientSecret.Value() != "client-secret-value" || d.OAuthTokenURL != config.DefaultDiscordTokenURL ||
		d.OAuthAuthorizeURL != config.DefaultDiscordAuthorizeURL || strings.Join(d.PanelRoles.Core, ",") != "112,113" || d.PanelRoles.Admin[0] != "111" {
		t.Fatalf("discord: %+v", d)
	}
	if s := c.String() + c.LogValue().String(); strings.Contains(s, "secret-value") {
		t.Fatalf("a secret printed: %s", s)
	}
	c, err = config.Parse([]byte("public_url: https://rewards.example.org\n"+base+"  oauth_client_secret: env:DISCORD_CLIENT_SECRET\n"), "t.yml")
	if err != nil || !c.Discord.SignIn() || c.Discord.PanelSignIn() {
		t.Fatalf("portal-only sign-in: %v", err)
	}
	for doc, want := range map[string]string{
		base + "  oauth_client_secret: env:DISCORD_CLIENT_SECRET\n":                                                     "field discord.oauth_client_secret: needs public_url",
		base + "  guild_id: \"9\"\n  panel_roles: {admin: [\"1\"]}\n":                                                   "field discord.oauth_client_secret: required with panel_roles",
		base + "  oauth_client_secret: env:DISCORD_CLIENT_SECRET\n  panel_roles: {admin: [\"1\"]}\n":                    "field discord.guild_id: required with panel_roles",
		base + "  guild_id: \"9\"\n  oauth_client_secret: env:DISCORD_CLIENT_SECRET\n  panel_roles: {owner: [\"1\"]}\n": "field discord.panel_roles.owner: unknown field",
		base + "  guild_id: \"9\"\n  oauth_client_secret: env:DISCORD_CLIENT_SECRET\n  panel_roles: {admin: [\"x\"]}\n": "field discord.panel_roles.admin[0]: want a role id",
		base + "  guild_id: \"9\"\n  oauth_client_secret: env:DISCORD_CLIENT_SECRET\n  panel_roles: {admin: \"1\"}\n":   "field discord.panel_roles.admin: want a list of Discord role ids",
		base + "  oauth_client_secret: plain\n":                                                                         "field discord.oauth_client_secret: write secrets as env:NAME",
		base + "  oauth_token_url: ftp://x\n":                                                                           "discord.oauth_token_url",
	} {
		_, err := config.Parse([]byte(doc), "t.yml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", doc, err, want)
		}
	}
}
