package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/service"
)

// getJSON sends a GET as the default caller and decodes a 200 answer into v.
func (f *fixture) getJSON(path string, v any) {
	f.t.Helper()
	_, resp, body := f.do("GET", path, "", "")
	if resp.StatusCode != 200 {
		f.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		f.t.Fatalf("GET %s: %v", path, err)
	}
}

// TestPagination follows next through the members and the leaderboard: every member exactly once, in
// order, and a cursor not from the API is refused.
func TestPagination(t *testing.T) {
	f := newFixture(t, "")
	all, err := f.svc.Members(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	path := "/v1/members?limit=7"
	for pages := 0; path != ""; pages++ {
		var p MembersPage
		f.getJSON(path, &p)
		for _, m := range p.Members {
			got = append(got, m.Handle)
		}
		path = ""
		if p.Next != "" {
			path = "/v1/members?limit=7&cursor=" + url.QueryEscape(p.Next)
		}
		if pages > len(all) {
			t.Fatal("pagination does not end")
		}
	}
	if len(got) != len(all) {
		t.Fatalf("paged %d members, want %d", len(got), len(all))
	}
	for i := range all {
		if got[i] != all[i].Handle {
			t.Fatalf("member %d: %s, want %s", i, got[i], all[i].Handle)
		}
	}
	var b1, b2 LeaderboardResponse
	f.getJSON("/v1/leaderboard?limit=3", &b1)
	f.getJSON("/v1/leaderboard?limit=3&cursor="+url.QueryEscape(b1.Next), &b2)
	if len(b1.Entries) != 3 || len(b2.Entries) == 0 || b2.Entries[0].Rank != 4 || b1.Entries[0].Points < b2.Entries[0].Points {
		t.Fatalf("leaderboard pages: %+v then %+v", b1.Entries, b2.Entries)
	}
	for _, bad := range []string{"cursor=abc", "cursor=" + url.QueryEscape(encodeCursor(3)) + "&cursor=x", "limit=1001"} {
		if _, resp, body := f.do("GET", "/v1/members?"+bad, "", ""); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
}

// TestMemberKeysSeeOnlyThemselves calls the member-scoped routes as a member key: its own member answers,
// another member is 403, and flags are raised as itself only.
func TestMemberKeysSeeOnlyThemselves(t *testing.T) {
	f := newFixture(t, "")
	ctx := t.Context()
	eps, err := f.svc.Epochs(ctx, "")
	if err != nil || len(eps) == 0 {
		t.Fatalf("epochs: %v", err)
	}
	ce, err := f.svc.Epoch(ctx, eps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var me, other plaudit.Allocation
	for _, a := range ce.Allocations {
		if a.Paid != nil && a.Paid.Sign() > 0 && a.Wallet != "" {
			if me.Member == "" {
				me = a
			} else if other.Member == "" {
				other = a
			}
		}
	}
	if other.Member == "" {
		t.Fatal("fixture: fewer than two paid members")
	}
	mine := &Caller{Role: plaudit.RoleMember, Member: me.Member}
	epoch := url.PathEscape(eps[0].ID)
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/v1/members/" + me.Member, 200},
		{"/v1/members/" + other.Member, 403},
		{"/v1/members/" + other.Wallet, 403},
		{"/v1/explanations/members/" + me.Member, 200},
		{"/v1/explanations/members/" + other.Member, 403},
		{"/v1/epochs/" + epoch + "/proofs/" + me.Member, 200},
		{"/v1/epochs/" + epoch + "/proofs/" + me.Wallet, 200},
		{"/v1/epochs/" + epoch + "/proofs/" + other.Member, 403},
		{"/v1/epochs/" + epoch + "/proofs/" + other.Wallet, 403},
		{"/v1/credentials/" + me.Member + "?min_points=1", 200},
		{"/v1/credentials/" + other.Member, 403},
	} {
		status, body := f.as(mine, "GET", tc.path, "", "")
		if status != tc.status {
			t.Errorf("member %s: GET %s: %d, want %d: %.200s", me.Member, tc.path, status, tc.status, body)
		}
	}
	// An admin reads the other member's proof, and it is the proof of the other's payout.
	var p ProofResponse
	f.getJSON("/v1/epochs/"+epoch+"/proofs/"+other.Wallet, &p)
	if p.Member != other.Member || p.Amount != other.Paid.String() || p.Root != eps[0].Root || len(p.Proof) == 0 {
		t.Fatalf("proof of %s: %+v (root %s)", other.Wallet, p, eps[0].Root)
	}
	// Flags are raised as the key's own member; naming another is refused.
	status, body := f.as(mine, "POST", "/v1/flags", "application/json", `{"subject":"member:`+other.Member+`","reason":"spam","by":"`+other.Member+`"}`)
	if status != 403 {
		t.Fatalf("flag as another member: %d %s", status, body)
	}
	status, body = f.as(mine, "POST", "/v1/flags", "application/json", `{"subject":"member:`+other.Member+`","reason":"copy-paste replies"}`)
	var fl plaudit.Flag
	if status != 201 || json.Unmarshal([]byte(body), &fl) != nil || fl.By != me.Member || fl.Member != other.Member || fl.Status != plaudit.FlagOpen {
		t.Fatalf("flag as itself: %d %s", status, body)
	}
}

// TestCredential checks the credential's windows and threshold against the service's own sums.
func TestCredential(t *testing.T) {
	f := newFixture(t, "")
	b, err := f.svc.Leaderboard(t.Context(), service.LeaderboardRequest{})
	if err != nil || len(b.Totals) == 0 {
		t.Fatal(err)
	}
	top := b.Totals[0]
	var c CredentialResponse
	f.getJSON("/v1/credentials/"+top.Member+"?min_points="+top.Points.String(), &c)
	if !c.Eligible || c.Points != top.Points || c.Member != top.Member || c.Window != "all" {
		t.Fatalf("all time at the threshold: %+v, want %s", c, top.Points)
	}
	f.getJSON("/v1/credentials/"+top.Member+"?min_points="+(top.Points+1).String(), &c)
	if c.Eligible {
		t.Fatalf("above the threshold: %+v", c)
	}
	wk, err := f.svc.Leaderboard(t.Context(), service.LeaderboardRequest{Year: 2026, Week: 2})
	if err != nil || len(wk.Totals) == 0 {
		t.Fatal(err)
	}
	f.getJSON("/v1/credentials/"+wk.Totals[0].Member+"?window=2026-W02", &c)
	if c.Points != wk.Totals[0].Points || c.Since == nil || !c.Since.Equal(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("week 2: %+v, want %s", c, wk.Totals[0].Points)
	}
	// The fixture's clock is weeks after the community ended: nothing in the last 7 days.
	f.getJSON("/v1/credentials/"+top.Member+"?window=7d&min_points=0.5", &c)
	if c.Eligible || c.Points != 0 {
		t.Fatalf("last 7 days: %+v", c)
	}
	f.getJSON("/v1/credentials/nobody-here", &c)
	if c.Eligible || c.Member != "" {
		t.Fatalf("a stranger: %+v", c)
	}
	for _, bad := range []string{"window=8w", "window=0d", "window=2026-W54", "min_points=-1", "min_points=1.1234567", "window=all&window=7d", "points=3"} {
		if _, resp, body := f.do("GET", "/v1/credentials/"+top.Member+"?"+bad, "", ""); resp.StatusCode != 400 || !strings.Contains(body, `"field"`) {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
}

// TestWrites runs the routes that write on SQLite and PostgreSQL: policy validation with lines, preview,
// activation, closing an epoch, raising and deciding a flag, drawing an audit.
func TestWrites(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := ""
			if backend == "postgres" {
				dsn = testenv.Postgres(t)
			}
			testWrites(t, newFixture(t, dsn))
		})
	}
}

func testWrites(t *testing.T, f *fixture) {
	ctx := t.Context()
	doc := string(fixturePolicy(t))
	// A bad document: every problem with its line.
	bad := strings.Replace(doc, "program:\n", "program:\n  nmae: x\n", 1)
	_, resp, body := f.do("POST", "/v1/policies/validate", "application/yaml", bad)
	var p Problem
	if json.Unmarshal([]byte(body), &p) != nil || resp.StatusCode != 400 || len(p.Errors) == 0 || p.Errors[0].Line == 0 || resp.Header.Get("Content-Type") != ProblemContentType {
		t.Fatalf("validate a bad policy: %d %s", resp.StatusCode, body)
	}
	if _, resp, body := f.do("POST", "/v1/policies/validate", "application/json", doc); resp.StatusCode != 415 {
		t.Fatalf("validate as JSON: %d %s", resp.StatusCode, body)
	}
	// A preview of a policy paying replies double changes some members.
	next := strings.Replace(doc, "name: default", "name: preview", 1)
	_, resp, body = f.do("POST", "/v1/policies/preview?limit=5", "application/yaml", next)
	var pv PreviewResponse
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &pv) != nil || pv.Events == 0 || pv.Active.Hash == pv.New.Hash || len(pv.Rows) > 5 {
		t.Fatalf("preview: %d %.300s", resp.StatusCode, body)
	}
	// Close the next week through the service's CloseEpochs.
	_, resp, body = f.do("POST", "/v1/epochs/close", "application/json", `{"through":"2026-01-26T00:00:00Z"}`)
	var cr CloseResponse
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &cr) != nil || len(cr.Epochs) == 0 || cr.Program != "acme" {
		t.Fatalf("close: %d %s", resp.StatusCode, body)
	}
	if _, err := f.svc.Epoch(ctx, cr.Epochs[0].ID); err != nil {
		t.Fatalf("closed epoch %s not stored: %v", cr.Epochs[0].ID, err)
	}
	for _, b := range []string{`{"through":"2026-01-26T00:00:00Z","x":1}`, `{"through":"2026-01-26T00:00:00Z"} {}`, `{"at":5}`, `{"at":"2026-01-05T00:00:00Z","through":"2026-01-26T00:00:00Z"}`} {
		if _, resp, body := f.do("POST", "/v1/epochs/close", "application/json", b); resp.StatusCode != 400 {
			t.Errorf("close %s: %d %s", b, resp.StatusCode, body)
		}
	}
	// Activate the previewed policy.
	_, resp, body = f.do("POST", "/v1/policies/activate", "application/yaml", next)
	var ps PolicySummary
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &ps) != nil || ps.Hash != pv.New.Hash {
		t.Fatalf("activate: %d %s", resp.StatusCode, body)
	}
	var rec plaudit.PolicyRecord
	f.getJSON("/v1/policies/active", &rec)
	if rec.Hash != ps.Hash || !strings.HasPrefix(rec.ActivatedBy, "api:") {
		t.Fatalf("active after activate: %s by %s", rec.Hash, rec.ActivatedBy)
	}
	// A flag raised, listed, rejected by a moderator.
	ms, err := f.svc.Members(ctx, "")
	if err != nil || len(ms) < 3 {
		t.Fatal(err)
	}
	mod, raiser, flagged := ms[0].Handle, ms[1].Handle, ms[2].Handle
	if _, err := f.svc.GrantModerator(ctx, mod, "test", ""); err != nil {
		t.Fatal(err)
	}
	_, resp, body = f.do("POST", "/v1/flags", "application/json", fmt.Sprintf(`{"subject":"member:%s","reason":"farming","by":%q}`, flagged, raiser))
	var fl plaudit.Flag
	if resp.StatusCode != 201 || json.Unmarshal([]byte(body), &fl) != nil {
		t.Fatalf("raise: %d %s", resp.StatusCode, body)
	}
	var fp FlagsPage
	f.getJSON("/v1/flags?status=open&member="+flagged, &fp)
	if len(fp.Flags) != 1 || fp.Flags[0].ID != fl.ID {
		t.Fatalf("open flags of %s: %+v", flagged, fp)
	}
	_, resp, body = f.do("POST", fmt.Sprintf("/v1/flags/%d/decision", fl.ID), "application/json", fmt.Sprintf(`{"decision":"reject","by":%q,"note":"no evidence"}`, mod))
	if resp.StatusCode != 200 || !strings.Contains(body, `"status":"rejected"`) {
		t.Fatalf("reject: %d %s", resp.StatusCode, body)
	}
	if _, resp, body := f.do("POST", "/v1/flags", "application/json", `{"subject":"member:x","reason":"r"}`); resp.StatusCode != 400 || !strings.Contains(body, `"field":"by"`) {
		t.Fatalf("flag without by: %d %s", resp.StatusCode, body)
	}
	// The audit sample of the first epoch.
	eps, err := f.svc.Epochs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	_, resp, body = f.do("POST", "/v1/audits/"+url.PathEscape(eps[0].ID)+"/draw", "application/json", `{"size":3}`)
	var d AuditDrawResponse
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &d) != nil || len(d.Sample) != 3 {
		t.Fatalf("draw: %d %s", resp.StatusCode, body)
	}
	if d.Seed == "" || (d.Seed != eps[0].Root && d.Seed != eps[0].Digest) || d.Rule == "" {
		t.Fatalf("the draw's seed %q is not the closed epoch's root %q or digest %q", d.Seed, eps[0].Root, eps[0].Digest)
	}
	var ap AuditPage
	f.getJSON("/v1/audits/"+url.PathEscape(eps[0].ID)+"?status=pending", &ap)
	if len(ap.Entries) != 3 || ap.Seed != d.Seed || ap.SeedFrom != d.SeedFrom {
		t.Fatalf("audit entries: %+v", ap)
	}
	// A failed review opens a flag on the event (201 with the flag); a pass is 204.
	log, err := f.svc.ReadLog(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := log.Directory(0)
	reviewer := ""
	for _, m := range []string{ms[0].Handle, ms[1].Handle, ms[2].Handle} {
		if e := findEvent(log.Events, d.Sample[0]); e != nil && dir.MemberOfActor(e) != m {
			reviewer = m
			break
		}
	}
	if _, err := f.svc.GrantModerator(ctx, reviewer, "test", ""); err != nil && plaudit.ErrorCode(err) != plaudit.ECONFLICT {
		t.Fatal(err)
	}
	_, resp, body = f.do("POST", "/v1/audits/"+url.PathEscape(eps[0].ID)+"/reviews", "application/json", fmt.Sprintf(`{"event":%q,"status":"failed","by":%q,"note":"bought"}`, d.Sample[0], reviewer))
	var af plaudit.Flag
	if resp.StatusCode != 201 || json.Unmarshal([]byte(body), &af) != nil || af.Subject != d.Sample[0] || af.Status != plaudit.FlagOpen {
		t.Fatalf("failed review: %d %s", resp.StatusCode, body)
	}
	// An operator adopts a member's feedback; an unknown event is 404, a missing one 400.
	var fb *plaudit.Event
	for i := range log.Events {
		if log.Events[i].Kind == plaudit.KindFeedback {
			fb = &log.Events[i]
			break
		}
	}
	if fb != nil {
		_, resp, body = f.do("POST", "/v1/adoptions", "application/json", fmt.Sprintf(`{"feedback":%q,"note":"shipped"}`, fb.Key()))
		if resp.StatusCode != 201 || !strings.Contains(body, `"kind":"decision"`) {
			t.Fatalf("adopt: %d %s", resp.StatusCode, body)
		}
	}
	if _, resp, body := f.do("POST", "/v1/adoptions", "application/json", `{"feedback":"discord/nope"}`); resp.StatusCode != 404 {
		t.Fatalf("adopt an unknown event: %d %s", resp.StatusCode, body)
	}
	if _, resp, body := f.do("POST", "/v1/adoptions", "application/json", `{}`); resp.StatusCode != 400 || !strings.Contains(body, `"field":"feedback"`) {
		t.Fatalf("adopt nothing: %d %s", resp.StatusCode, body)
	}
}

