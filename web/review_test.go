package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestReviewQueuePage: the Epochs page links each epoch's review queue and the pending items; an admin's
// approve form (with its CSRF token) decides an item and a form without the token decides nothing; a viewer
// sees the queue without any form and cannot post a decision.
func TestReviewQueuePage(t *testing.T) {
	f := newFixture(t, "", false)
	ctx := context.Background()
	doc := strings.Replace(fixturePolicy(t), fixtureProgram, fixtureProgram+
		"  witnesses:\n    addresses: [\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"]\n    review_above: 50000000\n    second_look: 0.05\n", 1)
	if _, err := f.svc.ActivatePolicy(ctx, []byte(doc), "reviews.yml", "test"); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.CloseEpochs(ctx, service.CloseRequest{Operator: "test", Verdicts: []plaudit.Verdict{}})
	if err != nil || len(res.Epochs) == 0 {
		t.Fatalf("close: %v", err)
	}
	id := res.Epochs[0].Window.ID
	q, err := f.svc.EpochReviews(ctx, id)
	if err != nil || len(q.Items) < 2 {
		t.Fatalf("queue: %+v %v", q, err)
	}
	page := "/admin/epochs/" + pathEscape(id) + "/reviews"
	item := q.Items[0]
	action := page + "/" + itoa(item.ID)

	admin, csrf := f.login("ada")
	code, _, body := f.get(admin, "/admin/epochs")
	if code != 200 || !strings.Contains(body, `href="`+page+`"`) || !strings.Contains(body, `id="pending-reviews"`) {
		t.Fatalf("epochs page: %d\n%.3000s", code, body)
	}
	code, _, body = f.get(admin, page)
	if code != 200 || !strings.Contains(body, `action="`+action+`"`) || !strings.Contains(body, q.Draw.Seed) || !strings.Contains(body, "held: ") {
		t.Fatalf("review page as admin: %d\n%.3000s", code, body)
	}
	if n := strings.Count(body, "<form method=\"post\" action=\""+page+"/"); n != len(q.Items) || strings.Count(body, `name="csrf"`) < n {
		t.Fatalf("%d decision forms for %d items, each with its CSRF token", n, len(q.Items))
	}
	if code, _, _ := f.post(admin, action, url.Values{"decision": {"approve"}, "reason": {"fine"}}); code != http.StatusForbidden {
		t.Fatalf("decision without the CSRF token: %d", code)
	}
	viewer, vcsrf := f.login("vic")
	code, _, body = f.get(viewer, page)
	if code != 200 || strings.Contains(body, "<form method=\"post\" action=\""+page) || !strings.Contains(body, item.Member) {
		t.Fatalf("review page as viewer: %d (forms shown?)\n%.3000s", code, body)
	}
	if code, _, _ := f.post(viewer, action, url.Values{"csrf": {vcsrf}, "decision": {"approve"}, "reason": {"fine"}}); code != http.StatusForbidden {
		t.Fatalf("viewer's decision: %d, want 403", code)
	}
	if q, _ := f.svc.EpochReviews(ctx, id); q.Items[0].Status != plaudit.ReviewPending {
		t.Fatalf("refused forms decided the item: %+v", q.Items[0])
	}
	code, loc, _ := f.post(admin, action, url.Values{"csrf": {csrf}, "decision": {"approve"}, "reason": {"checked the thread"}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "approved") {
		t.Fatalf("approve: %d to %q", code, loc)
	}
	q, _ = f.svc.EpochReviews(ctx, id)
	if it := q.Items[0]; it.Status != plaudit.ReviewApproved || it.DecidedBy != "panel:ada" || it.Reason != "checked the thread" {
		t.Fatalf("approved item %+v", it)
	}
	code, loc, _ = f.post(admin, action, url.Values{"csrf": {csrf}, "decision": {"reject"}, "reason": {"again"}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "not+decided") && !strings.Contains(loc, "not%20decided") {
		t.Fatalf("deciding twice: %d to %q", code, loc)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
