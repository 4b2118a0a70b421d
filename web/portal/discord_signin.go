package portal

import (
	"net/http"
	"net/url"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/web/discordauth"
)

// "Sign in with Discord" for members: GET /claim/discord sends the browser to Discord (scope identify),
// and Discord sends it back to GET /claim/discord/callback, which opens a session for the member the
// Discord account is linked to by the bot's /connect (service.DiscordLinkOf). A Discord account without a
// link gets a page saying to use /connect in the server. The link is re-checked on every request, as a
// member key is.
const (
	DiscordLoginPath    = "/claim/discord"
	DiscordCallbackPath = "/claim/discord/callback"
)

// discordStateCookie binds a Discord sign-in's state to the browser that started it.
const discordStateCookie = "plaudit_portal_discord"

func (p *Portal) discordFlow() *discordauth.Flow {
	return &discordauth.Flow{Client: p.discord, Service: p.svc, Purpose: "portal", Cookie: discordStateCookie, Path: DiscordLoginPath}
}

func (p *Portal) notConfigured(w http.ResponseWriter) {
	p.render(w, http.StatusNotFound, "error", errorPage{Title: "Not available", Status: http.StatusNotFound,
		Message: "Sign in with Discord is not configured on this server: sign in with your member key."})
}

// discordLogin answers GET /claim/discord: a redirect to Discord's authorization page.
func (p *Portal) discordLogin(w http.ResponseWriter, r *http.Request) {
	if p.discord == nil {
		p.notConfigured(w)
		return
	}
	if err := p.discordFlow().Start(w, r, "", secureCookies(r)); err != nil {
		p.fail(w, r, err)
	}
}

// discordCallback answers GET /claim/discord/callback: Discord's redirect back.
func (p *Portal) discordCallback(w http.ResponseWriter, r *http.Request) {
	if p.discord == nil {
		p.notConfigured(w)
		return
	}
	ctx := r.Context()
	tok, _, err := p.discordFlow().Finish(w, r, secureCookies(r))
	if err != nil {
		p.discordRefused(w, r, err)
		return
	}
	me, err := p.discord.Me(ctx, tok)
	if err != nil {
		p.discordRefused(w, r, err)
		return
	}
	l, err := p.svc.DiscordLinkOf(ctx, me.ID)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		p.log.Info("portal: discord sign-in of an unlinked account", "discord_user", me.ID)
		p.render(w, http.StatusForbidden, "error", errorPage{Title: "Not linked yet", Status: http.StatusForbidden,
			Message: "Your Discord account @" + me.Username + " is not linked to a member yet. Use /connect in the community's Discord server, then sign in again."})
		return
	} else if err != nil {
		p.fail(w, r, err)
		return
	}
	ts, _, err := p.sessions.open(ctx, service.PortalSession{Member: l.Member, DiscordUser: me.ID})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.setCookie(w, r, SessionCookie, ts, int(p.sessions.ttl.Seconds()))
	p.log.Info("portal: member signed in", "member", l.Member, "via", "discord", "discord_user", me.ID)
	discordauth.Continue(w, "/m/"+url.PathEscape(l.Member))
}

// discordRefused answers a refused or failed Discord sign-in: a refusal with its reason; Discord or the
// store failing is logged and answered 502 without its detail.
func (p *Portal) discordRefused(w http.ResponseWriter, r *http.Request, err error) {
	switch plaudit.ErrorCode(err) {
	case plaudit.EUNAUTHORIZED, plaudit.EFORBIDDEN:
		p.render(w, http.StatusUnauthorized, "error", errorPage{Title: "Not signed in", Status: http.StatusUnauthorized, Message: plaudit.ErrorMessage(err)})
		return
	}
	p.log.Warn("portal: discord sign-in failed", "err", err)
	p.render(w, http.StatusBadGateway, "error", errorPage{Title: "Not signed in", Status: http.StatusBadGateway,
		Message: "Discord did not confirm the sign-in: try again in a minute."})
}

// liveDiscordSession returns ss when its Discord user is still linked to its member, and ends it otherwise.
func (p *Portal) liveDiscordSession(r *http.Request, ss *session) *session {
	l, err := p.svc.DiscordLinkOf(r.Context(), ss.discordUser)
	if err != nil || l.Member != ss.member {
		if err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			p.log.Warn("portal: check a session's Discord link", "err", err)
			return nil // the store failing is no reason to end the session
		}
		if cerr := p.sessions.close(r); cerr != nil {
			p.log.Warn("portal: end a session whose Discord link is gone", "err", cerr)
		}
		return nil
	}
	return ss
}
