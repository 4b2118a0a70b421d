package config

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultDiscordAPIURL is discord.api_url's default: Discord's REST API, version 10.
const DefaultDiscordAPIURL = "https://discord.com/api/v10"

// DefaultDiscordCheckEvery is discord.check_every's default: how often the posts submitted with /submit are
// checked for likes, reposts and replies.
const DefaultDiscordCheckEvery = 30 * time.Minute

// Defaults of discord.x_oauth: X's OAuth 2.0 authorization and token endpoints.
const (
	DefaultXAuthorizeURL = "https://x.com/i/oauth2/authorize"
	DefaultXTokenURL     = "https://api.x.com/2/oauth2/token"
)

// Discord is the discord section: the bot's application, where it registers its commands, who may use the
// admin commands, where it announces, and the optional role sync and X OAuth. Present only when the file
// has a discord section (Config.Discord is nil otherwise).
type Discord struct {
	// ApplicationID is the Discord application's id (discord.application_id).
	ApplicationID string
	// PublicKey is the application's Ed25519 public key (discord.public_key, 64 hex digits): every
	// interaction's signature is checked with it.
	PublicKey []byte
	// BotToken is the bot's token (discord.bot_token, env:NAME): the REST calls authenticate with it.
	BotToken Secret
	// APIURL is Discord's REST API (discord.api_url, DefaultDiscordAPIURL unless set: a test fake's).
	APIURL string
	// GuildID is the server the commands are registered to and roles are synced in (discord.guild_id);
	// "" registers global commands and syncs no roles.
	GuildID string
	// AdminRoles are the Discord role ids allowed the admin commands (discord.admin_roles).
	AdminRoles []string
	// AnnounceChannel is the channel id where accepted submissions and epoch results are announced
	// (discord.announce_channel); "" announces nothing.
	AnnounceChannel string
	// TierRoles maps a tier to the Discord role id its members get (discord.tier_roles); empty: no role
	// sync.
	TierRoles map[int]string
	// ENGRoles maps a whole-ENG threshold to the Discord role id of the members whose ENG governance weight
	// (stake plus delegated) reaches it (discord.eng_roles); empty: no ENG roles.
	ENGRoles map[int64]string
	// CheckEvery is how often the submitted posts' engagement is read from X (discord.check_every,
	// DefaultDiscordCheckEvery unless set): the x-engagement job.
	CheckEvery time.Duration
	// RoleSyncEvery is how often tier roles are brought in step (discord.role_sync_every, 1h unless set).
	RoleSyncEvery time.Duration
	// NoticeEvery is how often closed epochs are looked for to announce (discord.notice_every, 10m unless
	// set).
	NoticeEvery time.Duration
	// XOAuth, when set, makes /connect prove the X account with X OAuth 2.0 (authorization code with PKCE)
	// at PUBLIC_URL/connect/x; nil: links are recorded unverified.
	XOAuth *XOAuth
	// OAuthClientSecret is the application's OAuth2 client secret (discord.oauth_client_secret, env:NAME;
	// Developer Portal, OAuth2): with it the member portal offers "Sign in with Discord" at
	// PUBLIC_URL/claim/discord, and the admin panel too when PanelRoles maps roles. The client id is
	// ApplicationID. Empty: no sign-in with Discord.
	OAuthClientSecret Secret
	// OAuthAuthorizeURL and OAuthTokenURL are Discord's OAuth2 endpoints (discord.oauth_authorize_url,
	// discord.oauth_token_url; Discord's unless set: a test fake's).
	OAuthAuthorizeURL string
	OAuthTokenURL     string
	// PanelRoles maps the server's (GuildID's) Discord role ids to the admin panel's roles
	// (discord.panel_roles: {admin: [...], core: [...], viewer: [...]}): a Discord user signing in to the
	// panel gets the highest role one of their roles maps to, read again at each sign-in; a user with none
	// is refused.
	PanelRoles PanelRoles

	node *yaml.Node // the section, for errors found after it was read
	path string
}

// XOAuth is discord.x_oauth: the X app's OAuth 2.0 client and X's endpoints.
type XOAuth struct {
	ClientID     string
	ClientSecret Secret // empty for a public client
	AuthorizeURL string
	TokenURL     string
}

// Defaults of discord.oauth_authorize_url and discord.oauth_token_url: Discord's OAuth2 endpoints.
const (
	DefaultDiscordAuthorizeURL = "https://discord.com/oauth2/authorize"
	DefaultDiscordTokenURL     = "https://discord.com/api/oauth2/token"
)

// PanelRoles is discord.panel_roles: the Discord role ids that make a panel admin, core or viewer.
type PanelRoles struct {
	Admin, Core, Viewer []string
}

// Configured reports whether any Discord role maps to a panel role.
func (p PanelRoles) Configured() bool { return len(p.Admin)+len(p.Core)+len(p.Viewer) > 0 }

// SignIn reports whether "Sign in with Discord" is configured (an OAuth2 client secret).
func (d *Discord) SignIn() bool { return d != nil && d.OAuthClientSecret.Value() != "" }

