package conversation

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Thread is one conversation read from GitHub: the issue and its comments, with, when the issue was closed by
// a pull request, that pull request, its conversation, review comments, reviews and changed files.
type Thread struct {
	Issue    *Issue
	Comments []Comment
	Events   []IssueEvent // optional: the close time and URL of the task
	// Edits is the issue body's edit history (GraphQL userContentEdits), optional: the specification's
	// reward is multiplied by its author's share of the text.
	Edits []Edit

	Pull *Issue // optional: the linked pull request
	// PullIssueID is the pull request's id in the issues API (GET .../issues/N), which names its body's entry
	// as in the reference; zero uses Pull.ID.
	PullIssueID    int64
	PullComments   []Comment // its conversation comments
	ReviewComments []Comment // its review comments
	Reviews        []Review
	Files          []File // its changed files, for review rewards

	// ClosedBy is who closed the issue, which invokes its payout in Ubiquity, and ClosedByAssociation their
	// author association (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, ...); optional, read by
	// Config.CollaboratorOnlyPaymentInvocation.
	ClosedBy            *User
	ClosedByAssociation string
}

// ScoredComment is one comment's entry in a user's result: the purged content and its score.
type ScoredComment struct {
	ID        int64
	Content   string
	URL       string
	Timestamp string
	Role      Role
	DiffHunk  string
	Score     *CommentScore // nil until scored
	// Weight is the share of the specification's reward this entry carries when the specification was
	// copied from another user's comment (zero otherwise).
	Weight decimal.Decimal
	login  string // the author
}

// Task is the task reward of one assignee.
type Task struct {
	Reward     decimal.Decimal
	Multiplier decimal.Decimal
	Timestamp  string
	URL        string
}

// ReviewReward is the reward of one review.
type ReviewReward struct {
	ReviewID  int64
	Additions int
	Deletions int
	Priority  int
	Reward    decimal.Decimal
}

// UserResult is one user's rewards.
type UserResult struct {
	Login      string
	UserID     int64
	Comments   []*ScoredComment
	Task       *Task
	Reviews    []ReviewReward
	ReviewsURL string
	// ReviewCredit is the conclusive-review credit: the user approved the pull request or requested changes
	// on it. ReviewCreditID is the first such review.
	ReviewCredit   decimal.Decimal
	ReviewCreditID int64
	// Total is the sum of every reward, capped when the configuration limits rewards.
	Total decimal.Decimal
	// Fee is the part of Total paid to the treasury; FeeRate is the rate applied (0 when exempt).
	Fee     decimal.Decimal
	FeeRate decimal.Decimal
}

// Result is the scored conversation: users in the order the reference lists them (assignees first, then
// commenters in comment order).
type Result struct {
	Users []*UserResult
	// Refused says why the conversation pays nothing (no price label, payout invoked by a non-collaborator),
	// as the reference refuses to run; Users is then empty.
	Refused string
}

// User returns the result of login, or nil.
func (r *Result) User(login string) *UserResult {
	for _, u := range r.Users {
		if u.Login == login {
			return u
		}
	}
	return nil
}

// item is one scorable text of the conversation before purging.
type item struct {
	id        int64
	body      *string
	user      *User
	assoc     string
	url       string
	time      string
	role      Role
	minimized bool
	diffHunk  string
	created   string // created_at: what assignment periods are compared with (reviews have none)
}

var priorityRe = regexp.MustCompile(`(?i)^Priority:\s*(\d+)`)

// Priority returns the value of the first "Priority: N" label, or 1.
func Priority(labels []string) int {
	for _, l := range labels {
		if m := priorityRe.FindStringSubmatch(l); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				return n
			}
		}
	}
	return 1
}

// TaskPrice returns the lowest "Price: N" label value, or zero when there is none.
func TaskPrice(labels []string) decimal.Decimal {
	prices := priceLabels(labels)
	if len(prices) == 0 {
		return decimal.Zero
	}
	sort.Slice(prices, func(i, j int) bool { return prices[i].LessThan(prices[j]) })
	return prices[0]
}

