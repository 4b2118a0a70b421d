package main

import (
	"context"

	"github.com/plaudit/plaudit/chain"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/web/discordauth"
	"github.com/plaudit/plaudit/web/portal"
)

// serve always answers the member portal (/claim, /m/HANDLE, /epochs; docs/portal.md) on the API's
// address: its claims are signed with the payout section's key, and their statuses read from the chain
// section's node.
func init() {
	addServeComponent("portal", func(_ context.Context, env *serveEnv) (serveComponent, error) {
		opts := portal.Options{Service: env.Service, Logger: env.Logger}
		if env.Config.Payout.Signs() {
			key, domain, err := env.Config.Payout.Signer()
			if err != nil {
				return nil, err
			}
			opts.Claims = &service.ClaimKey{Key: key, Domain: domain}
		}
		if c := env.Config.Chain; c.Configured() {
			if opts.Claims == nil {
				env.Logger.Warn("the chain section is set but the payout section has no signer: the portal shows no claims whose status it could read")
			}
			rpc, err := chain.New(c.RPCURL.Value(), nil)
			if err != nil {
				return nil, err
			}
			opts.Chain = service.ChainView{Reader: rpc, LogsFromBlock: c.LogsFromBlock}
		}
		if env.Config.Discord.SignIn() {
			c, err := discordSignIn(env, portal.DiscordCallbackPath, discordauth.ScopeIdentify)
			if err != nil {
				return nil, err
			}
			opts.Discord = c
		}
		p, err := portal.New(opts)
		if err != nil {
			return nil, err
		}
		p.Mount(env.API.HandlePublic)
		env.Logger.Info("member portal at /claim", "claims", opts.Claims != nil, "chain", opts.Chain.Reader != nil, "discord_sign_in", opts.Discord != nil)
		return idleComponent{}, nil
	})
}
