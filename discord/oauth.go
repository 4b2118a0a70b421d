package discord

import (
	"context"
	"html/template"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/x"
)

// The X OAuth 2.0 routes of /connect (authorization code with PKCE): /connect hands out
// PUBLIC_URL/connect/x?state=S, which sends the member to X; X sends them back to the callback, which
// takes the one-time state, exchanges the code with the state's verifier, asks X whom the token belongs
// to (GET /2/users/me) and records the link as verified only when that is the handle they asked for.
const (
	ConnectPath  = "/connect/x"
	CallbackPath = "/connect/x/callback"
)

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Plaudit</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

func writePage(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = page.Execute(w, struct{ Title, Text string }{title, text})
}

// ServeConnect answers GET /connect/x?state=S: a redirect to X's authorization with the PKCE challenge
// of the state's verifier.
func (b *Bot) ServeConnect(w http.ResponseWriter, r *http.Request) {
	if b.OAuth == nil {
		writePage(w, http.StatusNotFound, "Not available", "X sign-in is not configured on this server.")
		return
	}
	o, err := b.Service.DiscordOAuthState(r.Context(), r.URL.Query().Get("state"), false)
	if err != nil {
		b.statePage(w, err)
		return
	}
	http.Redirect(w, r, b.OAuth.AuthCodeURL(o.State, oauth2.S256ChallengeOption(o.Verifier)), http.StatusFound)
}

func (b *Bot) statePage(w http.ResponseWriter, err error) {
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		writePage(w, http.StatusBadRequest, "Link expired", plaudit.ErrorMessage(err))
		return
	}
	b.logger().Error("discord: x oauth state", "err", err)
	writePage(w, http.StatusInternalServerError, "Something went wrong", "Try /connect in Discord again in a minute.")
}

// ServeCallback answers GET /connect/x/callback?state=S&code=C (X's redirect).
func (b *Bot) ServeCallback(w http.ResponseWriter, r *http.Request) {
	if b.OAuth == nil {
		writePage(w, http.StatusNotFound, "Not available", "X sign-in is not configured on this server.")
		return
	}
	q := r.URL.Query()
	if q.Get("error") != "" {
		writePage(w, http.StatusBadRequest, "Not linked", "X sign-in was cancelled: run /connect in Discord again when you are ready.")
		return
	}
	o, err := b.Service.DiscordOAuthState(r.Context(), q.Get("state"), true)
	if err != nil {
		b.statePage(w, err)
		return
	}
	ctx := r.Context()
	if b.HTTPClient != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, b.HTTPClient)
	}
	tok, err := b.OAuth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(o.Verifier))
	if err != nil {
		b.logger().Warn("discord: x oauth exchange", "err", err)
		writePage(w, http.StatusBadGateway, "Not linked", "X did not confirm the sign-in: run /connect in Discord again.")
		return
	}
	me, err := x.Me(ctx, b.OAuth.Client(ctx, tok), b.XAPIURL)
	if err != nil {
		b.logger().Warn("discord: x users/me", "err", err)
		writePage(w, http.StatusBadGateway, "Not linked", "X did not say which account signed in: run /connect in Discord again.")
		return
	}
	if !strings.EqualFold(me.Username, o.Handle) {
		writePage(w, http.StatusBadRequest, "Not linked", "You signed in to X as @"+me.Username+", not @"+o.Handle+
			": run /connect handle:@"+me.Username+" in Discord, or sign in to X as @"+o.Handle+".")
		return
	}
	l, err := b.Service.ConnectDiscord(ctx, service.DiscordConnect{User: o.User, UserName: o.UserName, XID: me.ID, XUsername: me.Username, Verified: true})
	if err != nil {
		if plaudit.ErrorCode(err) != plaudit.EINTERNAL { // a conflict: the account is someone else's, or a second one
			writePage(w, http.StatusConflict, "Not linked", plaudit.ErrorMessage(err))
			return
		}
		b.logger().Error("discord: connect", "err", err)
		writePage(w, http.StatusInternalServerError, "Something went wrong", "Try /connect in Discord again in a minute.")
		return
	}
	writePage(w, http.StatusOK, "Linked @"+l.XUsername, "Your X account is linked to your Discord account and verified. You can close this tab.")
}
