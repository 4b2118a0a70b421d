package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// searchFixture is a small log of posts for the search tests.
func searchFixture(t *testing.T, st plaudit.Store) *service.Service {
	t.Helper()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	post := func(src plaudit.Source, id, content string, day int) plaudit.Event {
		return plaudit.Event{Source: src, ExternalID: id, Kind: plaudit.KindPost, Actor: "a" + id, Content: content, Time: base.AddDate(0, 0, day)}
	}
	appendAll(t, st, []plaudit.Event{
		post(plaudit.SourceX, "1", "Rust compiler release notes", 0),
		post(plaudit.SourceX, "2", "The Go compiler is fast and the Go runtime is small", 1),
		post(plaudit.SourceGitHub, "3", "Go compiler: escape analysis improvements across many packages of the standard library in this release cycle", 2),
		post(plaudit.SourceFarcaster, "4", "gardening tips for spring", 3),
		post(plaudit.SourceX, "5", `NEAR content: "quoted" (paren * -minus`, 4),
		post(plaudit.SourceX, "6", "The Go compiler is fast and the Go runtime is tiny", 5),
		{Source: plaudit.SourceX, ExternalID: "7", Kind: plaudit.KindLike, Actor: "b", Target: "1", Time: base},
	})
	return newService(st)
}

func searchKeys(t *testing.T, p *service.SearchPage) []string {
	t.Helper()
	var keys []string
	for _, h := range p.Hits {
		keys = append(keys, h.Event.Key())
	}
	return keys
}

func TestSearchRanksFiltersAndPages(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		svc := searchFixture(t, st)

		// Every term must match; the post that says "go" and "compiler" most ranks first.
		p, err := svc.Search(ctx, service.SearchRequest{Query: "go compiler"})
		if err != nil {
			t.Fatal(err)
		}
		if got := searchKeys(t, p); len(got) != 3 || got[2] != "github/3" {
			t.Fatalf("go compiler: got %v, want x/2 and x/6 (tie, by seq) then github/3", got)
		}
		if got := searchKeys(t, p); got[0] != "x/2" || got[1] != "x/6" {
			t.Fatalf("go compiler: ties not in seq order: %v", got)
		}
		if p.Hits[0].Snippet == "" || p.Hits[0].Rank <= p.Hits[2].Rank {
			t.Fatalf("hit 0: snippet %q rank %v, hit 2 rank %v", p.Hits[0].Snippet, p.Hits[0].Rank, p.Hits[2].Rank)
		}

		// A phrase matches its words in order only.
		p, err = svc.Search(ctx, service.SearchRequest{Query: `"compiler release"`})
		if err != nil {
			t.Fatal(err)
		}
		if got := searchKeys(t, p); len(got) != 1 || got[0] != "x/1" {
			t.Fatalf("phrase: got %v", got)
		}

		// Filters: source and time.
		p, err = svc.Search(ctx, service.SearchRequest{Query: "compiler", Sources: []plaudit.Source{plaudit.SourceGitHub}})
		if err != nil {
			t.Fatal(err)
		}
		if got := searchKeys(t, p); len(got) != 1 || got[0] != "github/3" {
			t.Fatalf("source filter: got %v", got)
		}
		p, err = svc.Search(ctx, service.SearchRequest{Query: "compiler",
			Since: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if got := searchKeys(t, p); len(got) != 1 || got[0] != "x/2" {
			t.Fatalf("time filter: got %v", got)
		}

		// Pages: one hit at a time, all three in the same order, then none.
		var paged []string
		cursor := ""
		for i := 0; i < 5; i++ {
			p, err = svc.Search(ctx, service.SearchRequest{Query: "go compiler", Limit: 1, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, searchKeys(t, p)...)
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		if len(paged) != 3 || paged[0] != "x/2" || paged[1] != "x/6" || paged[2] != "github/3" {
			t.Fatalf("paged: %v", paged)
		}
	})
}

func TestSearchHostileQueries(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		svc := searchFixture(t, st)
		// Query syntax is read as words: each finds the post that contains those words, and none errs.
		for _, q := range []string{`NEAR content`, `content:near`, `paren*`, `-minus`, `(paren`, `paren))`, `"quoted"`, `NEAR(content quoted)`} {
			p, err := svc.Search(ctx, service.SearchRequest{Query: q})
			if err != nil {
				t.Fatalf("query %q: %v", q, err)
			}
			if got := searchKeys(t, p); len(got) != 1 || got[0] != "x/5" {
				t.Fatalf("query %q: got %v, want x/5", q, got)
			}
		}
		// Bad input is EINVALID, naming the problem.
		for _, r := range []service.SearchRequest{
			{Query: `"unbalanced`},
			{Query: `*** ---`},
			{Query: ""},
			{Query: "go", Limit: -1},
			{Query: "go", Limit: plaudit.MaxSearchLimit + 1},
			{Query: "go", Cursor: "x"},
			{Query: "go", Sources: []plaudit.Source{"nope"}},
			{Query: "go", Like: "x/1"},
			{Like: "x1"},
		} {
			_, err := svc.Search(ctx, r)
			var pe *plaudit.Error
			if !errors.As(err, &pe) || pe.Code != plaudit.EINVALID {
				t.Fatalf("%+v: got %v, want an invalid error", r, err)
			}
		}
		_, err := svc.Search(ctx, service.SearchRequest{Like: "x/404"})
		var pe *plaudit.Error
		if !errors.As(err, &pe) || pe.Code != plaudit.ENOTFOUND {
			t.Fatalf("like unknown: got %v, want not found", err)
		}
	})
}

func TestSearchLike(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := searchFixture(t, st)
		p, err := svc.Search(context.Background(), service.SearchRequest{Like: "x/2"})
		if err != nil {
			t.Fatal(err)
		}
		got := searchKeys(t, p)
		if len(got) < 2 || got[0] != "x/6" {
			t.Fatalf("like x/2: got %v, want the near-duplicate x/6 first", got)
		}
		for _, k := range got {
			if k == "x/2" || k == "farcaster/4" {
				t.Fatalf("like x/2: got %v: includes itself or an unrelated post", got)
			}
		}
	})
}
