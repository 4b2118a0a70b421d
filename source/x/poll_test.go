package x_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/source/x"
	"github.com/plaudit/plaudit/sqlstore"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// forEachStore runs fn on a fresh SQLite store and a fresh PostgreSQL schema.
func forEachStore(t *testing.T, fn func(t *testing.T, st *sqlstore.DB)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "plaudit.db")
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			st, err := sqlstore.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			fn(t, st)
		})
	}
}

func storedKeys(t testing.TB, st plaudit.Store) []string {
	t.Helper()
	var keys []string
	if err := st.ScanEvents(context.Background(), plaudit.EventFilter{}, func(e *plaudit.Event) error {
		if e.Source == plaudit.SourceX && e.Kind != plaudit.KindLink {
			keys = append(keys, e.Key()+":"+string(e.Kind))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// clock is the injected clock and sleeper: a sleep advances the clock and is recorded, nothing waits.
type clock struct {
	now   time.Time
	slept []time.Duration
}

func (c *clock) Now() time.Time { return c.now }
func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

func newPoller(t *testing.T, f *fakeX, st *sqlstore.DB, budget int64, log *slog.Logger) (*x.Poller, *clock) {
	c, err := x.NewClient(f.srv.URL, "test-token", nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: t0}
	c.Now, c.Sleep, c.Logger = clk.Now, clk.Sleep, log
	return &x.Poller{Client: c, Events: service.New(st, service.Options{Logger: quiet()}), State: st, Logger: log,
		Config: x.Config{ProjectAccounts: []string{"acmeproject"}, CommunityAccounts: []string{"alice"}, Keywords: []string{"#acme"}, DailyReadBudget: budget}}, clk
}

var allKeys = []string{"x/1800000000000000010:post", "x/1800000000000000011:post", "x/1800000000000000012:reply",
	"x/1800000000000000020:quote", "x/1800000000000000030:mention"}

// TestPollStoresOnceScoresAndRanks: a poll stores each post once (the keyword search finds four again), a
// second poll asks from each query's since_id and stores nothing, a new post is stored by the third, and
// under preset:default the posts are scored and the linked members show on the leaderboard.
func TestPollStoresOnceScoresAndRanks(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		f := newFakeX(t, t0)
		p, _ := newPoller(t, f, st, 2000, quiet())
		res, err := p.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Accepted != 5 || res.Duplicates != 4 || res.EstimatedCost != "0.190" || res.Rejected != 0 || res.Queries != 5 || res.BudgetExhausted {
			t.Fatalf("first poll: %+v", res)
		}
		if got := strings.Join(storedKeys(t, st), " "); got != strings.Join(allKeys, " ") {
			t.Fatalf("log holds %s\nwant %s", got, strings.Join(allKeys, " "))
		}
		if res.PostsRead == 0 || res.UsersRead == 0 || res.EstimatedCost == "" || res.EstimatedCost == "0.000" {
			t.Fatalf("reads and cost not recorded: %+v", res)
		}
		posts, users, err := st.XReads(ctx, x.Day(t0))
		if err != nil || posts != res.PostsRead || users != res.UsersRead {
			t.Fatalf("stored reads %d %d %v, want %d %d", posts, users, err, res.PostsRead, res.UsersRead)
		}
		f.sinceIDs = nil
		res, err = p.Poll(ctx)
		if err != nil || res.Accepted != 0 || res.Duplicates != 0 {
			t.Fatalf("second poll: %+v %v", res, err)
		}
		if f.sinceIDs[0] != "1800000000000000012" {
			t.Fatalf("second poll asked since %q", f.sinceIDs)
		}
		f.add("from:acmeproject", map[string]any{"id": "1800000000000000040", "text": "Epoch 12 is open", "author_id": "100000000000000001",
			"conversation_id": "1800000000000000040", "created_at": "2026-12-04T12:30:00.000Z"})
		res, err = p.Poll(ctx)
		if err != nil || res.Accepted != 1 || res.Duplicates != 0 {
			t.Fatalf("third poll: %+v %v", res, err)
		}
		ev, err := service.New(st, service.Options{Logger: quiet()}).Event(ctx, "x", "1800000000000000020")
		if err != nil || ev.Target != "1800000000000000010" || ev.TargetAuthor != "100000000000000001" || ev.Attrs["username"] != "alice" {
			t.Fatalf("quote event %+v %v", ev, err)
		}

		// Score under preset:default with the project and alice linked to members.
		links := []plaudit.Event{
			{Source: plaudit.SourcePlaudit, ExternalID: "op-link-acme", Kind: plaudit.KindLink, Actor: "x:100000000000000001", Time: t0.Add(-48 * time.Hour),
				Attrs: map[string]any{"member": "acme", "member_kind": "project"}},
			{Source: plaudit.SourceX, ExternalID: "link-alice", Kind: plaudit.KindLink, Actor: "200000000000000002", Time: t0.Add(-48 * time.Hour),
				Attrs: map[string]any{"member": "alice"}},
		}
		svc := service.New(st, service.Options{Logger: quiet(), Now: func() time.Time { return t0 }})
		if _, err := svc.AppendEvents(ctx, links); err != nil {
			t.Fatal(err)
		}
		doc, err := policy.PresetSource("default")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ActivatePolicy(ctx, doc, "preset:default", "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		b, err := svc.Leaderboard(ctx, service.LeaderboardRequest{})
		if err != nil {
			t.Fatal(err)
		}
		members := map[string]bool{}
		for _, e := range b.Entries {
			if e.Points > 0 {
				members[e.Member] = true
			}
		}
		if !members["acme"] || !members["alice"] {
			t.Fatalf("leaderboard %+v: want acme and alice with points", b.Entries)
		}
	})
}

// TestPollWaitsOutRateLimit: a 429 is waited out until x-rate-limit-reset (60 s on the fake's clock,
// slept on the injected sleeper), then the request is made again and the poll completes.
func TestPollWaitsOutRateLimit(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		f := newFakeX(t, t0)
		f.fail(429)
		p, clk := newPoller(t, f, st, 2000, quiet())
		res, err := p.Poll(context.Background())
		if err != nil || res.Accepted != 5 {
			t.Fatalf("poll: %+v %v", res, err)
		}
		if len(clk.slept) != 1 || clk.slept[0] != 60*time.Second {
			t.Fatalf("slept %v, want one wait of 60s until the reset", clk.slept)
		}
	})
}

// TestPollWaitsWhenNoneRemain: an answer with x-rate-limit-remaining 0 makes the next request wait until
// x-rate-limit-reset instead of drawing a 429.
func TestPollWaitsWhenNoneRemain(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		f := newFakeX(t, t0)
		f.exhaust = true
		p, clk := newPoller(t, f, st, 2000, quiet())
		res, err := p.Poll(context.Background())
		if err != nil || res.Accepted != 5 {
			t.Fatalf("poll: %+v %v", res, err)
		}
		if len(clk.slept) != 1 || clk.slept[0] != 60*time.Second {
			t.Fatalf("slept %v, want one wait of 60s until the reset", clk.slept)
		}
	})
}

