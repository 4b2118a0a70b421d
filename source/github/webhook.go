package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v84/github"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
)

// MaxPayload is the largest webhook body read: GitHub caps payloads at 25 MB.
const MaxPayload = 25 << 20

// webhookBudget bounds the work a delivery does inside the request, well within GitHub's 10 s.
const webhookBudget = 8 * time.Second

// Events the webhook stores; any other is answered 202 and ignored.
var webhookEvents = map[string]bool{
	"issues": true, "issue_comment": true, "pull_request": true, "pull_request_review": true, "pull_request_review_comment": true,
}

// Appender appends events through the one validation path (service.AppendEvents).
type Appender interface {
	AppendEvents(ctx context.Context, events []plaudit.Event) ([]plaudit.AppendResult, error)
}

// Webhook is the handler of POST /webhooks/github.
type Webhook struct {
	// Secret is the webhook's secret (github.webhook_secret); a Webhook without one refuses everything.
	Secret []byte
	// Repos are the repositories (owner/name) whose events are stored; others are answered 202 and ignored.
	Repos []string
	// Events appends the events (the service).
	Events Appender
	// State records the deliveries handled.
	State State
	// Done, when set, is called after an issue closed as completed or a merged pull request was stored, and
	// for a submitted review (which the job stores, with its pull request's size): it enqueues the
	// evaluation (a job), so that the request answers at once. An error answers 500 and the
	// delivery is not recorded, so that a redelivery tries again.
	Done func(ctx context.Context, repo string, number int) error
	// Logger logs what each delivery did; slog.Default() when nil.
	Logger *slog.Logger
}

// Answer is the JSON body of a webhook's 2xx answer.
type Answer struct {
	Status     string `json:"status"` // accepted, ignored, already received or pong
	Delivery   string `json:"delivery"`
	Event      string `json:"event"`
	Reason     string `json:"reason,omitempty"` // why a delivery was ignored
	Accepted   int    `json:"accepted"`         // events stored now
	Duplicates int    `json:"duplicates"`       // events the log already held
}

func (w *Webhook) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// ServeHTTP verifies the delivery's signature over the raw body before anything else, then stores its
// events once. Forged or unsigned deliveries are 401 and store nothing; a delivery id already handled is
// answered 200 "already received" and handled no further.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxPayload))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			api.WriteError(rw, plaudit.Errorf(plaudit.EINVALID, "github webhook: body over %d bytes", MaxPayload))
			return
		}
		api.WriteError(rw, plaudit.Errorf(plaudit.EINVALID, "github webhook: read body: %v", err))
		return
	}
	if len(w.Secret) == 0 {
		api.WriteError(rw, plaudit.Errorf(plaudit.EUNAUTHORIZED, "github webhook: no webhook secret is configured (github.webhook_secret)"))
		return
	}
	if err := VerifySignature(w.Secret, body, r.Header.Get(SignatureHeader)); err != nil {
		w.logger().Warn("github webhook refused", "delivery", r.Header.Get("X-GitHub-Delivery"), "reason", err.Error(), "remote", r.RemoteAddr)
		api.WriteError(rw, plaudit.Errorf(plaudit.EUNAUTHORIZED, "github webhook: %v", err))
		return
	}
	delivery, event := r.Header.Get("X-GitHub-Delivery"), r.Header.Get("X-GitHub-Event")
	if delivery == "" || event == "" || len(delivery) > 100 || len(event) > 100 {
		api.WriteError(rw, plaudit.Errorf(plaudit.EINVALID, "github webhook: headers X-GitHub-Delivery and X-GitHub-Event are required"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), webhookBudget)
	defer cancel()
	ans, err := w.handle(ctx, delivery, event, body)
	if err != nil {
		if plaudit.ErrorCode(err) == plaudit.EINTERNAL {
			w.logger().Error("github webhook", "delivery", delivery, "event", event, "err", err)
		}
		api.WriteError(rw, err)
		return
	}
	status := http.StatusOK
	if ans.Status == "ignored" {
		status = http.StatusAccepted
	}
	w.logger().Info("github webhook", "delivery", delivery, "event", event, "status", ans.Status, "reason", ans.Reason,
		"accepted", ans.Accepted, "duplicates", ans.Duplicates)
	api.WriteJSON(rw, status, ans)
}

