// Package github is Plaudit's GitHub source: it receives GitHub's webhooks (verified by their
// X-Hub-Signature-256 before anything is parsed), turns issues, pull requests, comments and reviews into
// canonical plaudit events, reads history through GitHub's REST API (google/go-github, paginated, with rate
// limits waited out) and backfills a repository from a checkpoint kept in the store.
//
// Every event goes into the log through service.AppendEvents, the one validation path, under an id that
// GitHub gives (the object's node id), so a redelivered webhook or a backfill over a period already seen
// stores nothing twice.
package github

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DefaultAPIURL is the REST API's address when the configuration gives none.
const DefaultAPIURL = "https://api.github.com"

// State is what the source keeps in the store besides events: the webhook deliveries already handled
// (X-GitHub-Delivery, so that a replay is answered without being handled again) and each repository's
// backfill checkpoint. sqlstore.DB implements it (tables github_deliveries and github_checkpoints).
type State interface {
	// GitHubDeliverySeen reports whether the delivery id was recorded.
	GitHubDeliverySeen(ctx context.Context, id string) (bool, error)
	// RecordGitHubDelivery records a handled delivery; recording one again changes nothing.
	RecordGitHubDelivery(ctx context.Context, id, event string, received time.Time) error
	// GitHubCheckpoint returns the backfill checkpoint of repo ("" when none).
	GitHubCheckpoint(ctx context.Context, repo string) (string, error)
	// SetGitHubCheckpoint stores the backfill checkpoint of repo.
	SetGitHubCheckpoint(ctx context.Context, repo, checkpoint string) error
}

// SplitRepo splits "owner/name" into its halves, refusing anything else.
func SplitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") || strings.ContainsAny(repo, " \t\r\n?#") {
		return "", "", fmt.Errorf("repository %q: want OWNER/NAME", repo)
	}
	return owner, name, nil
}