// priceLabels returns the values of the "Price: N" labels, as the reference reads them.
func priceLabels(labels []string) []decimal.Decimal {
	var prices []decimal.Decimal
	for _, l := range labels {
		rest, ok := strings.CutPrefix(l, "Price: ")
		if !ok {
			continue
		}
		if p, ok := parseLeadingFloat(rest); ok {
			prices = append(prices, p)
		}
	}
	return prices
}

var leadingFloat = regexp.MustCompile(`^[\t\n\v\f\r \x{a0}\x{feff}]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)`)

// parseLeadingFloat is JavaScript's parseFloat: the longest decimal prefix, through a JavaScript number.
func parseLeadingFloat(s string) (decimal.Decimal, bool) {
	m := leadingFloat.FindStringSubmatch(s)
	if m == nil {
		return decimal.Zero, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return decimal.Zero, false
	}
	return fromFloat(f), true
}

// roleOf gives a comment its role relative to self, as the reference does: the body itself, then the author,
// then the (first) assignee, then members and collaborators, then everyone else. Owners count as
// contributors there; outside compatibility mode they count as collaborators.
func (c *Config) roleOf(kind Kind, id int64, user *User, assoc string, self *Issue) Role {
	switch {
	case id == self.ID:
		return MakeRole(kind, Specification)
	case user != nil && self.User != nil && sameUser(user, self.User):
		return MakeRole(kind, Author)
	case user != nil && self.Assignee != nil && sameUser(user, self.Assignee):
		return MakeRole(kind, Assignee)
	case assoc == "MEMBER" || assoc == "COLLABORATOR" || (!c.Compat && assoc == "OWNER"):
		return MakeRole(kind, Collaborator)
	}
	return MakeRole(kind, Contributor)
}

func sameUser(a, b *User) bool {
	if a.ID != 0 && b.ID != 0 {
		return a.ID == b.ID
	}
	return a.Login == b.Login
}

// anchored adds #issue-ID to a body's URL, as the reference anchors specifications.
func anchored(u string, id int64) string {
	if u == "" {
		return u
	}
	if i := strings.IndexByte(u, '#'); i >= 0 {
		j := len(u)
		for j > 0 && u[j-1] >= '0' && u[j-1] <= '9' {
			j--
		}
		return u[:j] + strconv.FormatInt(id, 10)
	}
	return u + "#issue-" + strconv.FormatInt(id, 10)
}