// handle does a verified delivery's work.
func (w *Webhook) handle(ctx context.Context, delivery, event string, body []byte) (*Answer, error) {
	ans := &Answer{Delivery: delivery, Event: event}
	seen, err := w.State.GitHubDeliverySeen(ctx, delivery)
	if err != nil {
		return nil, fmt.Errorf("github webhook: read deliveries: %w", err)
	}
	if seen {
		ans.Status = "already received"
		return ans, nil
	}
	record := func() error {
		if err := w.State.RecordGitHubDelivery(ctx, delivery, event, time.Now().UTC()); err != nil {
			return fmt.Errorf("github webhook: record delivery %s: %w", delivery, err)
		}
		return nil
	}
	if event == "ping" {
		ans.Status = "pong"
		return ans, record()
	}
	if !webhookEvents[event] {
		ans.Status, ans.Reason = "ignored", fmt.Sprintf("event %q is not one Plaudit stores (issues, issue_comment, pull_request, pull_request_review, pull_request_review_comment)", event)
		return ans, nil
	}
	d, err := DecodeWebhook(event, body)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "github webhook delivery %s (%s): %v", delivery, event, err)
	}
	if !w.repoAllowed(d.Repo) {
		ans.Status, ans.Reason = "ignored", fmt.Sprintf("repository %q is not in github.repos", d.Repo)
		return ans, nil
	}
	if d.Thread == nil {
		ans.Status, ans.Reason = "ignored", d.Reason
		return ans, record()
	}
	thread := d.Thread
	if d.Review && w.Done != nil {
		// The payload's pull request has no size; the job reads the review with it.
		thread, ans.Reason = nil, "the review is stored by the github-evaluate job, with its pull request's size"
	} else if thread.Closed && w.Done != nil {
		// The log keeps the first version of an id for ever, and the payload does not say whether the closer
		// is a collaborator (collaboratorOnlyPaymentInvocation): the job stores the closed issue or merged pull
		// request with that read through the REST API. Anything else in the payload is stored now.
		held := *thread
		held.Closed = false
		thread, ans.Reason = &held, "the closed issue or merged pull request is stored by the github-evaluate job, with its closer's role in the repository"
	}
	if thread != nil {
		acc, dup, err := StoreThread(ctx, w.Events, thread)
		if err != nil {
			if plaudit.ErrorCode(err) == plaudit.EINVALID {
				return nil, plaudit.Errorf(plaudit.EINVALID, "github webhook delivery %s (%s): %s", delivery, event, plaudit.ErrorMessage(err))
			}
			return nil, fmt.Errorf("github webhook delivery %s: %w", delivery, err)
		}
		ans.Accepted, ans.Duplicates = acc, dup
	} else if _, err := d.Thread.Events(); err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "github webhook delivery %s (%s): %v", delivery, event, err)
	}
	if (d.Thread.Closed || d.Review) && w.Done != nil {
		if err := w.Done(ctx, d.Repo, d.Number); err != nil {
			return nil, fmt.Errorf("github webhook delivery %s: enqueue the evaluation of %s#%d: %w", delivery, d.Repo, d.Number, err)
		}
	}
	ans.Status = "accepted"
	return ans, record()
}

func (w *Webhook) repoAllowed(repo string) bool {
	for _, r := range w.Repos {
		if strings.EqualFold(r, repo) {
			return true
		}
	}
	return false
}

// Delivery is a decoded webhook payload: the repository, the issue or pull request number, and the thread
// part it carries (nil, with Reason, for an action Plaudit does not store).
type Delivery struct {
	Repo   string
	Number int
	Thread *Thread
	Reason string
	// Review says the delivery is a submitted review. Its payload's pull request has no size
	// (additions, deletions), which the review reward reads, so a webhook with an evaluation job leaves
	// storing it to the job, which reads the pull request.
	Review bool
}

