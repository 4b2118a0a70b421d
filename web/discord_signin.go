package web

import (
	"errors"
	"net/http"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/web/discordauth"
)

// "Sign in with Discord" for the panel: GET /admin/login/discord sends the browser to Discord (scopes
// identify and guilds.members.read), and Discord sends it back to GET /admin/login/discord/callback, which
// reads the user's roles in the community's server, maps them to a panel role (the highest one wins) and
// opens the same session a password sign-in opens, as the panel user "discord:<id>". A user with none of
// the mapped roles, or not in the server, is refused with a page saying so.
const (
	DiscordLoginPath    = Prefix + "login/discord"
	DiscordCallbackPath = Prefix + "login/discord/callback"
)

// discordStateCookie binds a Discord sign-in's state to the browser that started it.
const discordStateCookie = "plaudit_discord_state"

// DiscordSignIn configures "Sign in with Discord" on the panel.
type DiscordSignIn struct {
	// Client is Discord's OAuth2 client with the redirect PUBLIC_URL/admin/login/discord/callback and the
	// scopes identify and guilds.members.read.
	Client *discordauth.Client
	// GuildID is the server whose roles are read (discord.guild_id).
	GuildID string
	// Roles maps the server's role ids to panel roles (discord.panel_roles).
	Roles service.PanelRoleMap
}

func (p *Panel) discordFlow() *discordauth.Flow {
	return &discordauth.Flow{Client: p.opts.Discord.Client, Service: p.svc, Purpose: "panel", Cookie: discordStateCookie, Path: DiscordLoginPath}
}

// discordLogin answers GET /admin/login/discord: a redirect to Discord's authorization page.
func (p *Panel) discordLogin(w http.ResponseWriter, r *http.Request) {
	if p.opts.Discord == nil {
		p.problem(w, r, http.StatusNotFound, "Not available", "Sign in with Discord is not configured on this server.")
		return
	}
	if err := p.discordFlow().Start(w, r, safeNext(r.URL.Query().Get("next")), p.secure(r)); err != nil {
		p.fail(w, r, err)
	}
}

// discordCallback answers GET /admin/login/discord/callback: Discord's redirect back.
func (p *Panel) discordCallback(w http.ResponseWriter, r *http.Request) {
	d := p.opts.Discord
	if d == nil {
		p.problem(w, r, http.StatusNotFound, "Not available", "Sign in with Discord is not configured on this server.")
		return
	}
	ctx := r.Context()
	tok, next, err := p.discordFlow().Finish(w, r, p.secure(r))
	if err != nil {
		p.discordRefused(w, r, err)
		return
	}
	me, err := d.Client.Me(ctx, tok)
	if err != nil {
		p.discordRefused(w, r, err)
		return
	}
	m, err := d.Client.GuildMember(ctx, tok, d.GuildID)
	if errors.Is(err, discordauth.ErrNotInGuild) {
		p.log.Info("panel: discord sign-in refused", "discord_user", me.ID, "why", "not in the server")
		p.problem(w, r, http.StatusForbidden, "Not allowed", "Your Discord account @"+me.Username+" is not a member of the community's server, so it opens no panel role.")
		return
	} else if err != nil {
		p.discordRefused(w, r, err)
		return
	}
	role, ok := d.Roles.RoleOf(m.Roles)
	if !ok {
		p.log.Info("panel: discord sign-in refused", "discord_user", me.ID, "why", "no panel role")
		p.problem(w, r, http.StatusForbidden, "Not allowed", "Your Discord account @"+me.Username+
			" has none of the server's roles that open the panel (admin, core or viewer). Ask an admin for one, then sign in again.")
		return
	}
	in, err := p.svc.SignInExternal(ctx, service.ExternalIdentity{Provider: "discord", ID: me.ID, Display: me.Username, Role: role}, p.opts.SessionTTL)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.setCookie(w, r, sessionCookie, in.Token, Prefix, in.Expires.Sub(p.svc.Now()))
	if next == "" {
		next = Prefix
	}
	discordauth.Continue(w, next)
}

// discordRefused answers a refused or failed Discord sign-in: a refusal with its reason, anything else (Discord
// or the store failing) logged and answered 502 without its detail.
func (p *Panel) discordRefused(w http.ResponseWriter, r *http.Request, err error) {
	switch plaudit.ErrorCode(err) {
	case plaudit.EUNAUTHORIZED, plaudit.EFORBIDDEN:
		p.log.Info("panel: discord sign-in refused", "why", plaudit.ErrorMessage(err))
		p.problem(w, r, http.StatusUnauthorized, "Not signed in", plaudit.ErrorMessage(err))
		return
	}
	p.log.Warn("panel: discord sign-in failed", "err", err)
	p.problem(w, r, http.StatusBadGateway, "Not signed in", "Discord did not confirm the sign-in: try again in a minute.")
}