// PanelSignIn reports whether the admin panel offers "Sign in with Discord": a client secret and roles.
func (d *Discord) PanelSignIn() bool { return d.SignIn() && d.PanelRoles.Configured() }

// TierRoleIDs returns the configured tiers in increasing order.
func (d *Discord) TierRoleIDs() []int {
	ts := make([]int, 0, len(d.TierRoles))
	for t := range d.TierRoles {
		ts = append(ts, t)
	}
	sort.Ints(ts)
	return ts
}

var snowflake = regexp.MustCompile(`^[0-9]{1,20}$`)

// snowflake decodes a Discord id: digits, written as a string or a number.
func (d *decoder) snowflake(n *yaml.Node, path, what string, dst *string) {
	if !d.usable(n, path) {
		return
	}
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!int") || !snowflake.MatchString(n.Value) {
		d.fail(n, path, "want %s, a Discord id of digits such as \"987654321\", got %s", what, truncate(n.Value, 40))
		return
	}
	*dst = n.Value
}

// discord decodes the discord section.
func (d *decoder) discord(n *yaml.Node, path string, c *Config) {
	if !d.usable(n, path) {
		return
	}
	dc := &Discord{OAuthAuthorizeURL: DefaultDiscordAuthorizeURL, OAuthTokenURL: DefaultDiscordTokenURL, APIURL: DefaultDiscordAPIURL, CheckEvery: DefaultDiscordCheckEvery, RoleSyncEvery: time.Hour, NoticeEvery: 10 * time.Minute}
	d.mapping(n, path, map[string]field{
		"application_id": func(n *yaml.Node, p string) { d.snowflake(n, p, "the application id", &dc.ApplicationID) },
		"public_key": func(n *yaml.Node, p string) {
			if !d.usable(n, p) {
				return
			}
			s, ok := d.str(n, p, "the application's public key, 64 hex digits")
			if !ok {
				return
			}
			k, err := hex.DecodeString(s)
			if err != nil || len(k) != 32 {
				d.fail(n, p, "want the application's Ed25519 public key, 64 hex digits (Developer Portal, General Information), got %q", truncate(s, 70))
				return
			}
			dc.PublicKey = k
		},
		"bot_token": func(n *yaml.Node, p string) { d.secret(n, p, &dc.BotToken) },
		"api_url": func(n *yaml.Node, p string) {
			var u *url.URL
			d.publicURL(n, p, &u)
			if u != nil {
				dc.APIURL = u.String()
			}
		},
		"guild_id":         func(n *yaml.Node, p string) { d.snowflake(n, p, "the server (guild) id", &dc.GuildID) },
		"announce_channel": func(n *yaml.Node, p string) { d.snowflake(n, p, "a channel id", &dc.AnnounceChannel) },
		"admin_roles":      func(n *yaml.Node, p string) { d.roleList(n, p, &dc.AdminRoles) },
		"tier_roles": func(n *yaml.Node, p string) {
			if !d.usable(n, p) {
				return
			}
			if n.Kind != yaml.MappingNode {
				d.fail(n, p, "want a mapping of tier to role id, such as {1: \"301\", 2: \"302\"}, got %s", kindName(n))
				return
			}
			dc.TierRoles = map[int]string{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				t, err := strconv.Atoi(k.Value)
				if k.Kind != yaml.ScalarNode || err != nil || t < 1 || t > 100 {
					d.fail(k, p, "want a tier from 1 to 100 as key, got %s", truncate(k.Value, 20))
					continue
				}
				if _, dup := dc.TierRoles[t]; dup {
					d.fail(k, fmt.Sprintf("%s.%d", p, t), "given twice")
					continue
				}
				var s string
				d.snowflake(v, fmt.Sprintf("%s.%d", p, t), "a role id", &s)
				if s != "" {
					dc.TierRoles[t] = s
				}
			}
		},
		"eng_roles": func(n *yaml.Node, p string) {
			if !d.usable(n, p) {
				return
			}
			if n.Kind != yaml.MappingNode {
				d.fail(n, p, "want a mapping of whole ENG to role id, such as {100: \"401\", 1000: \"402\"}, got %s", kindName(n))
				return
			}
			dc.ENGRoles = map[int64]string{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				t, err := strconv.ParseInt(k.Value, 10, 64)
				if k.Kind != yaml.ScalarNode || err != nil || t < 1 || t > 1<<40 {
					d.fail(k, p, "want a whole number of ENG from 1 as key, got %s", truncate(k.Value, 20))
					continue
				}
				if _, dup := dc.ENGRoles[t]; dup {
					d.fail(k, fmt.Sprintf("%s.%d", p, t), "given twice")
					continue
				}
				var s string
				d.snowflake(v, fmt.Sprintf("%s.%d", p, t), "a role id", &s)
				if s != "" {
					dc.ENGRoles[t] = s
				}
			}
		},
		"check_every":         func(n *yaml.Node, p string) { d.duration(n, p, &dc.CheckEvery) },
		"role_sync_every":     func(n *yaml.Node, p string) { d.duration(n, p, &dc.RoleSyncEvery) },
		"notice_every":        func(n *yaml.Node, p string) { d.duration(n, p, &dc.NoticeEvery) },
		"oauth_client_secret": func(n *yaml.Node, p string) { d.secret(n, p, &dc.OAuthClientSecret) },
		"oauth_authorize_url": func(n *yaml.Node, p string) { d.endpoint(n, p, &dc.OAuthAuthorizeURL) },
		"oauth_token_url":     func(n *yaml.Node, p string) { d.endpoint(n, p, &dc.OAuthTokenURL) },
		"panel_roles": func(n *yaml.Node, p string) {
			if !d.usable(n, p) {
				return
			}
			d.mapping(n, p, map[string]field{
				"admin":  func(n *yaml.Node, p string) { d.roleList(n, p, &dc.PanelRoles.Admin) },
				"core":   func(n *yaml.Node, p string) { d.roleList(n, p, &dc.PanelRoles.Core) },
				"viewer": func(n *yaml.Node, p string) { d.roleList(n, p, &dc.PanelRoles.Viewer) },
			})
		},
		"x_oauth": func(n *yaml.Node, p string) {
			if !d.usable(n, p) {
				return
			}
			o := &XOAuth{AuthorizeURL: DefaultXAuthorizeURL, TokenURL: DefaultXTokenURL}
			d.mapping(n, p, map[string]field{
				"client_id": func(n *yaml.Node, p string) {
					if s, ok := d.str(n, p, "the X app's OAuth 2.0 client id"); ok {
						o.ClientID = strings.TrimSpace(s)
					}
				},
				"client_secret": func(n *yaml.Node, p string) { d.secret(n, p, &o.ClientSecret) },
				"authorize_url": func(n *yaml.Node, p string) { d.endpoint(n, p, &o.AuthorizeURL) },
				"token_url":     func(n *yaml.Node, p string) { d.endpoint(n, p, &o.TokenURL) },
			})
			if n.Kind == yaml.MappingNode && o.ClientID == "" {
				d.fail(n, p+".client_id", "required: the OAuth 2.0 client id of the X app (Developer Portal, Keys and tokens)")
			}
			dc.XOAuth = o
		},
	})
	if n.Kind == yaml.MappingNode {
		if dc.ApplicationID == "" {
			d.fail(n, path+".application_id", "required: the Discord application's id")
		}
		if dc.PublicKey == nil {
			d.fail(n, path+".public_key", "required: interactions are verified with the application's public key")
		}
		if dc.BotToken.value == "" {
			d.fail(n, path+".bot_token", "required: the bot's token (env:NAME) for registering commands, follow-ups and announcements")
		}
		if dc.PanelRoles.Configured() && dc.GuildID == "" {
			d.fail(n, path+".guild_id", "required with panel_roles: the roles are read in one server")
		}
		if dc.PanelRoles.Configured() && dc.OAuthClientSecret.value == "" {
			d.fail(n, path+".oauth_client_secret", "required with panel_roles: the panel signs in with Discord's OAuth2 (env:NAME of the application's client secret)")
		}
		if len(dc.TierRoles)+len(dc.ENGRoles) > 0 && dc.GuildID == "" {
			d.fail(n, path+".guild_id", "required with tier_roles or eng_roles: roles are synced in one server")
		}
	}
	dc.node, dc.path = n, path
	c.Discord = dc
}