// DecodeWebhook decodes the payload of a webhook event of one of the five kinds the source stores. An
// action that stores nothing (an issue opened, a comment edited) gives a Delivery without a Thread and
// with the reason; a payload that is not the event's JSON is an error.
func DecodeWebhook(event string, body []byte) (*Delivery, error) {
	if !webhookEvents[event] {
		return nil, fmt.Errorf("event %q is not stored", event)
	}
	p, err := gh.ParseWebHook(event, body)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	d := &Delivery{}
	ignore := func(format string, args ...any) (*Delivery, error) {
		d.Reason = fmt.Sprintf(format, args...)
		return d, nil
	}
	var repo *gh.Repository
	switch e := p.(type) {
	case *gh.IssuesEvent:
		repo, d.Number = e.GetRepo(), e.GetIssue().GetNumber()
		if e.Issue == nil {
			return nil, fmt.Errorf("issue: missing")
		}
		d.Repo = repo.GetFullName()
		if e.GetAction() != "closed" || !Done(e.Issue, nil) {
			return ignore("issues %s: an issue is stored when it is closed as completed", e.GetAction())
		}
		d.Thread = &Thread{Repo: d.Repo, Issue: e.Issue, Closed: true, ClosedBy: e.GetSender()}
	case *gh.PullRequestEvent:
		repo, d.Number = e.GetRepo(), e.GetPullRequest().GetNumber()
		if e.PullRequest == nil {
			return nil, fmt.Errorf("pull_request: missing")
		}
		d.Repo = repo.GetFullName()
		if e.GetAction() != "closed" || !Done(nil, e.PullRequest) {
			return ignore("pull_request %s: a pull request is stored when it is merged", e.GetAction())
		}
		by := e.PullRequest.GetMergedBy()
		if by == nil {
			by = e.GetSender()
		}
		d.Thread = &Thread{Repo: d.Repo, PR: e.PullRequest, Closed: true, ClosedBy: by}
	case *gh.IssueCommentEvent:
		repo, d.Number = e.GetRepo(), e.GetIssue().GetNumber()
		if e.Issue == nil || e.Comment == nil {
			return nil, fmt.Errorf("issue and comment: required")
		}
		d.Repo = repo.GetFullName()
		if e.GetAction() != "created" {
			return ignore("issue_comment %s: a comment is stored when it is created", e.GetAction())
		}
		d.Thread = &Thread{Repo: d.Repo, Issue: e.Issue, Comments: []*gh.IssueComment{e.Comment}}
	case *gh.PullRequestReviewEvent:
		repo, d.Number = e.GetRepo(), e.GetPullRequest().GetNumber()
		if e.PullRequest == nil || e.Review == nil {
			return nil, fmt.Errorf("pull_request and review: required")
		}
		d.Repo = repo.GetFullName()
		if e.GetAction() != "submitted" {
			return ignore("pull_request_review %s: a review is stored when it is submitted", e.GetAction())
		}
		d.Thread = &Thread{Repo: d.Repo, PR: e.PullRequest, Reviews: []*gh.PullRequestReview{e.Review}}
		d.Review = true
	case *gh.PullRequestReviewCommentEvent:
		repo, d.Number = e.GetRepo(), e.GetPullRequest().GetNumber()
		if e.PullRequest == nil || e.Comment == nil {
			return nil, fmt.Errorf("pull_request and comment: required")
		}
		d.Repo = repo.GetFullName()
		if e.GetAction() != "created" {
			return ignore("pull_request_review_comment %s: a review comment is stored when it is created", e.GetAction())
		}
		d.Thread = &Thread{Repo: d.Repo, PR: e.PullRequest, ReviewComments: []*gh.PullRequestComment{e.Comment}}
	default:
		return nil, fmt.Errorf("event %q: unexpected payload %T", event, p)
	}
	if d.Repo == "" {
		return nil, fmt.Errorf("repository.full_name: missing")
	}
	return d, nil
}
