package github

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
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
	// TaskPayouts, when set (github.task_payouts), settles an issue closed as completed at once into
	// Permit2 claims (service.SettleTask) if the active policy's program settles per task, and lists the
	// claims in the comment.
	TaskPayouts *TaskPayouts
	// LLMKey is the API key of the language model the policy's conversation configuration names
	// (OPENAI_API_KEY); LLMClient its HTTP client (nil for the default). Never logged.
	LLMKey    string
	LLMClient *http.Client
	Logger    *slog.Logger
}

func (ev *Evaluator) logger() *slog.Logger {
	if ev.Logger != nil {
		return ev.Logger
	}
	return slog.Default()
}

// TaskPayouts is how per-task claims are signed: the payout section's key and EIP-712 domain.
type TaskPayouts struct {
	Key    payout.SignerConfig
	Domain payout.Domain
}

// Evaluation is what Evaluate did.
type Evaluation struct {
	Accepted, Duplicates int
	Linked               []int    // the merged pull requests linked to the issue, evaluated with it
	Rewards              []Reward // by contributor, most points first
	Commented            bool     // a comment was posted now
	Body                 string   // the comment's text
	// Rated is how many comments' relevance was rated and recorded now.
	Rated int
	// Settlement is the task's settlement (per-task programs with TaskPayouts); nil otherwise.
	Settlement *service.TaskSettlement
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
	if out.Rated, err = ev.recordRelevance(ctx, events); err != nil {
		return nil, fmt.Errorf("github evaluate %s#%d: %w", repo, number, err)
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
	if ev.TaskPayouts != nil && t.Closed && !is.IsPullRequest() {
		keys := make([]string, len(events))
		for i := range events {
			keys[i] = events[i].Key()
		}
		out.Settlement, err = ev.Service.SettleTask(ctx, service.TaskRequest{Task: string(plaudit.SourceGitHub) + "/" + is.GetNodeID(),
			Events: keys, Key: ev.TaskPayouts.Key, Domain: ev.TaskPayouts.Domain})
		if err != nil {
			return nil, fmt.Errorf("github evaluate %s#%d: settle the task: %w", repo, number, err)
		}
	}
	out.Body = ev.commentBody(repo, number, out.Rewards) + claimsBody(out.Settlement)
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

// claimsBody is the comment's part for a settled task: each contributor's payout and, per wallet, the
// signed Permit2 claim to redeem (its JSON, as `plaudit payout claims` writes one).
func claimsBody(t *service.TaskSettlement) string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Payouts (%s, token %s)\n\n| contributor | points | paid | fee | wallet |\n|---|---:|---:|---:|---|\n", t.Program, t.Token)
	for _, p := range t.Payouts {
		wallet := p.Wallet
		if wallet == "" {
			wallet = "none: comment `/wallet 0x…` to register one"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", strings.TrimPrefix(p.Member, "github:"), p.Points, FormatUnits(p.Paid, t.Decimals),
			FormatUnits(p.Fee, t.Decimals), wallet)
	}
	if t.Fees.Sign() > 0 {
		fmt.Fprintf(&b, "\nFees: %s to the treasury %s.\n", FormatUnits(t.Fees, t.Decimals), t.Treasury)
	}
	for _, c := range t.Claims.Claims {
		one := *t.Claims
		one.Claims = []service.LineClaim{c}
		js, err := json.Marshal(one)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "\n<details><summary>Permit2 claim of %s for %s</summary>\n\n```json\n%s\n```\n</details>\n",
			c.Permit.Spender, FormatUnits(c.Permit.Amount, t.Decimals), js)
	}
	if t.Already {
		b.WriteString("\nThis task was settled before: these are its claims (each can be redeemed once).\n")
	}
	return b.String()
}

// FormatUnits writes an amount of base units with decimals as a decimal number, trailing zeros dropped.
func FormatUnits(v *big.Int, decimals int) string {
	if v == nil {
		return "0"
	}
	s := new(big.Int).Abs(v).String()
	if decimals > 0 {
		if len(s) <= decimals {
			s = strings.Repeat("0", decimals-len(s)+1) + s
		}
		s = s[:len(s)-decimals] + "." + s[len(s)-decimals:]
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if v.Sign() < 0 {
		s = "-" + s
	}
	return s
}
