package main

import (
	"context"
	"strings"

	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/web"
	"github.com/plaudit/plaudit/web/discordauth"
)

// The admin panel: serve answers /admin/ with the panel's pages (signed in with plaudit user create's
// accounts, not API keys; the panel checks its own sessions and roles).
func init() {
	addServeComponent("panel", func(_ context.Context, env *serveEnv) (serveComponent, error) {
		o := web.Options{Service: env.Service, Logger: env.Logger,
			SecureCookies: env.Config.PublicURL != nil && env.Config.PublicURL.Scheme == "https",
			Jobs: func() web.Jobs {
				if s := env.Notify.scheduler(); s != nil {
					return s
				}
				return nil
			}}
		if env.Config.Payout.Signs() {
			key, domain, err := env.Config.Payout.Signer()
			if err != nil {
				return nil, err
			}
			o.Claims = &web.ClaimSigner{Key: key, Domain: domain}
		}
		if d := env.Config.Discord; d.PanelSignIn() {
			c, err := discordSignIn(env, web.DiscordCallbackPath, discordauth.ScopeIdentify, discordauth.ScopeGuildsMembersRead)
			if err != nil {
				return nil, err
			}
			o.Discord = &web.DiscordSignIn{Client: c, GuildID: d.GuildID,
				Roles: service.PanelRoleMap{Admin: d.PanelRoles.Admin, Core: d.PanelRoles.Core, Viewer: d.PanelRoles.Viewer}}
		}
		panel, err := web.New(o)
		if err != nil {
			return nil, err
		}
		env.API.HandlePublic(web.Prefix, panel)
		env.Logger.Info("admin panel at "+web.Prefix+" (accounts: plaudit user create)", "discord_sign_in", o.Discord != nil)
		return idleComponent{}, nil
	})
}

// discordSignIn is the Discord OAuth2 client of "Sign in with Discord" (discord.oauth_client_secret) whose
// redirect is PUBLIC_URL + callback (config refuses the secret without public_url).
func discordSignIn(env *serveEnv, callback string, scopes ...string) (*discordauth.Client, error) {
	d := env.Config.Discord
	return discordauth.New(discordauth.Config{ClientID: d.ApplicationID, ClientSecret: d.OAuthClientSecret.Value(),
		RedirectURL: strings.TrimRight(env.Config.PublicURL.String(), "/") + callback, Scopes: scopes,
		AuthorizeURL: d.OAuthAuthorizeURL, TokenURL: d.OAuthTokenURL, APIURL: d.APIURL})
}
