package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// oldStoreLog is what a store written before today's rules may hold: valid events, a wallet that is not an
// address, one with a wrong EIP-55 checksum, handles with a space and a right-to-left override, and a GitHub
// review whose additions are 1.5.
func oldStoreLog() []plaudit.Event {
	t0 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	ev := func(src plaudit.Source, id string, kind plaudit.Kind, actor, target string, attrs map[string]any) plaudit.Event {
		t0 = t0.Add(time.Minute)
		return plaudit.Event{Source: src, ExternalID: id, Kind: kind, Actor: actor, Target: target, Time: t0, Attrs: attrs}
	}
	return []plaudit.Event{
		ev(plaudit.SourceGitHub, "PR_1", "pull_request", "dev", "", map[string]any{"labels": []any{"Priority: 3"}}),
		ev(plaudit.SourceGitHub, "PRR_ok", plaudit.KindReview, "rev", "PR_1", map[string]any{"state": "APPROVED", "additions": json.Number("120"), "deletions": json.Number("30")}),
		ev(plaudit.SourceGitHub, "PRR_bad", plaudit.KindReview, "rev", "PR_1", map[string]any{"additions": json.Number("1.5")}),
		ev(plaudit.SourceX, "link1", plaudit.KindLink, "1001", "", map[string]any{"member": "alice smith"}),
		ev(plaudit.SourceX, "link2", plaudit.KindLink, "1002", "", map[string]any{"member": "evil\u202Egpj.exe"}),
		ev(plaudit.SourcePlaudit, "w1", plaudit.KindWallet, "alice smith", "", map[string]any{"address": "hello"}),
		ev(plaudit.SourceX, "w2", plaudit.KindWallet, "1002", "", map[string]any{"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"}),
		ev(plaudit.SourceX, "w3", plaudit.KindWallet, "1003", "", map[string]any{"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}),
	}
}

// TestDoctor: events that today's validation refuses are refused by the service, but a store that holds
// them (appended through the store, as an old store would) keeps working: the conversation preset scores
// the malformed review 0 with the reason, and doctor lists every such value without changing anything.
func TestDoctor(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := tickingService(st)
		clean, err := svc.Doctor(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !clean.Clean() || clean.Events != 0 {
			t.Fatalf("empty store: %+v, want clean", clean)
		}

		events := oldStoreLog()
		res, err := svc.AppendEvents(ctx, events)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if want := events[i].Key() == "github/PR_1" || events[i].Key() == "github/PRR_ok" || events[i].Key() == "x/w3"; (r.Status == plaudit.Accepted) != want {
				t.Errorf("service append of %s: %s %v, want accepted=%v", events[i].Key(), r.Status, r.Error, want)
			}
		}
		// The old store: everything, bypassing validation.
		appendAll(t, st, events)

		activatePreset(t, svc, "conversation")
		sr, err := svc.Rescore(ctx, nil)
		if err != nil {
			t.Fatalf("rescore under the conversation preset with a malformed review: %v", err)
		}
		var bad, good *plaudit.Score
		for i := range sr.Scores {
			switch sr.Scores[i].Event {
			case "github/PRR_bad":
				bad = &sr.Scores[i]
			case "github/PRR_ok":
				good = &sr.Scores[i]
			}
		}
		if bad == nil || bad.Points != 0 || len(bad.Lines) != 1 || bad.Lines[0].Rule != "conversation.invalid" || !strings.Contains(bad.Lines[0].Note, "attrs.additions") {
			t.Fatalf("malformed review scored %+v, want 0 with a conversation.invalid line naming attrs.additions", bad)
		}
		if good == nil || good.Points != plaudit.Points(4_500_000) {
			t.Errorf("good review scored %+v, want 4.5", good)
		}
		x, err := svc.Explain(ctx, "github/PRR_bad", nil)
		if err != nil {
			t.Fatalf("explain the malformed review: %v", err)
		}
		if len(x.Scores) != 1 || x.Scores[0].Lines[0].Rule != "conversation.invalid" {
			t.Errorf("explain: %+v, want the conversation.invalid line", x.Scores)
		}

		r, err := svc.Doctor(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range r.Findings {
			subject := f.Event
			if subject == "" {
				subject = "member:" + f.Member
			}
			got[subject+" "+f.Field] = f.Reason
		}
		for _, want := range []string{
			"github/PRR_bad attrs.additions", "x/link1 attrs.member", "x/link2 attrs.member", "plaudit/w1 actor",
			"plaudit/w1 attrs.address", "x/w2 attrs.address", "member:alice smith handle", "member:evil\u202Egpj.exe handle",
		} {
			if _, ok := got[want]; !ok {
				t.Errorf("doctor did not report %q; it found %v", want, got)
			}
		}
		if len(got) != 8 || r.Clean() || r.Events != int64(len(events)) {
			t.Errorf("doctor: %d findings over %d events, want 8 over %d: %v", len(got), r.Events, len(events), got)
		}
		if !strings.Contains(got["x/w2 attrs.address"], "EIP-55") || !strings.Contains(got["member:evil\u202Egpj.exe handle"], "U+202E") {
			t.Errorf("doctor reasons: %v", got)
		}
		// Nothing was changed: the log is as it was.
		stats, err := st.EventStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Total != int64(len(events)) {
			t.Errorf("log holds %d events after doctor, want %d", stats.Total, len(events))
		}
	})
}
