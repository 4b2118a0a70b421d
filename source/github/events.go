package github

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	gh "github.com/google/go-github/v84/github"

	"github.com/plaudit/plaudit"
)

// The kinds of event the GitHub source stores (docs/events.md).
const (
	KindIssue       plaudit.Kind = "issue"
	KindPullRequest plaudit.Kind = "pull_request"
)

// Thread is one conversation (an issue or a pull request) as the source reads it: the webhook payload's
// or the REST API's objects, turned into events by Events.
type Thread struct {
	Repo  string    // owner/name
	Issue *gh.Issue // the issue, or the pull request as an issue (the REST issues API lists both)
	// PR is the pull request's own object when the thread is one (additions, deletions, merged_by); may be
	// nil for a pull request read only as an issue.
	PR *gh.PullRequest
	// Closed says the thread is done: an issue closed as completed, or a merged pull request. Only a done
	// thread stores its issue or pull_request event, so that the event holds the final labels, assignees and
	// who closed it (the log keeps the first version of an id for ever).
	Closed bool
	// ClosedBy is who closed the issue or merged the pull request, when known, and ClosedByAssociation
	// their relation to the repository (Client.Association: OWNER, MEMBER, COLLABORATOR or NONE), read
	// through the REST API for a done thread; empty when not read (a webhook payload).
	ClosedBy            *gh.User
	ClosedByAssociation string
	// Comments are the issue comments; ReviewComments the pull request's review comments; Reviews its reviews.
	Comments       []*gh.IssueComment
	ReviewComments []*gh.PullRequestComment
	Reviews        []*gh.PullRequestReview
	// ReviewFiles are the files each review covered (by review id), when read (Client.ReviewFiles): its
	// event then carries them and their sums instead of the pull request's whole size.
	ReviewFiles map[int64][]*gh.CommitFile
}

// Done reports whether an issue is closed as completed, or a pull request merged: the moments Ubiquity
// evaluates a conversation.
func Done(is *gh.Issue, pr *gh.PullRequest) bool {
	if pr != nil {
		return pr.GetMerged() || !pr.GetMergedAt().IsZero()
	}
	if is == nil || is.GetState() != "closed" {
		return false
	}
	if is.IsPullRequest() {
		return is.GetPullRequestLinks() != nil && !is.GetPullRequestLinks().GetMergedAt().IsZero()
	}
	return is.GetStateReason() == "completed"
}

