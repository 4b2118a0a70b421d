package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestGitHubBackfillCommand backfills from a small fake of GitHub's REST API (the source package's
// fixtures), twice: the second run resumes from the checkpoint and stores nothing new. Bad arguments exit 2.
func TestGitHubBackfillCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "plaudit.db")
	t.Cleanup(func() { dbFlag = "" })
	rest := filepath.Join("..", "..", "source", "github", "testdata", "rest")
	serve := func(w http.ResponseWriter, name string) {
		b, err := os.ReadFile(filepath.Join(rest, name))
		if err != nil {
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/repos/acme/widgets/")
		switch {
		case p == "issues":
			serve(w, "issues.json")
		case strings.HasPrefix(p, "issues/") && strings.HasSuffix(p, "/comments"):
			serve(w, "comments-"+strings.TrimSuffix(strings.TrimPrefix(p, "issues/"), "/comments")+".json")
		case strings.HasPrefix(p, "issues/"):
			serve(w, "issue-"+strings.TrimPrefix(p, "issues/")+".json")
		case strings.HasPrefix(p, "pulls/") && strings.HasSuffix(p, "/reviews"):
			serve(w, "reviews-"+strings.TrimSuffix(strings.TrimPrefix(p, "pulls/"), "/reviews")+".json")
		case strings.HasPrefix(p, "pulls/") && strings.HasSuffix(p, "/comments"):
			serve(w, "review-comments-"+strings.TrimSuffix(strings.TrimPrefix(p, "pulls/"), "/comments")+".json")
		case strings.HasPrefix(p, "pulls/"):
			serve(w, "pull-"+strings.TrimPrefix(p, "pulls/")+".json")
		default:
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		}
	}))
	defer srv.Close()

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"github", "backfill", "widgets"}, "want OWNER/NAME"},
		{[]string{"github", "backfill", "acme/widgets", "--since", "yesterday"}, `--since "yesterday"`},
		{[]string{"github", "backfill", "acme/widgets", "--api-url", "ftp://x"}, "api_url"},
	} {
		out, code, err := execute(t, append([]string{"--db", db}, bad.args...)...)
		if code != 2 || err == nil || !strings.Contains(userMessage(err), bad.want) {
			t.Errorf("plaudit %s: exit %d, %v\n%s; want exit 2 naming %q", strings.Join(bad.args, " "), code, err, out, bad.want)
		}
	}
	out, code, err := execute(t, "--db", db, "github", "backfill", "acme/widgets", "--since", "2026-01-01", "--api-url", srv.URL)
	if code != 0 || !strings.Contains(out, "acme/widgets: 3 conversations read from 2026-01-01T00:00:00Z, 8 events stored, 0 already stored") ||
		!strings.Contains(out, "checkpoint: 2026-11-06T08:00:00Z") {
		t.Fatalf("backfill: exit %d, %v\n%s", code, err, out)
	}
	out, code, err = execute(t, "--db", db, "github", "backfill", "acme/widgets", "--api-url", srv.URL)
	if code != 0 || !strings.Contains(out, "conversations read from 2026-11-06T08:00:00Z, 0 events stored, 8 already stored") {
		t.Fatalf("second backfill: exit %d, %v\n%s", code, err, out)
	}
	st, err := sqlstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n := 0
	if err := st.ScanEvents(context.Background(), plaudit.EventFilter{}, func(*plaudit.Event) error { n++; return nil }); err != nil || n != 8 {
		t.Fatalf("%d events stored (%v), want 8", n, err)
	}
}
