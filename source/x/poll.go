package x

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// Appender appends events through the one validation path and reads the log (service.Service implements
// it): the poller reads the x submit events of the last 24 hours to follow their posts' engagement.
type Appender interface {
	AppendEvents(ctx context.Context, events []plaudit.Event) ([]plaudit.AppendResult, error)
	ScanEvents(ctx context.Context, f plaudit.EventFilter, fn func(*plaudit.Event) error) error
}

// Config is what the poller reads: the tracked accounts (usernames without @), the keywords, hashtags and
// cashtags, and the daily read budget (posts plus users read per UTC day; 0 means no reading at all).
type Config struct {
	ProjectAccounts   []string
	CommunityAccounts []string
	Keywords          []string
	DailyReadBudget   int64
}

// Poller runs one poll of X: every query in turn, from its since_id, page by page, until the pages end or
// the day's read budget is spent.
type Poller struct {
	Client *Client
	Events Appender
	State  State
	Config Config
	Logger *slog.Logger
}

// Result is what one poll read, stored and cost: the job result of an x-poll run.
type Result struct {
	Queries         int    `json:"queries"`
	Pages           int    `json:"pages"`
	PostsRead       int64  `json:"posts_read"`
	UsersRead       int64  `json:"users_read"`
	Accepted        int    `json:"accepted"`
	Duplicates      int    `json:"duplicates"`
	Rejected        int    `json:"rejected"`
	EstimatedCost   string `json:"estimated_cost_usd"` // posts × $0.005 + users × $0.010, exact decimal
	BudgetExhausted bool   `json:"budget_exhausted,omitempty"`
}

// query is one search the poller runs; mention says its posts are mentions of a tracked account.
type query struct {
	text    string
	mention bool
}

// Queries returns the searches of a poll, in a fixed order: each tracked account's own posts (posts,
// replies, quotes), the mentions of it by others, and the keywords together.
func (c Config) Queries() []query {
	var qs []query
	for _, a := range append(append([]string{}, c.ProjectAccounts...), c.CommunityAccounts...) {
		qs = append(qs, query{text: "from:" + a}, query{text: "@" + a + " -from:" + a, mention: true})
	}
	if len(c.Keywords) > 0 {
		parts := make([]string, len(c.Keywords))
		for i, k := range c.Keywords {
			if strings.Contains(k, " ") {
				k = `"` + k + `"`
			}
			parts[i] = k
		}
		qs = append(qs, query{text: strings.Join(parts, " OR ")})
	}
	return qs
}

// errBudget stops a poll when the day's read budget is spent.
var errBudget = errors.New("x daily read budget spent")

// Poll runs every query once and returns what it read; a spent budget ends the poll early with
// Result.BudgetExhausted and no error.
func (p *Poller) Poll(ctx context.Context) (Result, error) {
	var res Result
	for _, q := range p.Config.Queries() {
		res.Queries++
		if err := p.runQuery(ctx, q, &res); errors.Is(err, errBudget) {
			res.BudgetExhausted = true
			p.logger().Warn("x daily read budget spent: polling stops until the next UTC day",
				"budget", p.Config.DailyReadBudget, "query", q.text)
			break
		} else if err != nil {
			res.EstimatedCost = cost(res.PostsRead, res.UsersRead)
			return res, err
		}
	}
	if !res.BudgetExhausted {
		if err := p.engagement(ctx, &res); errors.Is(err, errBudget) {
			res.BudgetExhausted = true
			p.logger().Warn("x daily read budget spent: polling stops until the next UTC day",
				"budget", p.Config.DailyReadBudget, "query", "engagement of submitted posts")
		} else if err != nil {
			res.EstimatedCost = cost(res.PostsRead, res.UsersRead)
			return res, err
		}
	}
	res.EstimatedCost = cost(res.PostsRead, res.UsersRead)
	p.logger().Info("x poll done", "queries", res.Queries, "posts_read", res.PostsRead, "users_read", res.UsersRead,
		"accepted", res.Accepted, "estimated_cost_usd", res.EstimatedCost)
	return res, nil
}

func (p *Poller) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// SubmittedWindow is how far back a submitted post's engagement is followed.
const SubmittedWindow = 24 * time.Hour

