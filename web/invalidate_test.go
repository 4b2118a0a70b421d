package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
)

// invalidationTarget picks the invalidatable event of [from, to) whose own and tied scores (score.TieKey)
// give the most points now: the post whose invalidation moves the leaderboard most.
func invalidationTarget(t *testing.T, f *fixture, from, to time.Time) (string, plaudit.Points) {
	t.Helper()
	ctx := context.Background()
	scores, err := f.st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: f.activeHash()})
	if err != nil {
		t.Fatal(err)
	}
	pts := map[string]plaudit.Points{}
	for _, s := range scores {
		pts[s.Event] += s.Points
	}
	tied := map[string]plaudit.Points{}
	var keys []string
	err = f.st.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		if !e.Time.Before(from) && e.Time.Before(to) && invalidatable(e) {
			keys = append(keys, e.Key())
		}
		if k := score.TieKey(e); k != "" {
			tied[k] += pts[e.Key()]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	best, bestPts := "", plaudit.Points(0)
	for _, k := range keys {
		if p := pts[k] + tied[k]; p > bestPts {
			best, bestPts = k, p
		}
	}
	if best == "" {
		t.Fatalf("no scored event in [%s, %s)", from, to)
	}
	return best, bestPts
}

var totalRe = regexp.MustCompile(`id="total">([^<]*)<`)

// TestInvalidatePage: a viewer sees an event's effect on points without the form and cannot invalidate it;
// an operator without a reason is told so and nothing is recorded; with one, the page shows the points
// before and after (0), and a second time is refused with who did it.
func TestInvalidatePage(t *testing.T) {
	f := newFixture(t, "", false)
	key, pts := invalidationTarget(t, f, time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 19, 0, 0, 0, 0, time.UTC))
	page := "/admin/events/invalidate?event=" + url.QueryEscape(key)

	vic, vcsrf := f.login("vic")
	code, _, body := f.get(vic, page)
	if m := totalRe.FindStringSubmatch(body); code != 200 || m == nil || m[1] != pts.String() || strings.Contains(body, `action="/admin/events/invalidate"`) {
		t.Fatalf("viewer's preview of %s: %d, total %v, want %s and no form\n%.3000s", key, code, m, pts, body)
	}
	if code, _, _ := f.post(vic, "/admin/events/invalidate", url.Values{"csrf": {vcsrf}, "event": {key}, "reason": {"r"}}); code != http.StatusForbidden {
		t.Fatalf("viewer's invalidation: %d, want 403", code)
	}
	if code, _, body := f.get(vic, "/admin/events/invalidate?event=x/nope"); code != 404 || !strings.Contains(body, "no such event") {
		t.Fatalf("unknown event: %d\n%.2000s", code, body)
	}

	ada, csrf := f.login("ada")
	_, _, body = f.get(ada, page)
	if !strings.Contains(body, `action="/admin/events/invalidate"`) {
		t.Fatalf("the operator's page has no form:\n%.3000s", body)
	}
	if code, _, body := f.post(ada, "/admin/events/invalidate", url.Values{"csrf": {csrf}, "event": {key}, "reason": {" "}}); code != 400 || !strings.Contains(body, "missing reason") {
		t.Fatalf("no reason: %d\n%.3000s", code, body)
	}
	if eff, err := f.svc.InvalidationPreview(context.Background(), key); err != nil || eff.Invalidated != nil || eff.Total != pts {
		t.Fatalf("after a refused form: %+v %v", eff, err)
	}
	code, _, body = f.post(ada, "/admin/events/invalidate", url.Values{"csrf": {csrf}, "event": {key}, "reason": {"bought likes"}})
	totals := totalRe.FindAllStringSubmatch(body, -1)
	if code != 200 || !strings.Contains(body, `id="done"`) || len(totals) != 2 || totals[0][1] != pts.String() || totals[1][1] != "0" || !strings.Contains(body, "bought likes") {
		t.Fatalf("invalidate: %d, totals %v\n%.4000s", code, totals, body)
	}
	if code, _, body := f.post(ada, "/admin/events/invalidate", url.Values{"csrf": {csrf}, "event": {key}, "reason": {"again"}}); code != 409 || !strings.Contains(body, "invalidated already by panel:ada") {
		t.Fatalf("twice: %d\n%.3000s", code, body)
	}
}

// TestEpochsPageListsBatchRetirements: once a member's claim-all batch is handed out, the Epochs page lists
// it with the exact invalidateUnorderedNonces calldata of service.ClaimBatchRetirements, for viewers too.
func TestEpochsPageListsBatchRetirements(t *testing.T) {
	f := newFixture(t, "", false)
	ctx := context.Background()
	if _, err := f.svc.CloseEpochs(ctx, service.CloseRequest{Through: f.svc.Now(), Verdicts: []plaudit.Verdict{}, Operator: "test"}); err != nil {
		t.Fatal(err)
	}
	vic, _ := f.login("vic")
	if _, _, body := f.get(vic, "/admin/epochs"); !strings.Contains(body, "No claim-all batch has been handed out") {
		t.Fatalf("epochs page before any batch:\n%.3000s", body)
	}
	key := &service.ClaimKey{Key: payout.SignerConfig{Key: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"},
		Domain: payout.Domain{ChainID: 100, Permit2: payout.CanonicalPermit2}}
	ms, err := f.svc.Members(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	issued := false
	for _, m := range ms {
		mes, err := f.svc.MemberPayouts(ctx, key, m.Handle)
		if err != nil {
			t.Fatal(err)
		}
		var claims []*service.PortalClaim
		for _, me := range mes {
			if me.Payout != nil && me.Payout.Claim != nil {
				claims = append(claims, me.Payout.Claim)
			}
		}
		if len(claims) >= 2 {
			if _, err := f.svc.IssueClaimAll(ctx, key, claims, claims[0].Permit.Token); err != nil {
				t.Fatal(err)
			}
			issued = true
			break
		}
	}
	if !issued {
		t.Fatal("no member is paid in two epochs")
	}
	rs, err := f.svc.ClaimBatchRetirements(ctx)
	if err != nil || len(rs) != 1 || len(rs[0].Retire) == 0 {
		t.Fatalf("retirements: %+v %v", rs, err)
	}
	_, _, body := f.get(vic, "/admin/epochs")
	for _, call := range append(rs[0].Retire, rs[0].RetireBatch) {
		if !strings.Contains(body, call.Calldata) || !strings.HasPrefix(call.Calldata, "0x3ff9dcb1") {
			t.Fatalf("the epochs page lacks the calldata %s:\n%.5000s", call.Calldata, body)
		}
	}
}
