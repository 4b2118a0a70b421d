package github_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/plaudit/plaudit/source/github"
	"github.com/plaudit/plaudit/sqlstore"
)

// BenchmarkWebhookDelivery measures one signed issue_comment delivery through the API server into a SQLite
// store: verify, decode, validate, append, record the delivery. Each iteration is a new comment.
func BenchmarkWebhookDelivery(b *testing.B) {
	st, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "plaudit.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	e := newHookEnv(b, st)
	tmpl := fixture(b, "webhooks/issue_comment.created.json")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := bytes.Replace(tmpl, []byte(`"IC_kwDOAcme0101"`), []byte(fmt.Sprintf(`"IC_kwDOBench%07d"`, i)), 1)
		r := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
		r.Header.Set("X-GitHub-Event", "issue_comment")
		r.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", i))
		r.Header.Set("X-Hub-Signature-256", github.Sign(secret, body))
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
