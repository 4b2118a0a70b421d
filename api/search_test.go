package api

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestSearchRoute runs GET /v1/search on SQLite and PostgreSQL: ranking, filters, pages, like, hostile
// queries read as words, and the 400s of bad parameters.
func TestSearchRoute(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "plaudit.db")
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			st, err := sqlstore.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			post := func(src plaudit.Source, id, content string, day int) plaudit.Event {
				return plaudit.Event{Source: src, ExternalID: id, Kind: plaudit.KindPost, Actor: "a" + id, Content: content, Time: base.AddDate(0, 0, day)}
			}
			if _, err := st.AppendEvents(t.Context(), []plaudit.Event{
				post(plaudit.SourceX, "1", "the Go compiler is fast and the Go runtime is small", 0),
				post(plaudit.SourceGitHub, "2", "Go compiler escape analysis improvements across many packages of the library", 1),
				post(plaudit.SourceX, "3", "the Go compiler is fast and the Go runtime is tiny", 2),
				post(plaudit.SourceX, "4", `content: NEAR (x* -y`, 3),
			}); err != nil {
				t.Fatal(err)
			}
			svc := service.New(st, service.Options{Logger: quiet()})
			srv := NewServer(st, Options{Service: svc, Logger: quiet()})
			get := func(role plaudit.Role, query string) (int, SearchPage, Problem) {
				t.Helper()
				req := httptest.NewRequest("GET", "/v1/search?"+query, nil)
				req = req.WithContext(WithCaller(req.Context(), &Caller{Role: role}))
				rec := httptest.NewRecorder()
				srv.mux.ServeHTTP(rec, req)
				var page SearchPage
				var p Problem
				if rec.Code == 200 {
					if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
						t.Fatalf("%s: %v: %s", query, err, rec.Body)
					}
				} else {
					_ = json.Unmarshal(rec.Body.Bytes(), &p)
				}
				return rec.Code, page, p
			}
			keys := func(p SearchPage) (out []string) {
				for _, h := range p.Hits {
					out = append(out, h.Event.Key())
				}
				return out
			}
			code, page, _ := get(plaudit.RoleViewer, "q="+url.QueryEscape("go compiler"))
			if got := keys(page); code != 200 || len(got) != 3 || got[0] != "x/1" || got[1] != "x/3" || got[2] != "github/2" {
				t.Fatalf("q=go compiler: %d %v", code, got)
			}
			code, page, _ = get(plaudit.RoleCore, "q=compiler&source=github")
			if got := keys(page); code != 200 || len(got) != 1 || got[0] != "github/2" {
				t.Fatalf("source=github: %d %v", code, got)
			}
			code, page, _ = get(plaudit.RoleAdmin, "q=compiler&since=2026-01-02T00:00:00Z&until=2026-01-03T00:00:00Z")
			if got := keys(page); code != 200 || len(got) != 1 || got[0] != "github/2" {
				t.Fatalf("since/until: %d %v", code, got)
			}
			_, all, _ := get(plaudit.RoleAdmin, "q=compiler")
			code, page, _ = get(plaudit.RoleAdmin, "q=compiler&limit=2")
			if code != 200 || len(page.Hits) != 2 || page.Next == "" {
				t.Fatalf("page 1: %d %v next %q", code, keys(page), page.Next)
			}
			paged := keys(page)
			code, page, _ = get(plaudit.RoleAdmin, "q=compiler&limit=2&cursor="+page.Next)
			paged = append(paged, keys(page)...)
			if want := keys(all); code != 200 || len(want) != 3 || len(paged) != 3 || paged[0] != want[0] || paged[1] != want[1] || paged[2] != want[2] || page.Next != "" {
				t.Fatalf("pages: %d %v next %q, want %v", code, paged, page.Next, want)
			}
			code, page, _ = get(plaudit.RoleAdmin, "like=x/1")
			if got := keys(page); code != 200 || len(got) == 0 || got[0] != "x/3" {
				t.Fatalf("like=x/1: %d %v", code, got)
			}
			code, page, _ = get(plaudit.RoleAdmin, "q="+url.QueryEscape(`content: NEAR (x* -y`))
			if got := keys(page); code != 200 || len(got) != 1 || got[0] != "x/4" {
				t.Fatalf("hostile query: %d %v", code, got)
			}
			for _, bad := range []string{"", "q=" + url.QueryEscape(`"open`), "q=" + url.QueryEscape("*-()"), "q=go&like=x/1",
				"like=x1", "q=go&source=nope", "q=go&limit=0", "q=go&cursor=zz", "q=go&since=yesterday", "q=go&sort=rank"} {
				if code, _, p := get(plaudit.RoleAdmin, bad); code != 400 || p.Detail == "" {
					t.Fatalf("%q: %d %+v, want 400 with a detail", bad, code, p)
				}
			}
			if code, _, _ := get(plaudit.RoleAdmin, "like=x/404"); code != 404 {
				t.Fatalf("like=x/404: %d, want 404", code)
			}
		})
	}
}
