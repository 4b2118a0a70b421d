package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/discord"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/source/x"
)

// The Discord bot's job kinds.
const (
	// KindDiscordRoles keeps members' Discord tier roles in step every discord.role_sync_every.
	KindDiscordRoles = "discord-roles"
	// KindDiscordNotices sends each claimable (published) epoch's announcement and payout DMs once, every
	// discord.notice_every.
	KindDiscordNotices = "discord-notices"
	// KindXEngagement reads the likes, reposts and replies of the posts submitted with /submit in the last
	// 24 hours every discord.check_every (the x section's client and read budget).
	KindXEngagement = "x-engagement"
)

// discordBots holds the one bot of each serve environment: the route and the jobs share its REST client
// and so its rate limiter.
var discordBots sync.Map // *serveEnv → *discord.Bot

// discordBot returns serve's bot, made on first use.
func discordBot(env *serveEnv) (*discord.Bot, error) {
	if b, ok := discordBots.Load(env); ok {
		return b.(*discord.Bot), nil
	}
	b, err := newDiscordBot(env)
	if err != nil {
		return nil, err
	}
	actual, _ := discordBots.LoadOrStore(env, b)
	return actual.(*discord.Bot), nil
}

// With a discord section, serve answers POST /discord/interactions (and, with discord.x_oauth, the X
// sign-in of /connect at GET /connect/x and its callback) and runs the bot's jobs.
func init() {
	addServeComponent("discord", func(_ context.Context, env *serveEnv) (serveComponent, error) {
		if env.Config.Discord == nil {
			return idleComponent{}, nil
		}
		b, err := discordBot(env)
		if err != nil {
			return nil, err
		}
		env.API.HandlePublic("POST "+discord.InteractionsPath, b)
		if b.OAuth != nil {
			env.API.HandlePublic("GET "+discord.ConnectPath, http.HandlerFunc(b.ServeConnect))
			env.API.HandlePublic("GET "+discord.CallbackPath, http.HandlerFunc(b.ServeCallback))
		}
		env.Logger.Info("discord interactions at POST "+discord.InteractionsPath, "x_oauth", b.OAuth != nil, "guild", env.Config.Discord.GuildID)
		return discordComponent{b}, nil
	})
	addServeJobKind(func(env *serveEnv) (jobs.Kind, bool) {
		c := env.Config.Discord
		if c == nil || len(c.TierRoles)+len(c.ENGRoles) == 0 {
			return jobs.Kind{}, false
		}
		return jobs.Kind{Name: KindDiscordRoles, Every: c.RoleSyncEvery, Run: func(ctx context.Context, _ json.RawMessage) (jobs.Outcome, error) {
			b, err := discordBot(env)
			if err != nil {
				return jobs.Outcome{}, err
			}
			r, err := b.SyncRoles(ctx)
			return jobs.Outcome{Items: int64(r.Checked), Awards: int64(r.Added + r.Removed),
				Note: fmt.Sprintf("%d members checked, %d roles added, %d removed, %d not in the server", r.Checked, r.Added, r.Removed, r.Absent)}, err
		}}, true
	})
	addServeJobKind(func(env *serveEnv) (jobs.Kind, bool) {
		c := env.Config.Discord
		if c == nil {
			return jobs.Kind{}, false
		}
		return jobs.Kind{Name: KindDiscordNotices, Every: c.NoticeEvery, Run: func(ctx context.Context, _ json.RawMessage) (jobs.Outcome, error) {
			b, err := discordBot(env)
			if err != nil {
				return jobs.Outcome{}, err
			}
			n, err := b.SendNotices(ctx)
			return jobs.Outcome{Items: int64(n.Epochs), Awards: int64(n.Announced + n.DMs),
				Note: fmt.Sprintf("%d epochs, %d announced, %d DMs sent, %d opted out, %d uncertain", n.Epochs, n.Announced, n.DMs, n.OptedOut, n.Uncertain)}, err
		}}, true
	})
	addServeJobKind(func(env *serveEnv) (jobs.Kind, bool) {
		c, xc := env.Config.Discord, env.Config.X
		if c == nil || xc == nil {
			return jobs.Kind{}, false
		}
		return jobs.Kind{Name: KindXEngagement, Every: c.CheckEvery, Run: func(ctx context.Context, _ json.RawMessage) (jobs.Outcome, error) {
			p, err := newXPoller(xc, env.Service, env.Store, env.Logger)
			if err != nil {
				return jobs.Outcome{}, err
			}
			res, err := p.CheckSubmitted(ctx)
			return xOutcome(res), err
		}}, true
	})
}

// newDiscordBot makes the bot of serve's discord section, with the X client of its x section.
func newDiscordBot(env *serveEnv) (*discord.Bot, error) {
	cfg := env.Config
	b, err := discord.New(cfg.Discord, env.Service, cfg.PublicURL, env.Logger)
	if err != nil {
		return nil, err
	}
	if cfg.X != nil {
		xc, err := newXClient(cfg.X, env.Logger)
		if err != nil {
			return nil, err
		}
		b.X = xc
		b.XAPIURL = cfg.X.APIURL
	}
	return b, nil
}

// discordComponent lets the follow-ups in flight finish when serve stops.
type discordComponent struct{ b *discord.Bot }

func (discordComponent) Start(context.Context) error { return nil }

func (c discordComponent) Stop(ctx context.Context) error {
	done := make(chan struct{})
	go func() { c.b.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("discord follow-ups still running: %w", ctx.Err())
	}
}

// newXClient is the X API client of an x section, for the bot's lookups.
func newXClient(c *config.X, log *slog.Logger) (*x.Client, error) {
	client, err := x.NewClient(c.APIURL, c.BearerToken.Value(), nil)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "%v", err)
	}
	client.Logger = log
	return client, nil
}