// findEvent returns the event of events with key, or nil.
func findEvent(events []plaudit.Event, key string) *plaudit.Event {
	for i := range events {
		if events[i].Key() == key {
			return &events[i]
		}
	}
	return nil
}

// jobsWork is jobs.Work over the fixture's service.
type jobsWork struct{ svc *service.Service }

func (w jobsWork) Score(ctx context.Context) (jobs.Outcome, error) {
	r, err := w.svc.CatchUp(ctx)
	if err != nil {
		return jobs.Outcome{}, err
	}
	return jobs.Outcome{Items: int64(r.Events)}, nil
}
func (w jobsWork) Rescore(ctx context.Context) (jobs.Outcome, error) {
	r, err := w.svc.Rescore(ctx, nil)
	if err != nil {
		return jobs.Outcome{}, err
	}
	return jobs.Outcome{Items: int64(r.Events)}, nil
}
func (w jobsWork) Integrity(context.Context) (jobs.Outcome, error) { return jobs.Outcome{}, nil }
func (w jobsWork) CloseEpochs(context.Context, time.Duration) (jobs.Outcome, error) {
	return jobs.Outcome{}, nil
}

// TestJobs triggers a job through the API on a real scheduler (not started: the job stays queued) and reads
// it back from the history; without a scheduler the routes answer 503.
func TestJobs(t *testing.T) {
	f := newFixture(t, "")
	if _, resp, body := f.do("GET", "/v1/jobs", "", ""); resp.StatusCode != 503 {
		t.Fatalf("no scheduler: %d %s", resp.StatusCode, body)
	}
	sched, err := jobs.New(t.Context(), f.st, jobsWork{f.svc}, jobs.Config{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Jobs = sched
	_, resp, body := f.do("POST", "/v1/jobs", "application/json", `{"kind":"score"}`)
	var tr TriggerResponse
	if resp.StatusCode != 202 || json.Unmarshal([]byte(body), &tr) != nil || tr.ID == 0 || tr.AlreadyRunning {
		t.Fatalf("trigger: %d %s", resp.StatusCode, body)
	}
	_, resp, body = f.do("POST", "/v1/jobs", "application/json", `{"kind":"score"}`)
	if resp.StatusCode != 202 || !strings.Contains(body, `"already_running":true`) {
		t.Fatalf("trigger again: %d %s", resp.StatusCode, body)
	}
	if _, resp, body := f.do("POST", "/v1/jobs", "application/json", `{"kind":"nope"}`); resp.StatusCode != 404 {
		t.Fatalf("unknown kind: %d %s", resp.StatusCode, body)
	}
	var jp JobsPage
	f.getJSON("/v1/jobs?kind=score", &jp)
	if len(jp.Jobs) != 1 || jp.Jobs[0].ID != tr.ID || jp.Jobs[0].Status != jobs.StatusQueued {
		t.Fatalf("history: %+v", jp)
	}
	var run jobs.Run
	f.getJSON(fmt.Sprintf("/v1/jobs/%d", tr.ID), &run)
	if run.Kind != "score" {
		t.Fatalf("job %d: %+v", tr.ID, run)
	}
	if _, resp, _ := f.do("GET", "/v1/jobs/999999", "", ""); resp.StatusCode != 404 {
		t.Fatalf("unknown job: %d", resp.StatusCode)
	}
}