// checkDiscord checks what the discord section needs from the rest of the file, once all of it is read.
func (d *decoder) checkDiscord(c *Config) {
	if dc := c.Discord; dc != nil && dc.XOAuth != nil && c.PublicURL == nil {
		d.fail(dc.node, dc.path+".x_oauth", "needs public_url: X sends members back to PUBLIC_URL/connect/x/callback")
	}
	if dc := c.Discord; dc != nil && dc.OAuthClientSecret.value != "" && c.PublicURL == nil {
		d.fail(dc.node, dc.path+".oauth_client_secret", "needs public_url: Discord sends people back to PUBLIC_URL/admin/login/discord/callback and PUBLIC_URL/claim/discord/callback")
	}
}

// roleList decodes a list of Discord role ids.
func (d *decoder) roleList(n *yaml.Node, path string, dst *[]string) {
	if !d.usable(n, path) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list of Discord role ids, such as [\"111\", \"222\"], got %s", kindName(n))
		return
	}
	for i, c := range n.Content {
		var s string
		d.snowflake(c, fmt.Sprintf("%s[%d]", path, i), "a role id", &s)
		if s != "" {
			*dst = append(*dst, s)
		}
	}
}

// endpoint decodes an http(s) URL that may have a path (an OAuth endpoint).
func (d *decoder) endpoint(n *yaml.Node, path string, dst *string) {
	var u *url.URL
	d.publicURL(n, path, &u)
	if u != nil {
		*dst = u.String()
	}
}
