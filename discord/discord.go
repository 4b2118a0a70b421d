// Package discord is Plaudit's Discord bot over HTTP interactions: POST /discord/interactions verifies
// each interaction's Ed25519 signature before reading it, refuses stale timestamps and replayed ids, and
// answers the slash commands (/connect, /submit, /stats, /leaderboard, /tier, /wallet, /claim, /notify,
// /verify) through the service layer; GET /connect/x proves an X account with X OAuth 2.0 (PKCE). Jobs
// keep Discord roles in step with tiers and send each closed epoch's notices once.
//
// Discord's types, REST client (with its rate limiter, which waits out 429s and per-route buckets) and
// signature check come from disgoorg/disgo; the REST client is pointed at discord.api_url, so tests run it
// against an httptest fake of Discord's API.
package discord

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"
	"golang.org/x/oauth2"

	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/x"
)

// XLookup is what the bot asks of the X source: whose is a post, and which id has a username.
// *x.Client implements it.
type XLookup interface {
	LookupPost(ctx context.Context, id string) (*x.PostAuthor, error)
	UserByUsername(ctx context.Context, username string) (*x.User, error)
}

// Bot answers Discord interactions and runs the bot's jobs over the service layer.
type Bot struct {
	Service         *service.Service
	REST            rest.Rest
	ApplicationID   snowflake.ID
	PublicKey       ed25519.PublicKey
	GuildID         snowflake.ID // 0: global commands, no role sync
	AdminRoles      []snowflake.ID
	AnnounceChannel snowflake.ID // 0: no announcements
	TierRoles       map[int]snowflake.ID
	ENGRoles        map[int64]snowflake.ID // whole-ENG threshold → role
	PublicURL       *url.URL               // for explanation, claim and /connect links
	CheckEvery      time.Duration          // how often submitted posts are checked (said in /submit's reply)
	// X looks up posts and users; nil when the config has no x section (then /connect and /submit say so).
	X XLookup
	// OAuth is the X OAuth 2.0 client; nil: /connect records unverified links. XAPIURL is where
	// GET /2/users/me is asked with the member's token; HTTPClient makes the token exchange (tests).
	OAuth      *oauth2.Config
	XAPIURL    string
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock (time.Now when nil): the signed timestamps are checked against it.
	Now func() time.Time
	// Deadline is how long a command may run before the bot defers it (type 5) and finishes with a
	// follow-up: 2.5 s unless set, within Discord's 3 s.
	Deadline time.Duration
	// NonceWindow is how long after a notice's first send Discord is counted on to answer its nonce with
	// the earlier message (DefaultNonceWindow when 0); see SendNotices.
	NonceWindow time.Duration

	inflight sync.WaitGroup // follow-ups still running
}

// MaxAge is how old (or how far ahead) a signed timestamp may be: older interactions are refused as
// replays.
const MaxAge = 5 * time.Minute

// New returns the bot of a discord section, calling Discord's REST API at c.APIURL with the bot token.
func New(c *config.Discord, svc *service.Service, publicURL *url.URL, log *slog.Logger) (*Bot, error) {
	if log == nil {
		log = slog.Default()
	}
	app, err := snowflake.Parse(c.ApplicationID)
	if err != nil {
		return nil, fmt.Errorf("discord application_id %q: %w", c.ApplicationID, err)
	}
	b := &Bot{Service: svc, ApplicationID: app, PublicKey: ed25519.PublicKey(c.PublicKey), PublicURL: publicURL, CheckEvery: c.CheckEvery,
		Logger: log, TierRoles: map[int]snowflake.ID{}}
	parse := func(s string) snowflake.ID {
		if s == "" {
			return 0
		}
		id, _ := snowflake.Parse(s) // the config checked the digits
		return id
	}
	b.GuildID, b.AnnounceChannel = parse(c.GuildID), parse(c.AnnounceChannel)
	for _, r := range c.AdminRoles {
		b.AdminRoles = append(b.AdminRoles, parse(r))
	}
	for t, r := range c.TierRoles {
		b.TierRoles[t] = parse(r)
	}
	if len(c.ENGRoles) > 0 {
		b.ENGRoles = map[int64]snowflake.ID{}
		for t, r := range c.ENGRoles {
			b.ENGRoles[t] = parse(r)
		}
	}
	b.REST = rest.New(rest.NewClient(c.BotToken.Value(), rest.WithURL(strings.TrimRight(c.APIURL, "/")), rest.WithLogger(log)))
	if o := c.XOAuth; o != nil && publicURL != nil {
		b.OAuth = &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret.Value(),
			Endpoint:    oauth2.Endpoint{AuthURL: o.AuthorizeURL, TokenURL: o.TokenURL},
			RedirectURL: publicURL.String() + CallbackPath, Scopes: []string{"users.read", "tweet.read"}}
	}
	return b, nil
}

func (b *Bot) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func (b *Bot) logger() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}

// Wait waits for the follow-ups in flight (serve calls it on shutdown; tests before they look).
func (b *Bot) Wait() { b.inflight.Wait() }

// publicLink returns PUBLIC_URL + path, or "" without a public URL.
func (b *Bot) publicLink(path string) string {
	if b.PublicURL == nil {
		return ""
	}
	return b.PublicURL.String() + path
}
