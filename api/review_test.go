package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// TestReviewRoutes: over a real store with a witnessed program that sets review_above and second_look, the
// review routes answer the queue and the pending items in the document's shapes, a decision answers the
// item and the epoch's state, a second decision of the item is 409 and a bad one 400, both changing nothing.
func TestReviewRoutes(t *testing.T) {
	v := newValidator(t)
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 40, Days: 14, Seed: 3}, func(e *plaudit.Event) error { events = append(events, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	svc := service.New(st, service.Options{Now: func() time.Time { return fixtureNow }, Logger: quiet()})
	if _, err := svc.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(fixturePolicy(t)), fixtureProgram, fixtureProgram+
		"  witnesses:\n    addresses: [\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"]\n    review_above: 50000000\n    second_look: 0.05\n", 1)
	if _, err := svc.ActivatePolicy(ctx, []byte(doc), "r.yml", "test"); err != nil {
		t.Fatal(err)
	}
	res, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: time.Date(2026, 1, 19, 0, 0, 0, 0, time.UTC), Operator: "test"})
	if err != nil || len(res.Epochs) == 0 {
		t.Fatalf("close: %v", err)
	}
	f := &fixture{t: t, st: st, svc: svc}
	f.srv = NewServer(st, Options{Service: svc, Logger: quiet()})
	hs := httptest.NewServer(f.srv)
	t.Cleanup(hs.Close)
	f.url = hs.URL
	epoch := "/v1/epochs/" + url.PathEscape(res.Epochs[0].Window.ID)

	check := func(method, path, body string, status int) string {
		t.Helper()
		ct := ""
		if body != "" {
			ct = "application/json"
		}
		req, resp, b := f.do(method, path, ct, body)
		if resp.StatusCode != status {
			t.Fatalf("%s %s: %d, want %d: %.500s", method, path, resp.StatusCode, status, b)
		}
		if ok, errs := v.ValidateHttpResponse(req, resp); !ok {
			for _, e := range errs {
				t.Errorf("%s %s: %s: %s", method, path, e.Message, e.Reason)
				for _, fe := range e.SchemaValidationErrors {
					t.Errorf("  %s: %s", fe.FieldPath, fe.Reason)
				}
			}
		}
		return b
	}
	var q service.ReviewQueue
	if err := json.Unmarshal([]byte(check("GET", epoch+"/reviews", "", 200)), &q); err != nil || q.Draw == nil || q.Draw.Payouts == 0 || q.Draw.Sampled == 0 {
		t.Fatalf("queue %+v: %v", q, err)
	}
	var page ReviewsPage
	if err := json.Unmarshal([]byte(check("GET", "/v1/reviews", "", 200)), &page); err != nil || len(page.Items) != len(q.Items) {
		t.Fatalf("pending %d, want %d: %v", len(page.Items), len(q.Items), err)
	}
	item := epoch + "/reviews/" + strconv.FormatInt(q.Items[0].ID, 10)
	check("POST", item, `{"decision":"approve"}`, 400)
	check("POST", item, `{"decision":"approve","reason":"ok","extra":1}`, 400)
	var d ReviewDecided
	if err := json.Unmarshal([]byte(check("POST", item, `{"decision":"reject","reason":"the thread is spam"}`, 200)), &d); err != nil ||
		d.Item.Status != plaudit.ReviewRejected || d.Item.DecidedBy != "api:loopback" || d.State.State != service.EpochDisputed || d.State.RejectedReviews != 1 {
		t.Fatalf("decision: %+v %+v %v", d.Item, d.State, err)
	}
	check("POST", item, `{"decision":"approve","reason":"changed my mind"}`, 409)
	if err := json.Unmarshal([]byte(check("GET", "/v1/reviews", "", 200)), &page); err != nil || len(page.Items) != len(q.Items)-1 {
		t.Fatalf("pending after one decision: %d, want %d", len(page.Items), len(q.Items)-1)
	}
	ws := check("GET", "/v1/witness/epochs/"+url.PathEscape(res.Epochs[0].Window.ID), "", 200)
	if !strings.Contains(ws, `"rejected_reviews":1`) || !strings.Contains(ws, "rejected review item") {
		t.Fatalf("witness state: %s", ws)
	}
}