// TestPollBudget: the daily read budget stops reading with a log line and a job result saying so, and a
// restarted poller (a new one over the same store) reads nothing more the same UTC day.
func TestPollBudget(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		f := newFakeX(t, t0)
		var logs bytes.Buffer
		p, _ := newPoller(t, f, st, 14, slog.New(slog.NewTextHandler(&logs, nil)))
		res, err := p.Poll(ctx)
		if err != nil || !res.BudgetExhausted || res.Queries >= 5 {
			t.Fatalf("poll: %+v %v", res, err)
		}
		if !strings.Contains(logs.String(), "x daily read budget spent") {
			t.Fatalf("no log line: %s", logs.String())
		}
		before := f.requests
		p2, _ := newPoller(t, f, st, 14, quiet())
		res, err = p2.Poll(ctx)
		if err != nil || !res.BudgetExhausted || f.requests != before {
			t.Fatalf("restarted poll read again: %+v %v (%d requests, was %d)", res, err, f.requests, before)
		}
	})
}

// TestPollInterruptedRerun: a poll that fails in the middle of a query's pages stores what it read; the
// rerun (whose checkpoint did not move) reads them again and stores nothing twice.
func TestPollInterruptedRerun(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		f := newFakeX(t, t0)
		p, _ := newPoller(t, f, st, 2000, quiet())
		// The first page of from:acmeproject is served, its second page fails.
		p.Client.MaxRetries = 1
		f.failAfter(1, 500)
		if _, err := p.Poll(ctx); err == nil || !strings.Contains(err.Error(), "from:acmeproject") {
			t.Fatalf("interrupted poll: %v", err)
		}
		if n := len(storedKeys(t, st)); n != 2 {
			t.Fatalf("interrupted poll stored %d posts, want the first page's 2", n)
		}
		res, err := p.Poll(ctx)
		if err != nil || res.Accepted != 3 || res.Duplicates != 6 {
			t.Fatalf("rerun: %+v %v", res, err)
		}
		if got := strings.Join(storedKeys(t, st), " "); got != strings.Join(allKeys, " ") {
			t.Fatalf("log holds %s", got)
		}
	})
}

// TestPollSubmittedEngagement: for a post submitted in the last 24 hours the poll stores who liked it (two
// pages), reposted it and quoted it, likes and reposts under "like:USER:POST" and "repost:USER:POST"; a
// second poll stores none of them again.
func TestPollSubmittedEngagement(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		f := newFakeX(t, t0)
		p, _ := newPoller(t, f, st, 2000, quiet())
		p.Config = x.Config{DailyReadBudget: 2000} // only the submitted post
		sub := plaudit.Event{Source: plaudit.SourceX, ExternalID: "submit-1", Kind: plaudit.KindSubmit, Actor: "200000000000000002",
			Target: "1800000000000000010", TargetAuthor: "100000000000000001", Time: t0.Add(-time.Hour)}
		old := sub
		old.ExternalID, old.Target, old.Time = "submit-0", "1700000000000000001", t0.Add(-25*time.Hour)
		if _, err := p.Events.AppendEvents(ctx, []plaudit.Event{sub, old}); err != nil {
			t.Fatal(err)
		}
		res, err := p.Poll(ctx)
		if err != nil || res.Accepted != 5 || res.Rejected != 0 {
			t.Fatalf("poll: %+v %v", res, err)
		}
		want := "x/1800000000000000020:quote x/like:200000000000000002:1800000000000000010:like x/like:300000000000000003:1800000000000000010:like " +
			"x/like:400000000000000004:1800000000000000010:like x/repost:300000000000000003:1800000000000000010:repost"
		got := strings.Join(storedKeys(t, st), " ")
		if got != "x/1800000000000000020:quote x/like:200000000000000002:1800000000000000010:like x/like:300000000000000003:1800000000000000010:like x/like:400000000000000004:1800000000000000010:like x/repost:300000000000000003:1800000000000000010:repost x/submit-0:submit x/submit-1:submit" {
			t.Fatalf("log holds %s\nwant %s and the submits", got, want)
		}
		res, err = p.Poll(ctx)
		if err != nil || res.Accepted != 0 {
			t.Fatalf("second poll: %+v %v", res, err)
		}
	})
}