// items lists the conversation's texts in the reference's order: issue comments, the specification, then the
// linked pull request's body, reviews, review comments and conversation comments.
func (c *Config) items(t *Thread) []item {
	self := t.Issue
	kind := KindIssue
	if self.IsPull() {
		kind = KindPull
	}
	var out []item
	for _, cm := range t.Comments {
		out = append(out, item{id: cm.ID, body: cm.Body, user: cm.User, assoc: cm.AuthorAssociation, url: cm.HTMLURL,
			time: cm.CreatedAt, role: c.roleOf(kind, cm.ID, cm.User, cm.AuthorAssociation, self), minimized: cm.IsMinimized, created: cm.CreatedAt})
	}
	out = append(out, item{id: self.ID, body: self.Body, user: self.User, assoc: self.AuthorAssociation,
		url: anchored(self.HTMLURL, self.ID), time: self.CreatedAt, role: MakeRole(kind, Specification)})
	p := t.Pull
	if p != nil {
		id, url := p.ID, anchored(p.HTMLURL, p.ID)
		if t.PullIssueID != 0 {
			id, url = t.PullIssueID, anchored(url, t.PullIssueID)
		}
		out = append(out, item{id: id, body: p.Body, user: p.User, assoc: p.AuthorAssociation,
			url: url, time: p.CreatedAt, role: MakeRole(KindPull, Specification)})
	} else if self.IsPull() {
		p = self // reviews of the pull request the conversation is about
	}
	if p != nil {
		for _, r := range t.Reviews {
			out = append(out, item{id: r.ID, body: r.Body, user: r.User, assoc: r.AuthorAssociation, url: r.HTMLURL,
				time: firstNonEmpty(r.SubmittedAt, r.CreatedAt), role: c.roleOf(KindPull, r.ID, r.User, r.AuthorAssociation, p), minimized: r.IsMinimized})
		}
		for _, cm := range t.ReviewComments {
			out = append(out, item{id: cm.ID, body: cm.Body, user: cm.User, assoc: cm.AuthorAssociation, url: cm.HTMLURL,
				time: cm.CreatedAt, role: c.roleOf(KindPull, cm.ID, cm.User, cm.AuthorAssociation, p), minimized: cm.IsMinimized, diffHunk: cm.DiffHunk, created: cm.CreatedAt})
		}
		for _, cm := range t.PullComments {
			if p == self {
				break // a pull request's own conversation comments are t.Comments
			}
			out = append(out, item{id: cm.ID, body: cm.Body, user: cm.User, assoc: cm.AuthorAssociation, url: cm.HTMLURL,
				time: cm.CreatedAt, role: c.roleOf(KindPull, cm.ID, cm.User, cm.AuthorAssociation, p), minimized: cm.IsMinimized, created: cm.CreatedAt})
		}
	}
	return out
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Score reads a conversation and scores it: users, purged comments and their rewards, task rewards, review
// rewards, totals with the cap, and fees. Comments without a fixed relevance get theirs from rel.
func (c *Config) Score(ctx context.Context, t *Thread, rel RelevanceProvider) (*Result, error) {
	if t == nil || t.Issue == nil {
		return nil, fmt.Errorf("score conversation: no issue")
	}
	if err := checkIssue(t.Issue); err != nil {
		return nil, fmt.Errorf("score conversation: issue: %w", err)
	}
	if reason := c.refusal(t); reason != "" {
		return &Result{Refused: reason}, nil
	}
	res := &Result{}
	index := map[string]*UserResult{}
	addUser := func(u *User) *UserResult {
		if r := index[u.Login]; r != nil {
			if u.ID != 0 {
				r.UserID = u.ID
			}
			return r
		}
		r := &UserResult{Login: u.Login, UserID: u.ID}
		index[u.Login] = r
		res.Users = append(res.Users, r)
		return r
	}
	issue := t.Issue
	priority := Priority(issue.Labels)

	// Assignees share the task.
	taskTime, taskURL := c.taskAnchor(t)
	for i := range issue.Assignees {
		u := addUser(&issue.Assignees[i])
		if issue.Assignees[i].ID != 0 {
			u.UserID = issue.Assignees[i].ID
		}
		share := sig20(decimal.NewFromInt(1).DivRound(decimal.NewFromInt(int64(len(issue.Assignees))), 40))
		price := decimal.Zero
		if c.RedeemTask {
			price = TaskPrice(issue.Labels)
		}
		u.Task = &Task{Reward: c.jsNum(mul(price, share)), Multiplier: c.jsNum(share), Timestamp: taskTime, URL: taskURL}
	}

	items := c.items(t)
	// Commenters: a human with a non-empty body that is not a command.
	for _, it := range items {
		if it.user == nil || it.body == nil || *it.body == "" {
			continue
		}
		if it.user.Type != "User" && (c.Compat || it.user.Type != "") {
			continue // bots and organisations; outside compatibility mode a missing type counts as a person
		}
		if strings.HasPrefix(strings.TrimFunc(*it.body, isJSSpace), "/") {
			continue
		}
		addUser(it.user)
	}
	// Purge and score.
	var toRate []RelevanceItem
	var scored []*ScoredComment
	periods := assignmentPeriods(t.Events)
	for _, it := range items {
		if it.minimized || it.user == nil || it.body == nil || *it.body == "" || index[it.user.Login] == nil {
			continue
		}
		if skip := c.SkipCommentsWhileAssigned; (skip == "all" || skip == "exact") && !it.role.IsSpecification() &&
			duringAssignment(it.created, periods[it.user.Login], skip == "exact") {
			continue
		}
		content := Purge(*it.body)
		if content == "" {
			continue
		}
		sc := &ScoredComment{ID: it.id, Content: content, URL: it.url, Timestamp: it.time, Role: it.role, DiffHunk: it.diffHunk, login: it.user.Login}
		u := index[it.user.Login]
		u.Comments = append(u.Comments, sc)
		scored = append(scored, sc)
		if _, fixed := c.RelevanceFor(it.role); !fixed {
			toRate = append(toRate, RelevanceItem{ID: it.id, Author: it.user.Login, Content: content, Role: it.role, DiffHunk: it.diffHunk})
		}
	}
	relevances := map[int64]decimal.Decimal{}
	if len(toRate) > 0 && rel != nil {
		spec := ""
		if issue.Body != nil {
			spec = *issue.Body
		}
		var err error
		relevances, err = rel.Relevance(ctx, spec, toRate)
		if err != nil {
			return nil, fmt.Errorf("score conversation: relevance: %w", &relevanceError{err})
		}
	}
	var shares map[string]decimal.Decimal
	if len(t.Edits) > 0 && !issue.IsPull() {
		shares = Authorship(t.Edits)
	}
	scorer := c
	if c.Compat && (issue.Body == nil || *issue.Body == "") {
		// The reference evaluates relevance only against a specification: without one, comments keep
		// their formatting reward.
		cc := *c
		cc.NoContentEvaluator = true
		scorer = &cc
	}
	for _, sc := range scored {
		r, ok := relevances[sc.ID]
		if !ok {
			r = decimal.NewFromInt(1) // as the reference: comments the evaluator missed count fully
		}
		authorship := decimal.NewFromInt(1)
		if sc.Role.IsSpecification() {
			if s, ok := shares[sc.login]; ok && !s.IsZero() {
				authorship = s
			}
		}
		s, err := scorer.ScoreComment(CommentInput{Markdown: sc.Content, Role: sc.Role, URL: sc.URL, Relevance: r, Priority: priority, Authorship: authorship})
		if err != nil {
			return nil, fmt.Errorf("score conversation: comment %d: %w", sc.ID, err)
		}
		sc.Score = s
	}
	if issue.Body != nil {
		c.originalAuthor(*issue.Body, issue, res, addUser)
	}
	c.reviewRewards(t, priority, index, addUser)
	c.totals(res, issue)
	c.fees(res)
	return res, nil
}

// invokers are the author associations allowed to invoke a payout under CollaboratorOnlyPaymentInvocation:
// the reference allows organisation members and repository collaborators (admin, write, maintain, triage).
var invokers = map[string]bool{"OWNER": true, "MEMBER": true, "COLLABORATOR": true}

// refusal returns why the reference would not reward this conversation at all, or "": an issue without a
// price label under RequirePriceLabel, a payout invoked by a bot or a non-collaborator under
// CollaboratorOnlyPaymentInvocation.
func (c *Config) refusal(t *Thread) string {
	if c.CollaboratorOnlyPaymentInvocation && t.ClosedBy != nil {
		if t.ClosedBy.Type == "Bot" {
			return fmt.Sprintf("closed by the bot %s: bots can not generate rewards (collaboratorOnlyPaymentInvocation)", t.ClosedBy.Login)
		}
		if !invokers[strings.ToUpper(t.ClosedByAssociation)] {
			assoc := t.ClosedByAssociation
			if assoc == "" {
				assoc = "unknown"
			}
			return fmt.Sprintf("closed by %s (association %s), not a collaborator: only collaborators may generate rewards (collaboratorOnlyPaymentInvocation)", t.ClosedBy.Login, assoc)
		}
	}
	if c.RequirePriceLabel && !t.Issue.IsPull() && len(priceLabels(t.Issue.Labels)) == 0 {
		return "no price label has been set: the issue pays nothing (requirePriceLabel)"
	}
	return ""
}

// taskAnchor returns the time and URL of the task: the latest "closed" event when there is one.
func (c *Config) taskAnchor(t *Thread) (string, string) {
	var last *IssueEvent
	for i := range t.Events {
		e := &t.Events[i]
		if e.Event == "closed" && (last == nil || e.CreatedAt > last.CreatedAt) {
			last = e
		}
	}
	if last == nil {
		return "", t.Issue.HTMLURL
	}
	u := t.Issue.HTMLURL
	id := strconv.FormatInt(last.ID, 10)
	if strings.Contains(u, "#") {
		if k := strings.LastIndexByte(u, '-'); k >= 0 {
			return last.CreatedAt, u[:k+1] + id
		}
		return last.CreatedAt, u[:strings.LastIndexByte(u, '#')+1] + "event-" + id
	}
	return last.CreatedAt, u + "#event-" + id
}

// ReviewRewardFor returns (additions + deletions) × priority / baseRate.
func ReviewRewardFor(additions, deletions, priority int, baseRate decimal.Decimal) decimal.Decimal {
	if baseRate.Sign() <= 0 {
		return decimal.Zero
	}
	n := decimal.NewFromInt(int64(additions+deletions) * int64(priority))
	return sig20(n.DivRound(baseRate, 40))
}

// reviewRewards rewards each review of the linked pull request that names a commit other than the reviewer's
// previous review's, by anyone but the pull request's author, for the lines it covers
// in files not excluded (reviewers who wrote no comment only outside compatibility mode): the review's own additions/deletions when given, else the pull request's files for a
// reviewer's first review.
func (c *Config) reviewRewards(t *Thread, priority int, index map[string]*UserResult, addUser func(*User) *UserResult) {
	pull := t.Pull
	if pull == nil && t.Issue.IsPull() {
		pull = t.Issue // the conversation is the pull request itself
	}
	if pull == nil || c.ReviewBaseRate.Sign() <= 0 {
		return
	}
	filesAdd, filesDel := 0, 0
	for _, f := range t.Files {
		if !c.excluded(f.Filename) {
			filesAdd += f.Additions
			filesDel += f.Deletions
		}
	}
	if c.ConclusiveReviewCredit.Sign() > 0 {
		c.reviewCredits(t, pull, index, addUser)
	}
	seen := map[string]bool{}
	lastCommit := map[string]string{}
	for _, r := range t.Reviews {
		if r.CommitID == "" {
			continue
		}
		prev, had := lastCommit[r.User.Login]
		lastCommit[r.User.Login] = r.CommitID
		if had && prev == r.CommitID {
			continue // nothing new to review since the reviewer's previous review
		}
		if pull.User != nil && sameUser(r.User, pull.User) {
			continue // the author reviewing their own pull request
		}
		u := index[r.User.Login]
		if u == nil && !c.Compat && r.User.Type != "Bot" {
			u = addUser(r.User) // a reviewer who never commented still reviewed; the reference forgets them
		}
		if u == nil {
			continue
		}
		add, del := 0, 0
		switch {
		case r.Additions != nil || r.Deletions != nil:
			if r.Additions != nil {
				add = *r.Additions
			}
			if r.Deletions != nil {
				del = *r.Deletions
			}
		case !seen[r.User.Login]:
			add, del = filesAdd, filesDel
		}
		seen[r.User.Login] = true
		u.Reviews = append(u.Reviews, ReviewReward{ReviewID: r.ID, Additions: add, Deletions: del, Priority: priority,
			Reward: c.reviewReward(add, del, priority)})
		u.ReviewsURL = anchored(pull.HTMLURL, pull.ID)
	}
}

// reviewCredits gives ConclusiveReviewCredit, once for the pull request, to each user who approved it or
// requested changes on it, but its author (as the reference: users already in the result; outside
// compatibility mode also reviewers who never commented, bots aside).
func (c *Config) reviewCredits(t *Thread, pull *Issue, index map[string]*UserResult, addUser func(*User) *UserResult) {
	for _, r := range t.Reviews {
		if r.State != "APPROVED" && r.State != "CHANGES_REQUESTED" || r.User == nil {
			continue
		}
		if pull.User != nil && sameUser(r.User, pull.User) {
			continue
		}
		u := index[r.User.Login]
		if u == nil && !c.Compat && r.User.Type != "Bot" {
			u = addUser(r.User)
		}
		if u == nil || u.ReviewCreditID != 0 {
			continue
		}
		u.ReviewCredit = c.ConclusiveReviewCredit
		u.ReviewCreditID = r.ID
		u.ReviewsURL = anchored(pull.HTMLURL, pull.ID)
	}
}

// excluded reports whether a file matches one of the excluded patterns.
func (c *Config) excluded(name string) bool {
	for _, p := range c.ExcludedFiles {
		if globMatch(p, name) {
			return true
		}
	}
	return false
}

// totals sums each user's rewards and applies the cap: the task price, three times that for assignees.
func (c *Config) totals(res *Result, issue *Issue) {
	limit := decimal.Zero // zero: no cap
	if c.LimitRewards {
		limit = TaskPrice(issue.Labels)
	}
	assignee := map[string]bool{}
	if issue.Assignee != nil {
		assignee[issue.Assignee.Login] = true
	}
	for _, a := range issue.Assignees {
		assignee[a.Login] = true
	}
	for _, u := range res.Users {
		capAt := limit
		if assignee[u.Login] {
			capAt = limit.Mul(decimal.NewFromInt(3))
		}
		u.Total = u.sum(capAt, c.jsNum)
	}
}

// sum adds the user's rewards as the reference does: each group (comments, task, reviews) capped, then the
// whole capped. A zero cap means none.
func (u *UserResult) sum(capAt decimal.Decimal, num func(decimal.Decimal) decimal.Decimal) decimal.Decimal {
	capped := func(x decimal.Decimal) decimal.Decimal {
		x = num(x) // each level's sum is a JavaScript number in the reference
		if capAt.Sign() > 0 && x.GreaterThan(capAt) {
			return capAt
		}
		return x
	}
	total := decimal.Zero
	comments := decimal.Zero
	for _, sc := range u.Comments {
		if sc.Score != nil {
			comments = add(comments, sc.Score.Reward)
		}
	}
	total = add(total, capped(comments))
	if u.Task != nil {
		total = add(total, capped(u.Task.Reward))
	}
	reviews := decimal.Zero
	for _, r := range u.Reviews {
		reviews = add(reviews, r.Reward)
	}
	// The reference nests the pull request's entry: its reviews and its conclusive-review credit, each capped,
	// then the entry capped.
	total = add(total, capped(add(capped(reviews), capped(u.ReviewCredit))))
	return capped(total)
}

// fees deducts the fee rate from every total, unless the reward token is exempt, and credits the treasury.
func (c *Config) fees(res *Result) {
	rate := c.Fees.Rate
	if rate.Sign() <= 0 || c.Fees.Treasury == "" {
		return
	}
	for _, t := range c.Fees.ExemptTokens {
		if c.Fees.Token != "" && strings.EqualFold(strings.TrimSpace(t), c.Fees.Token) {
			return
		}
	}
	keep := sig20(decimal.NewFromInt(100).Sub(rate).DivRound(decimal.NewFromInt(100), 40))
	collected := decimal.Zero
	for _, u := range res.Users {
		after := c.jsNum(mul(u.Total, keep))
		u.Fee = sig20(u.Total.Sub(after))
		u.FeeRate = rate
		collected = add(collected, u.Fee)
		u.Total = after
	}
	if collected.Sign() > 0 {
		tr := res.User(c.Fees.Treasury)
		if tr == nil {
			tr = &UserResult{Login: c.Fees.Treasury}
			res.Users = append(res.Users, tr)
		}
		tr.Total = add(tr.Total, collected)
	}
}

// period is one assignment of a user: from Assigned to Unassigned (zero: still assigned).
type period struct{ assigned, unassigned time.Time }

// assignmentPeriods pairs each user's assigned and unassigned events, in order.
func assignmentPeriods(events []IssueEvent) map[string][]period {
	out := map[string][]period{}
	for _, e := range events {
		if (e.Event != "assigned" && e.Event != "unassigned") || e.Assignee == nil || e.Assignee.Login == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339, e.CreatedAt)
		if err != nil {
			continue
		}
		ps := out[e.Assignee.Login]
		if e.Event == "assigned" {
			out[e.Assignee.Login] = append(ps, period{assigned: at})
		} else if len(ps) > 0 && ps[len(ps)-1].unassigned.IsZero() {
			ps[len(ps)-1].unassigned = at
		}
	}
	return out
}

