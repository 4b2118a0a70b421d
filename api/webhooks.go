package api

import (
	"net/http"

	"github.com/plaudit/plaudit"
)

// SetGitHubWebhook sets the handler of POST /webhooks/github (source/github.Webhook, which verifies each
// delivery's signature itself: the route is public). Call it before the server answers requests. Until
// it is set the route answers 404, so that a server without a github section accepts no delivery.
func (s *Server) SetGitHubWebhook(h http.Handler) { s.githubWebhook = h }

func (s *Server) serveGitHubWebhook(w http.ResponseWriter, r *http.Request) {
	if s.githubWebhook == nil {
		WriteError(w, plaudit.Errorf(plaudit.ENOTFOUND, "GitHub webhooks are not configured on this server (github.webhook_secret in the config file)"))
		return
	}
	s.githubWebhook.ServeHTTP(w, r)
}
