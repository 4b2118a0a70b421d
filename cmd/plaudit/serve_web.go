package main

import (
	"context"

	"github.com/plaudit/plaudit/web"
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
		panel, err := web.New(o)
		if err != nil {
			return nil, err
		}
		env.API.HandlePublic(web.Prefix, panel)
		env.Logger.Info("admin panel at " + web.Prefix + " (accounts: plaudit user create)")
		return idleComponent{}, nil
	})
}
