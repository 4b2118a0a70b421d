package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit/internal/wait"

	gh "github.com/google/go-github/v84/github"
)

// Client reads GitHub's REST API through google/go-github: every list is read page by page (Link
// headers), and rate limits are waited out rather than failed on — the primary limit until its
// X-RateLimit-Reset, a secondary limit for its Retry-After (a minute when none) — each wait with a log
// line. Server errors (5xx) and broken connections are retried with exponential backoff, up to MaxRetries.
type Client struct {
	gh *gh.Client
	// Logger receives a line per wait; slog.Default() when nil.
	Logger *slog.Logger
	// MaxRetries bounds the retries of one request after server errors (rate-limit waits do not count);
	// default 6.
	MaxRetries int
	// Backoff is the first wait after a server error, doubled each retry up to a minute; default 1s.
	Backoff time.Duration
	// Sleep waits d or until ctx ends; tests replace it. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewClient returns a client of the REST API at apiURL (https://api.github.com, or a GitHub Enterprise
// server's /api/v3/) authenticated with token ("" for none), over hc (http.DefaultClient when nil).
func NewClient(apiURL, token string, hc *http.Client) (*Client, error) {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("github api_url %q: want an http:// or https:// URL", apiURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c := gh.NewClient(hc)
	if token != "" {
		c = c.WithAuthToken(token)
	}
	c.BaseURL = u
	return &Client{gh: c}, nil
}

func (c *Client) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return wait.Sleep(ctx, d)
}

// do runs one request, waiting out rate limits and retrying server errors. what names it in logs and errors.
func (c *Client) do(ctx context.Context, what string, fn func() (*gh.Response, error)) error {
	return c.call(ctx, what, true, fn)
}

// call is do; with retryErrors false a server error is returned at once (for a write that a 5xx may
// have done anyway: a comment posted twice is worse than one not posted). Rate limits, which GitHub
// answers before doing anything, are always waited out.
func (c *Client) call(ctx context.Context, what string, retryErrors bool, fn func() (*gh.Response, error)) error {
	maxRetries, backoff := c.MaxRetries, c.Backoff
	if maxRetries <= 0 {
		maxRetries = 6
	}
	if backoff <= 0 {
		backoff = time.Second
	}
	failures := 0
	for {
		resp, err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("github: %s: %w", what, ctx.Err())
		}
		wait, retry, counted := retryAfter(resp, err)
		if !retry {
			return fmt.Errorf("github: %s: %w", what, err)
		}
		if counted && !retryErrors {
			return fmt.Errorf("github: %s: %w", what, err)
		}
		if counted {
			failures++
			if failures > maxRetries {
				return fmt.Errorf("github: %s: giving up after %d retries: %w", what, maxRetries, err)
			}
			wait = min(backoff<<(failures-1), time.Minute)
			c.logger().Warn("github: request failed, retrying", "request", what, "attempt", failures, "wait", wait, "err", err)
		} else {
			c.logger().Warn("github: rate limited, waiting", "request", what, "wait", wait.Round(time.Second), "err", err)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("github: %s: %w", what, err)
		}
	}
}

// retryAfter says whether a failed request is tried again, after how long, and whether the retry counts
// against MaxRetries (server errors do; rate limits, which end by themselves, do not).
func retryAfter(resp *gh.Response, err error) (wait time.Duration, retry, counted bool) {
	var rle *gh.RateLimitError
	var arle *gh.AbuseRateLimitError
	switch {
	case errors.As(err, &rle):
		wait = time.Until(rle.Rate.Reset.Time) + time.Second
		return max(wait, time.Second), true, false
	case errors.As(err, &arle):
		if d := arle.GetRetryAfter(); d > 0 {
			return d, true, false
		}
		return time.Minute, true, false
	}
	if resp == nil || resp.Response == nil {
		var ge *gh.ErrorResponse
		if errors.As(err, &ge) && ge.Response != nil {
			return statusRetry(ge.Response)
		}
		return 0, true, true // no answer: a broken connection
	}
	return statusRetry(resp.Response)
}

func statusRetry(r *http.Response) (time.Duration, bool, bool) {
	switch {
	case r.StatusCode == http.StatusTooManyRequests || (r.StatusCode == http.StatusForbidden && r.Header.Get("Retry-After") != ""):
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err == nil && s >= 0 {
			return time.Duration(s)*time.Second + 0, true, false
		}
		return time.Minute, true, false
	case r.StatusCode >= 500:
		return 0, true, true
	}
	return 0, false, false
}

// Issue reads one issue or pull request (as an issue) by number.
func (c *Client) Issue(ctx context.Context, owner, repo string, number int) (*gh.Issue, error) {
	var is *gh.Issue
	err := c.do(ctx, fmt.Sprintf("read issue %s/%s#%d", owner, repo, number), func() (r *gh.Response, err error) {
		is, r, err = c.gh.Issues.Get(ctx, owner, repo, number)
		return r, err
	})
	return is, err
}

// Issues calls fn with each issue and pull request of the repository updated at or after since, oldest
// update first, page by page.
func (c *Client) Issues(ctx context.Context, owner, repo string, since time.Time, fn func(*gh.Issue) error) error {
	opt := &gh.IssueListByRepoOptions{State: "all", Sort: "updated", Direction: "asc", Since: since, ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		var page []*gh.Issue
		var resp *gh.Response
		err := c.do(ctx, fmt.Sprintf("list issues of %s/%s (page %d)", owner, repo, max(opt.ListOptions.Page, 1)), func() (r *gh.Response, err error) {
			page, resp, err = c.gh.Issues.ListByRepo(ctx, owner, repo, opt)
			return resp, err
		})
		if err != nil {
			return err
		}
		for _, is := range page {
			if err := fn(is); err != nil {
				return err
			}
		}
		if resp.NextPage == 0 {
			return nil
		}
		opt.ListOptions.Page = resp.NextPage
	}
}

