package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/payout"
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

	// The same through a real member key over HTTP: the key is created as `plaudit key create --role member
	// --member HANDLE` creates it, and the server reads the member from the stored key.
	ck, err := f.svc.CreateKey(ctx, service.NewKey{Name: "wallet app", Role: plaudit.RoleMember, Member: me.Member})
	if err != nil {
		t.Fatal(err)
	}
	viaKey := func(path string) int {
		req, err := http.NewRequest(http.MethodGet, f.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+ck.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/v1/members/" + me.Member, 200},
		{"/v1/members/" + other.Member, 403},
		{"/v1/epochs/" + epoch + "/proofs/" + me.Wallet, 200},
		{"/v1/epochs/" + epoch + "/proofs/" + other.Wallet, 403},
		{"/v1/explanations/members/" + other.Member, 403},
		{"/v1/leaderboard", 403}, // an operator's view, not a member's
		{"/v1/members", 403},
		{"/v1/keys", 403},
	} {
		if got := viaKey(tc.path); got != tc.status {
			t.Errorf("member key of %s over HTTP: GET %s: %d, want %d", me.Member, tc.path, got, tc.status)
		}
	}
}

// TestCredential checks the credential's windows and threshold against the service's own sums.
func TestCredential(t *testing.T) {
	f := newFixture(t, "")
	b, err := f.svc.Leaderboard(t.Context(), service.LeaderboardRequest{})
	if err != nil || len(b.Entries) == 0 {
		t.Fatal(err)
	}
	top := b.Entries[0]
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
	if err != nil || len(wk.Entries) == 0 {
		t.Fatal(err)
	}
	f.getJSON("/v1/credentials/"+wk.Entries[0].Member+"?window=2026-W02", &c)
	if c.Points != wk.Entries[0].Points || c.Since == nil || !c.Since.Equal(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("week 2: %+v, want %s", c, wk.Entries[0].Points)
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

// TestLeaderboardETag: a board page carries an ETag; asking again with it answers 304 with no body; once
// more events are scored the ETag changes and the page is sent again.
func TestLeaderboardETag(t *testing.T) {
	f := newFixture(t, "")
	get := func(etag string) (*http.Response, string) {
		req, err := http.NewRequest(http.MethodGet, f.url+"/v1/leaderboard?limit=5", nil)
		if err != nil {
			t.Fatal(err)
		}
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	first, body := get("")
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || etag == "" || !strings.Contains(body, `"entries"`) {
		t.Fatalf("first page: %d, ETag %q\n%s", first.StatusCode, etag, body)
	}
	again, body := get(etag)
	if again.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("with If-None-Match: %d %q", again.StatusCode, body)
	}
	if other, _ := get(`"something-else"`); other.StatusCode != 200 {
		t.Fatalf("with another ETag: %d", other.StatusCode)
	}
	// One more scored event: a new version of the board.
	ev := plaudit.Event{Source: plaudit.SourceAPI, ExternalID: "etag-1", Kind: plaudit.KindComment, Actor: "etag-member",
		Content: "a thoughtful comment about the roadmap and the next release", Time: time.Date(2026, 1, 14, 10, 0, 0, 0, time.UTC)}
	if _, err := f.svc.AppendEvents(t.Context(), []plaudit.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	changed, _ := get(etag)
	if changed.StatusCode != 200 || changed.Header.Get("ETag") == etag {
		t.Fatalf("after a new score: %d, ETag %q (was %q)", changed.StatusCode, changed.Header.Get("ETag"), etag)
	}
}

// TestEpochClaims: without a payout signer the claims route answers 503 and says what to configure; with
// one it answers every wallet's Permit2 claim, each signed by the key's address for the configured domain,
// the same bytes each time; a member key sees only the claim that pays it.
func TestEpochClaims(t *testing.T) {
	f := newFixture(t, "")
	eps, err := f.svc.Epochs(t.Context(), "")
	if err != nil || len(eps) == 0 {
		t.Fatalf("epochs: %v", err)
	}
	var ep *plaudit.Epoch
	for _, e := range eps {
		if e.Paid != nil && e.Paid.Sign() > 0 {
			ep = e
		}
	}
	if ep == nil {
		t.Fatal("the fixture paid nothing in any epoch")
	}
	path := "/v1/epochs/" + url.PathEscape(ep.ID) + "/claims"
	admin := &Caller{Role: plaudit.RoleAdmin, Name: "test"}
	if code, body := f.as(admin, "GET", path, "", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "payout.signer_key") {
		t.Fatalf("without a signer: %d %s", code, body)
	}
	domain := payout.Domain{ChainID: 100, Permit2: payout.CanonicalPermit2}
	f.srv = NewServer(f.st, Options{Service: f.svc, Logger: quiet(), Claims: &ClaimSigner{Key: payout.SignerConfig{Key: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"}, Domain: domain}})
	code, body := f.as(admin, "GET", path, "", "")
	if code != 200 {
		t.Fatalf("claims: %d %s", code, body)
	}
	var got struct {
		Owner  payout.Address `json:"owner"`
		Epoch  string         `json:"epoch"`
		Claims []struct {
			Permit    payout.Permit    `json:"permit"`
			Signature payout.Signature `json:"signature"`
			Members   []string         `json:"members"`
		} `json:"claims"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	ce, err := f.svc.Epoch(t.Context(), ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	wallets := map[string]bool{}
	for _, a := range ce.Allocations {
		if a.Paid != nil && a.Paid.Sign() > 0 && a.Wallet != "" {
			wallets[strings.ToLower(a.Wallet)] = true
		}
	}
	if len(got.Claims) == 0 || len(got.Claims) != len(wallets) || got.Epoch != ep.ID {
		t.Fatalf("%d claims for %d paid wallets of %s", len(got.Claims), len(wallets), ep.ID)
	}
	for _, c := range got.Claims {
		who, err := payout.RecoverPermitSigner(domain, c.Permit, c.Signature)
		if err != nil || who != got.Owner {
			t.Fatalf("claim for %s signed by %s, owner %s: %v", c.Permit.Spender, who, got.Owner, err)
		}
	}
	if _, again := f.as(admin, "GET", path, "", ""); again != body {
		t.Fatal("the claims changed between two requests")
	}
	member := got.Claims[0].Members[0]
	code, body = f.as(&Caller{Role: plaudit.RoleMember, Name: "m", Member: member}, "GET", path, "", "")
	var mine struct {
		Claims []struct {
			Members []string `json:"members"`
		} `json:"claims"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &mine) != nil || len(mine.Claims) != 1 || !slices.Contains(mine.Claims[0].Members, member) {
		t.Fatalf("member %s's claims: %d %s", member, code, body)
	}
	if code, _ := f.as(admin, "GET", "/v1/epochs/acme@2031-01-06T00:00:00Z/claims", "", ""); code != 404 {
		t.Fatalf("claims of an epoch never closed: %d", code)
	}
}