// Events turns a thread into canonical events, in a fixed order: the issue or pull request (when done),
// then comments, review comments and reviews, each in the order given. A part that cannot be mapped (no
// node id, no author, no time) is an error naming it; nothing of the thread is then returned.
func (t *Thread) Events() ([]plaudit.Event, error) {
	var out []plaudit.Event
	postID, postAuthor, isPR, err := t.post()
	if err != nil {
		return nil, err
	}
	if t.Closed {
		e, err := t.postEvent(isPR)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	for i, c := range t.Comments {
		if strings.HasPrefix(c.GetBody(), EvaluationMarker) {
			continue // Plaudit's own evaluation: not a contribution
		}
		e, err := commentEvent(t.Repo, postID, postAuthor, c.GetNodeID(), c.GetUser(), c.GetBody(), c.GetCreatedAt().Time,
			c.GetAuthorAssociation(), c.GetHTMLURL())
		if err != nil {
			return nil, fmt.Errorf("comment %d (id %d): %w", i, c.GetID(), err)
		}
		out = append(out, e)
		if w, ok := WalletCommand(&e); ok {
			out = append(out, w)
		}
	}
	for i, c := range t.ReviewComments {
		e, err := commentEvent(t.Repo, postID, postAuthor, c.GetNodeID(), c.GetUser(), c.GetBody(), c.GetCreatedAt().Time,
			c.GetAuthorAssociation(), c.GetHTMLURL())
		if err != nil {
			return nil, fmt.Errorf("review comment %d (id %d): %w", i, c.GetID(), err)
		}
		out = append(out, e)
	}
	for i, r := range t.Reviews {
		e, ok, err := t.reviewEvent(postID, postAuthor, r)
		if err != nil {
			return nil, fmt.Errorf("review %d (id %d): %w", i, r.GetID(), err)
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// post returns the thread's node id and author.
func (t *Thread) post() (id, author string, isPR bool, err error) {
	switch {
	case t.Issue != nil:
		id, author, isPR = t.Issue.GetNodeID(), t.Issue.GetUser().GetLogin(), t.Issue.IsPullRequest()
		if t.PR != nil && t.PR.GetNodeID() != "" {
			id, isPR = t.PR.GetNodeID(), true
		}
	case t.PR != nil:
		id, author, isPR = t.PR.GetNodeID(), t.PR.GetUser().GetLogin(), true
	default:
		return "", "", false, fmt.Errorf("no issue or pull_request")
	}
	what := "issue"
	if isPR {
		what = "pull_request"
	}
	if id == "" {
		return "", "", false, fmt.Errorf("%s.node_id: missing", what)
	}
	if author == "" {
		return "", "", false, fmt.Errorf("%s.user.login: missing", what)
	}
	return id, author, isPR, nil
}

// postEvent is the issue or pull_request event of a done thread.
func (t *Thread) postEvent(isPR bool) (plaudit.Event, error) {
	var (
		id, body, url, assoc string
		user                 *gh.User
		created              time.Time
		labels               []*gh.Label
		assignees            []*gh.User
	)
	if t.Issue != nil {
		is := t.Issue
		id, body, url, assoc, user, created = is.GetNodeID(), is.GetBody(), is.GetHTMLURL(), is.GetAuthorAssociation(), is.GetUser(), is.GetCreatedAt().Time
		labels, assignees = is.Labels, is.Assignees
	}
	if pr := t.PR; pr != nil {
		if id == "" || isPR {
			id = pr.GetNodeID()
		}
		if t.Issue == nil {
			body, url, assoc, user, created = pr.GetBody(), pr.GetHTMLURL(), pr.GetAuthorAssociation(), pr.GetUser(), pr.GetCreatedAt().Time
			labels, assignees = pr.Labels, pr.Assignees
		}
	}
	kind := KindIssue
	if isPR {
		kind = KindPullRequest
	}
	if created.IsZero() {
		return plaudit.Event{}, fmt.Errorf("%s.created_at: missing", kind)
	}
	attrs := map[string]any{"repo": t.Repo, "labels": labelNames(labels), "assignees": logins(assignees)}
	setString(attrs, "url", url)
	setString(attrs, "author_association", assoc)
	setString(attrs, "user_type", user.GetType())
	if t.ClosedBy != nil && t.ClosedBy.GetLogin() != "" {
		attrs["closed_by"] = t.ClosedBy.GetLogin()
		setString(attrs, "closed_by_type", t.ClosedBy.GetType())
		setString(attrs, "closed_by_association", t.ClosedByAssociation)
	}
	if pr := t.PR; pr != nil {
		if pr.Additions != nil {
			attrs["additions"] = pr.GetAdditions()
		}
		if pr.Deletions != nil {
			attrs["deletions"] = pr.GetDeletions()
		}
	}
	return plaudit.Event{Source: plaudit.SourceGitHub, ExternalID: id, Kind: kind, Actor: user.GetLogin(),
		Content: body, Time: created.UTC(), Attrs: attrs}, nil
}

// commentEvent is a comment (on the issue, or a review comment on the pull request's code).
func commentEvent(repo, postID, postAuthor, id string, user *gh.User, body string, created time.Time, assoc, url string) (plaudit.Event, error) {
	switch {
	case id == "":
		return plaudit.Event{}, fmt.Errorf("node_id: missing")
	case user.GetLogin() == "":
		return plaudit.Event{}, fmt.Errorf("user.login: missing")
	case created.IsZero():
		return plaudit.Event{}, fmt.Errorf("created_at: missing")
	}
	attrs := map[string]any{"repo": repo, "issue_author": postAuthor}
	setString(attrs, "author_association", assoc)
	setString(attrs, "url", url)
	setString(attrs, "user_type", user.GetType())
	return plaudit.Event{Source: plaudit.SourceGitHub, ExternalID: id, Kind: plaudit.KindComment, Actor: user.GetLogin(),
		Target: postID, TargetAuthor: postAuthor, Content: body, Time: created.UTC(), Attrs: attrs}, nil
}

// reviewEvent is a submitted review; a pending one (not submitted yet) is left out (ok false).
func (t *Thread) reviewEvent(postID, postAuthor string, r *gh.PullRequestReview) (plaudit.Event, bool, error) {
	state := strings.ToUpper(r.GetState())
	if state == "PENDING" || state == "" {
		return plaudit.Event{}, false, nil
	}
	switch {
	case r.GetNodeID() == "":
		return plaudit.Event{}, false, fmt.Errorf("node_id: missing")
	case r.GetUser().GetLogin() == "":
		return plaudit.Event{}, false, fmt.Errorf("user.login: missing")
	case r.GetSubmittedAt().IsZero():
		return plaudit.Event{}, false, fmt.Errorf("submitted_at: missing")
	}
	attrs := map[string]any{"repo": t.Repo, "state": state, "issue_author": postAuthor}
	setString(attrs, "author_association", r.GetAuthorAssociation())
	setString(attrs, "url", r.GetHTMLURL())
	setString(attrs, "user_type", r.GetUser().GetType())
	if files, ok := t.ReviewFiles[r.GetID()]; ok {
		reviewFilesAttrs(files, attrs)
	} else if pr := t.PR; pr != nil && pr.Additions != nil && pr.Deletions != nil {
		attrs["additions"], attrs["deletions"] = pr.GetAdditions(), pr.GetDeletions()
	}
	return plaudit.Event{Source: plaudit.SourceGitHub, ExternalID: r.GetNodeID(), Kind: plaudit.KindReview, Actor: r.GetUser().GetLogin(),
		Target: postID, TargetAuthor: postAuthor, Content: r.GetBody(), Time: r.GetSubmittedAt().UTC(), Attrs: attrs}, true, nil
}

func labelNames(ls []*gh.Label) []any {
	out := make([]any, 0, len(ls))
	for _, l := range ls {
		if n := l.GetName(); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// logins are the assignees' logins, sorted (GitHub's order is not promised).
func logins(us []*gh.User) []any {
	var names []string
	for _, u := range us {
		if l := u.GetLogin(); l != "" {
			names = append(names, l)
		}
	}
	sort.Strings(names)
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

func setString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// walletCommand matches a comment that is a /wallet command: "/wallet 0x…" alone on its first line.
var walletCommand = regexp.MustCompile(`^/wallet\s+(0x[0-9a-fA-F]{40})\s*(?:\n|$)`)

// WalletCommand returns the wallet event a "/wallet 0x…" comment registers, as Ubiquity's contributors
// register theirs: the comment's GitHub account (the webhook's signature and the REST API vouch that the
// comment comes from it) names the payout wallet of its member, from the comment's time on. The event's id
// is the comment's with a "wallet:" prefix, so a redelivery or a backfill registers it once. A comment that
// is not such a command, or names an address that is not a valid wallet (a wrong EIP-55 checksum, say), gives
// no event: the comment itself is still stored, and the address is never half-accepted.
func WalletCommand(comment *plaudit.Event) (plaudit.Event, bool) {
	m := walletCommand.FindStringSubmatch(comment.Content)
	if m == nil || plaudit.CheckAddress(m[1]) != nil {
		return plaudit.Event{}, false
	}
	return plaudit.Event{Source: plaudit.SourceGitHub, ExternalID: "wallet:" + comment.ExternalID, Kind: plaudit.KindWallet,
		Actor: comment.Actor, Time: comment.Time, Attrs: map[string]any{"address": m[1]}}, true
}
