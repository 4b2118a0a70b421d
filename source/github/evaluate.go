package github

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// EvaluationMarker starts every evaluation comment Plaudit posts: a conversation that already has one is
// not commented on again (a retried job, a second merge).
const EvaluationMarker = "<!-- plaudit-evaluation -->"

// Evaluator evaluates a done conversation as Ubiquity does when an issue is closed as completed or a
// pull request merged: it reads the whole conversation through the REST API — for an issue, with the merged
// pull requests that reference it — stores it, scores new events under the active policy, and (with
// Comment, for an issue) posts a table of each contributor's rewards on the issue, each linked to its
// explanation.
type Evaluator struct {
	Client  *Client
	Service *service.Service
	// PublicURL is the server's public address (public_url), for the explanation links; without one the
	// table names the event keys.
	PublicURL *url.URL
	// Comment posts the evaluation comment (github.comment).
	Comment bool
	Logger  *slog.Logger
}

// Evaluation is what Evaluate did.
type Evaluation struct {
	Accepted, Duplicates int
	Linked               []int    // the merged pull requests linked to the issue, evaluated with it
	Rewards              []Reward // by contributor, most points first
	Commented            bool     // a comment was posted now
	Body                 string   // the comment's text
}

// Reward is one contributor's rewards in a conversation.
type Reward struct {
	Member string
	Points plaudit.Points
	Events []string // event keys of the scores, in log order
}

// Evaluate evaluates conversation number of repo (owner/name).
func (ev *Evaluator) Evaluate(ctx context.Context, repo string, number int) (*Evaluation, error) {
	owner, name, err := SplitRepo(repo)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "github evaluate: %v", err)
	}
	is, err := ev.Client.Issue(ctx, owner, name, number)
	if err != nil {
		return nil, err
	}
	out := &Evaluation{}
	t, err := ev.Client.Thread(ctx, owner, name, is)
	if err != nil {
		return nil, err
	}
	threads := []*Thread{t}
	if !is.IsPullRequest() {
		linked, err := ev.Client.LinkedPullRequests(ctx, owner, name, number)
		if err != nil {
			return nil, err
		}
		for _, n := range linked {
			pis, err := ev.Client.Issue(ctx, owner, name, n)
			if err != nil {
				return nil, err
			}
			pt, err := ev.Client.Thread(ctx, owner, name, pis)
			if err != nil {
				return nil, err
			}
			threads = append(threads, pt)
			out.Linked = append(out.Linked, n)
		}
	}
	var events []plaudit.Event
	for _, th := range threads {
		acc, dup, err := StoreThread(ctx, ev.Service, th)
		if err != nil {
			return nil, fmt.Errorf("github evaluate %s#%d: %w", repo, number, err)
		}
		out.Accepted, out.Duplicates = out.Accepted+acc, out.Duplicates+dup
		evs, err := th.Events()
		if err != nil {
			return nil, err
		}
		events = append(events, evs...)
	}
	if _, err := ev.Service.CatchUp(ctx); err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, fmt.Errorf("github evaluate %s#%d: score: %w", repo, number, err)
	}
	byMember := map[string]*Reward{}
	for _, e := range events {
		x, err := ev.Service.Explain(ctx, e.Key(), nil)
		if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
			continue // no active policy
		} else if err != nil {
			return nil, fmt.Errorf("github evaluate %s#%d: explain %s: %w", repo, number, e.Key(), err)
		}
		for _, sc := range x.Scores {
			m := sc.Member
			if m == "" {
				m = e.AccountKey()
			}
			r := byMember[m]
			if r == nil {
				r = &Reward{Member: m}
				byMember[m] = r
			}
			r.Points += sc.Points
			if len(r.Events) == 0 || r.Events[len(r.Events)-1] != e.Key() {
				r.Events = append(r.Events, e.Key())
			}
		}
	}
	for _, r := range byMember {
		out.Rewards = append(out.Rewards, *r)
	}
	sort.Slice(out.Rewards, func(i, j int) bool {
		a, b := out.Rewards[i], out.Rewards[j]
		if a.Points != b.Points {
			return a.Points > b.Points
		}
		return a.Member < b.Member
	})
	out.Body = ev.commentBody(repo, number, out.Rewards)
	if !ev.Comment || !t.Closed || is.IsPullRequest() {
		// A merged pull request is evaluated (stored and scored) but not commented on: the comment goes on
		// the issue it closes, with the pull request's rewards in it.
		return out, nil
	}
	for _, c := range t.Comments {
		if strings.HasPrefix(c.GetBody(), EvaluationMarker) {
			return out, nil // commented already
		}
	}
	if err := ev.Client.Comment(ctx, owner, name, number, out.Body); err != nil {
		return nil, err
	}
	out.Commented = true
	return out, nil
}

// commentBody is the evaluation comment: one row per contributor, with a link to each explanation.
func (ev *Evaluator) commentBody(repo string, number int, rewards []Reward) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n### Plaudit rewards for %s#%d\n\n", EvaluationMarker, repo, number)
	if len(rewards) == 0 {
		b.WriteString("No rewards: nothing in this conversation scored under the active policy.\n")
		return b.String()
	}
	b.WriteString("| contributor | points | explanations |\n|---|---:|---|\n")
	for _, r := range rewards {
		var links []string
		for i, k := range r.Events {
			if ev.PublicURL != nil {
				src, id, _ := strings.Cut(k, "/")
				links = append(links, fmt.Sprintf("[%d](%s/v1/explanations/events/%s/%s)", i+1, ev.PublicURL.String(), url.PathEscape(src), url.PathEscape(id)))
			} else {
				links = append(links, "`"+k+"`")
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.TrimPrefix(r.Member, "github:"), r.Points, strings.Join(links, " · "))
	}
	return b.String()
}