// closerAssociation reads the association of who closed a done thread (not of a bot: bots never invoke a
// payout, whatever their role).
func (c *Client) closerAssociation(ctx context.Context, owner, repo string, t *Thread) error {
	if t.ClosedBy == nil || t.ClosedBy.GetLogin() == "" || t.ClosedBy.GetType() == "Bot" {
		return nil
	}
	a, err := c.Association(ctx, owner, repo, t.ClosedBy.GetLogin())
	if err != nil {
		return err
	}
	t.ClosedByAssociation = a
	return nil
}

// Thread reads an issue's or pull request's whole conversation: comments, and for a pull request its
// own object, reviews and review comments; for a done issue, who closed it.
func (c *Client) Thread(ctx context.Context, owner, repo string, is *gh.Issue) (*Thread, error) {
	n := is.GetNumber()
	t := &Thread{Repo: owner + "/" + repo, Issue: is}
	name := fmt.Sprintf("%s/%s#%d", owner, repo, n)
	copt := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		var page []*gh.IssueComment
		var resp *gh.Response
		if err := c.do(ctx, "list comments of "+name, func() (r *gh.Response, err error) {
			page, resp, err = c.gh.Issues.ListComments(ctx, owner, repo, n, copt)
			return resp, err
		}); err != nil {
			return nil, err
		}
		t.Comments = append(t.Comments, page...)
		if resp.NextPage == 0 {
			break
		}
		copt.Page = resp.NextPage
	}
	if !is.IsPullRequest() {
		if Done(is, nil) {
			t.Closed = true
			t.ClosedBy = is.GetClosedBy()
			if t.ClosedBy == nil {
				// The list omits closed_by; the issue itself has it.
				full, err := c.Issue(ctx, owner, repo, n)
				if err != nil {
					return nil, err
				}
				t.ClosedBy = full.GetClosedBy()
			}
		}
		if err := c.closerAssociation(ctx, owner, repo, t); err != nil {
			return nil, err
		}
		return t, nil
	}
	if err := c.do(ctx, "read pull request "+name, func() (r *gh.Response, err error) {
		t.PR, r, err = c.gh.PullRequests.Get(ctx, owner, repo, n)
		return r, err
	}); err != nil {
		return nil, err
	}
	if Done(nil, t.PR) {
		t.Closed, t.ClosedBy = true, t.PR.GetMergedBy()
		if err := c.closerAssociation(ctx, owner, repo, t); err != nil {
			return nil, err
		}
	}
	ropt := &gh.ListOptions{PerPage: 100}
	for {
		var page []*gh.PullRequestReview
		var resp *gh.Response
		if err := c.do(ctx, "list reviews of "+name, func() (r *gh.Response, err error) {
			page, resp, err = c.gh.PullRequests.ListReviews(ctx, owner, repo, n, ropt)
			return resp, err
		}); err != nil {
			return nil, err
		}
		t.Reviews = append(t.Reviews, page...)
		if resp.NextPage == 0 {
			break
		}
		ropt.Page = resp.NextPage
	}
	pcopt := &gh.PullRequestListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		var page []*gh.PullRequestComment
		var resp *gh.Response
		if err := c.do(ctx, "list review comments of "+name, func() (r *gh.Response, err error) {
			page, resp, err = c.gh.PullRequests.ListComments(ctx, owner, repo, n, pcopt)
			return resp, err
		}); err != nil {
			return nil, err
		}
		t.ReviewComments = append(t.ReviewComments, page...)
		if resp.NextPage == 0 {
			break
		}
		pcopt.Page = resp.NextPage
	}
	files, err := c.ReviewFiles(ctx, owner, repo, n, t.Reviews)
	if err != nil {
		return nil, err
	}
	t.ReviewFiles = files
	return t, nil
}

// Comment posts body as a comment on the issue or pull request.
func (c *Client) Comment(ctx context.Context, owner, repo string, number int, body string) error {
	return c.call(ctx, fmt.Sprintf("comment on %s/%s#%d", owner, repo, number), false, func() (r *gh.Response, err error) {
		_, r, err = c.gh.Issues.CreateComment(ctx, owner, repo, number, &gh.IssueComment{Body: gh.Ptr(body)})
		return r, err
	})
}

// LinkedPullRequests returns the numbers of the repository's merged pull requests that reference issue
// number (cross-referenced events of its timeline), ascending: the pull requests whose conversations
// Ubiquity evaluates with the issue.
func (c *Client) LinkedPullRequests(ctx context.Context, owner, repo string, number int) ([]int, error) {
	opt := &gh.ListOptions{PerPage: 100}
	seen := map[int]bool{}
	var out []int
	for {
		var page []*gh.Timeline
		var resp *gh.Response
		if err := c.do(ctx, fmt.Sprintf("read the timeline of %s/%s#%d", owner, repo, number), func() (r *gh.Response, err error) {
			page, resp, err = c.gh.Issues.ListIssueTimeline(ctx, owner, repo, number, opt)
			return resp, err
		}); err != nil {
			return nil, err
		}
		for _, ev := range page {
			is := ev.GetSource().GetIssue()
			if ev.GetEvent() != "cross-referenced" || is == nil || !is.IsPullRequest() || !Done(is, nil) || seen[is.GetNumber()] {
				continue
			}
			if full := is.GetRepository().GetFullName(); full != "" && !strings.EqualFold(full, owner+"/"+repo) {
				continue // a pull request of another repository
			}
			seen[is.GetNumber()] = true
			out = append(out, is.GetNumber())
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	sort.Ints(out)
	return out, nil
}