// duringAssignment reports whether a comment made at created falls in the user's assignment: from the first
// assignment to the last unassignment, or, exact, within one of the periods. A period still open has no end
// (the reference ends it at the current time, which no past comment is after).
func duringAssignment(created string, ps []period, exact bool) bool {
	at, err := time.Parse(time.RFC3339, created)
	if err != nil || len(ps) == 0 {
		return false
	}
	in := func(from, to time.Time) bool { return !at.Before(from) && (to.IsZero() || !at.After(to)) }
	if !exact {
		return in(ps[0].assigned, ps[len(ps)-1].unassigned)
	}
	for _, p := range ps {
		if in(p.assigned, p.unassigned) {
			return true
		}
	}
	return false
}

var originallyPosted = regexp.MustCompile(`_Originally posted by @(\S+) in \[#\d+\]\((https://github\.com/\S+)\)_`)

// originalAuthor shares the specification's reward with the author of the comment it was copied from (GitHub's
// "Originally posted by @user in #N" footer): that user receives originalAuthorWeight of it, the
// specification's author the rest.
func (c *Config) originalAuthor(body string, issue *Issue, res *Result, addUser func(*User) *UserResult) {
	m := originallyPosted.FindStringSubmatch(strings.TrimFunc(body, isJSSpace))
	if m == nil || issue.User == nil || issue.User.Login == m[1] {
		return
	}
	w := c.OriginalAuthorWeight
	for _, u := range res.Users {
		for _, sc := range u.Comments {
			if !sc.Role.IsSpecification() || sc.Score == nil {
				continue
			}
			reward := sc.Score.Reward
			keep := sig20(decimal.NewFromInt(1).Sub(w))
			clone := *sc
			score := *sc.Score
			clone.Score = &score
			sc.Score.Reward = mul(reward, keep)
			sc.Weight = keep
			clone.Score.Reward = mul(reward, w)
			clone.Weight = w
			clone.login = m[1]
			orig := addUser(&User{Login: m[1], Type: "User"})
			orig.Comments = append(orig.Comments, &clone)
			return
		}
	}
}

// jsNum is the identity outside compatibility mode; in it, x goes through a JavaScript number, as the
// reference's values do wherever it calls Decimal.toNumber (task shares such as a third, sums, fees).
func (c *Config) jsNum(x decimal.Decimal) decimal.Decimal {
	if !c.Compat {
		return x
	}
	return fromFloat(toFloat(x))
}

// reviewReward is ReviewRewardFor, computed in compatibility mode in JavaScript numbers as the reference
// computes it.
func (c *Config) reviewReward(additions, deletions, priority int) decimal.Decimal {
	if !c.Compat || c.ReviewBaseRate.Sign() <= 0 {
		return ReviewRewardFor(additions, deletions, priority, c.ReviewBaseRate)
	}
	n := float64(additions+deletions) * float64(priority)
	return fromFloat(n / toFloat(c.ReviewBaseRate))
}

// relevanceError is a failure of the relevance provider (a model out of reach), not of the conversation: a
// caller may try again, so it is returned rather than scored.
type relevanceError struct{ err error }

func (e *relevanceError) Error() string { return e.err.Error() }
func (e *relevanceError) Unwrap() error { return e.err }