// engagement reads, for each post submitted (an x submit event) in the last 24 hours, who liked it
// (liking_users), reposted it (retweeted_by), quoted it (quote_tweets) and replied to it (recent search on
// conversation_id), and stores likes and reposts under deterministic ids ("like:USER:POST",
// "repost:USER:POST") and quotes and replies under their post ids, so a repeat stores nothing twice.
func (p *Poller) engagement(ctx context.Context, res *Result) error {
	type sub struct{ post, author string }
	var subs []sub
	seen := map[string]bool{}
	err := p.Events.ScanEvents(ctx, plaudit.EventFilter{Sources: []plaudit.Source{plaudit.SourceX}, Kinds: []plaudit.Kind{plaudit.KindSubmit},
		Since: p.Client.now().Add(-SubmittedWindow)}, func(e *plaudit.Event) error {
		if !seen[e.Target] {
			seen[e.Target] = true
			subs = append(subs, sub{e.Target, e.TargetAuthor})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("x poll: read submitted posts: %w", err)
	}
	for _, s := range subs {
		if checkID(s.post) != nil {
			continue
		}
		for _, k := range []struct {
			path string
			kind plaudit.Kind
		}{{"/2/tweets/" + s.post + "/liking_users", plaudit.KindLike}, {"/2/tweets/" + s.post + "/retweeted_by", plaudit.KindRepost}} {
			if err := p.users(ctx, k.path, k.kind, s.post, s.author, res); err != nil {
				return err
			}
		}
		if err := p.tweets(ctx, "/2/tweets/"+s.post+"/quote_tweets", nil, res); err != nil {
			return err
		}
		if err := p.runQuery(ctx, query{text: "conversation_id:" + s.post}, res); err != nil {
			return err
		}
	}
	return nil
}

// budgetLeft returns the day and the reads left in its budget, errBudget when fewer than min.
func (p *Poller) budgetLeft(ctx context.Context, min int64) (string, int64, error) {
	day := Day(p.Client.now())
	posts, users, err := p.State.XReads(ctx, day)
	if err != nil {
		return "", 0, err
	}
	left := p.Config.DailyReadBudget - posts - users
	if left < min {
		return "", 0, errBudget
	}
	return day, left, nil
}

// users reads every page of a users answer (liking_users, retweeted_by) and stores one event per user.
func (p *Poller) users(ctx context.Context, path string, kind plaudit.Kind, post, author string, res *Result) error {
	next := ""
	for {
		day, left, err := p.budgetLeft(ctx, 1)
		if err != nil {
			return err
		}
		q := url.Values{"max_results": {strconv.Itoa(int(min(left, 100)))}, "user.fields": {"created_at,public_metrics,username"}}
		if next != "" {
			q.Set("pagination_token", next)
		}
		b, err := p.Client.get(ctx, path, q)
		if err != nil {
			return fmt.Errorf("x poll %s: %w", path, err)
		}
		page, err := DecodeUsers(b)
		if err != nil {
			return fmt.Errorf("x poll %s: %w", path, err)
		}
		res.Pages++
		res.UsersRead += int64(len(page.Data))
		if err := p.State.AddXReads(ctx, day, 0, int64(len(page.Data))); err != nil {
			return err
		}
		evs := make([]plaudit.Event, 0, len(page.Data))
		for _, u := range page.Data {
			e := plaudit.Event{Source: plaudit.SourceX, ExternalID: string(kind) + ":" + u.ID + ":" + post, Kind: kind, Actor: u.ID,
				Target: post, TargetAuthor: author, Time: p.Client.now().UTC().Truncate(time.Second),
				Attrs: map[string]any{"follower_count": u.PublicMetrics.FollowersCount}}
			if !u.CreatedAt.IsZero() {
				e.Attrs["account_created"] = u.CreatedAt.UTC().Format(time.RFC3339)
			}
			evs = append(evs, e)
		}
		if err := p.store(ctx, evs, res); err != nil {
			return fmt.Errorf("x poll %s: %w", path, err)
		}
		if next = page.Meta.NextToken; next == "" {
			return nil
		}
	}
}

// tweets reads every page of a tweets answer at path (quote_tweets) and stores its posts.
func (p *Poller) tweets(ctx context.Context, path string, _ url.Values, res *Result) error {
	next := ""
	for {
		day, left, err := p.budgetLeft(ctx, 10)
		if err != nil {
			return err
		}
		q := tweetParams(url.Values{"max_results": {strconv.Itoa(int(min(left, 100)))}})
		if next != "" {
			q.Set("pagination_token", next)
		}
		b, err := p.Client.get(ctx, path, q)
		if err != nil {
			return fmt.Errorf("x poll %s: %w", path, err)
		}
		page, err := DecodeTweets(b)
		if err != nil {
			return fmt.Errorf("x poll %s: %w", path, err)
		}
		if err := p.readPage(ctx, day, page, false, res); err != nil {
			return fmt.Errorf("x poll %s: %w", path, err)
		}
		if next = page.Meta.NextToken; next == "" {
			return nil
		}
	}
}

// readPage counts a tweets page's reads and stores its posts.
func (p *Poller) readPage(ctx context.Context, day string, page *TweetsPage, mention bool, res *Result) error {
	res.Pages++
	np, nu := int64(len(page.Data)+len(page.Includes.Tweets)), int64(len(page.Includes.Users))
	res.PostsRead += np
	res.UsersRead += nu
	if err := p.State.AddXReads(ctx, day, np, nu); err != nil {
		return err
	}
	return p.store(ctx, Events(page, mention), res)
}

// store appends events and counts what became of them.
func (p *Poller) store(ctx context.Context, evs []plaudit.Event, res *Result) error {
	if len(evs) == 0 {
		return nil
	}
	rs, err := p.Events.AppendEvents(ctx, evs)
	if err != nil {
		return err
	}
	for i, r := range rs {
		switch r.Status {
		case plaudit.Accepted:
			res.Accepted++
		case plaudit.Duplicate:
			res.Duplicates++
		default:
			res.Rejected++
			p.logger().Warn("x event rejected", "id", evs[i].ExternalID, "error", r.Error)
		}
	}
	return nil
}

func (p *Poller) runQuery(ctx context.Context, q query, res *Result) error {
	since, err := p.State.XSinceID(ctx, q.text)
	if err != nil {
		return err
	}
	newest, next := "", ""
	for {
		day, left, err := p.budgetLeft(ctx, 10) // search answers at least 10 posts a page
		if err != nil {
			return err
		}
		page, err := p.Client.SearchRecent(ctx, q.text, since, next, int(min(left, 100)))
		if err != nil {
			return fmt.Errorf("x poll %q: %w", q.text, err)
		}
		if err := p.readPage(ctx, day, page, q.mention, res); err != nil {
			return fmt.Errorf("x poll %q: %w", q.text, err)
		}
		if newest == "" {
			newest = page.Meta.NewestID
		}
		next = page.Meta.NextToken
		if next == "" {
			break
		}
	}
	if newest != "" {
		return p.State.SetXSinceID(ctx, q.text, newest)
	}
	return nil
}

// cost returns posts × $0.005 + users × $0.010 as an exact decimal string of US dollars.
func cost(posts, users int64) string {
	mc := posts*PostReadMilliCents + users*UserReadMilliCents // thousandths of a cent
	return strconv.FormatInt(mc/100000, 10) + "." + fmt.Sprintf("%05d", mc%100000)[:3]
}

// Events maps a page of posts to canonical x events: a reply (replied_to), a quote (quoted), a repost
// (retweeted), else a post, or a mention when mention is set. Attrs carry what score/dem reads: username,
// mentioned (usernames), hashtags (without #); and follower_count and account_created of the author.
func Events(page *TweetsPage, mention bool) []plaudit.Event {
	users := map[string]User{}
	for _, u := range page.Includes.Users {
		users[u.ID] = u
	}
	refAuthor := map[string]string{}
	for _, t := range page.Includes.Tweets {
		refAuthor[t.ID] = t.AuthorID
	}
	out := make([]plaudit.Event, 0, len(page.Data))
	for _, t := range page.Data {
		e := plaudit.Event{Source: plaudit.SourceX, ExternalID: t.ID, Kind: plaudit.KindPost, Actor: t.AuthorID,
			Content: t.Text, Time: t.CreatedAt.UTC(), Attrs: map[string]any{}}
		if mention {
			e.Kind = plaudit.KindMention
		}
		for _, r := range t.ReferencedTweets {
			switch r.Type {
			case "replied_to":
				e.Kind, e.Target, e.TargetAuthor = plaudit.KindReply, r.ID, t.InReplyToUserID
			case "quoted":
				if e.Kind != plaudit.KindReply {
					e.Kind, e.Target, e.TargetAuthor = plaudit.KindQuote, r.ID, refAuthor[r.ID]
				}
			case "retweeted":
				e.Kind, e.Target, e.TargetAuthor, e.Content = plaudit.KindRepost, r.ID, refAuthor[r.ID], ""
			}
		}
		if e.Kind == plaudit.KindRepost {
			e.Attrs = nil
		} else {
			mentioned := []any{}
			for _, m := range t.Entities.Mentions {
				mentioned = append(mentioned, m.Username)
			}
			tags := []any{}
			for _, h := range t.Entities.Hashtags {
				tags = append(tags, h.Tag)
			}
			e.Attrs["mentioned"], e.Attrs["hashtags"] = mentioned, tags
		}
		if u, ok := users[t.AuthorID]; ok {
			if e.Attrs == nil {
				e.Attrs = map[string]any{}
			}
			if e.Kind != plaudit.KindRepost {
				e.Attrs["username"] = u.Username
			}
			e.Attrs["follower_count"] = u.PublicMetrics.FollowersCount
			if !u.CreatedAt.IsZero() {
				e.Attrs["account_created"] = u.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")
			}
		}
		out = append(out, e)
	}
	return out
}
