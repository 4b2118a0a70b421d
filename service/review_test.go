package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/witness"
)

// reviewWitnessKey is Hardhat's development account 1, never a real key.
const reviewWitnessKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"

// clock is a test clock the tests move forward.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// reviewSetUp fills st with the community under the test program with one witness (quorum 1, window 1h)
// and the extra witness settings, closes the first two weeks, and returns the service, its clock, the
// witness's signer and the two epoch ids.
func reviewSetUp(t *testing.T, st plaudit.Store, extra string) (*service.Service, *clock, *payout.Signer, []string) {
	t.Helper()
	ctx := context.Background()
	signer, err := payout.NewSigner(reviewWitnessKey)
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, st, community(t))
	clk := &clock{t: testNow}
	svc := service.New(st, service.Options{Now: clk.now})
	doc := strings.Replace(string(testPolicy(t)), testProgram, testProgram+"  witnesses:\n    addresses: [\""+signer.Address().String()+"\"]\n    quorum: 1\n    dispute_window: 1h\n"+extra, 1)
	if _, err := svc.ActivatePolicy(ctx, []byte(doc), "review.yml", "test"); err != nil {
		t.Fatal(err)
	}
	res, err := svc.CloseEpochs(ctx, service.CloseRequest{Operator: "test", Through: at("2026-01-19"), Verdicts: []plaudit.Verdict{}})
	if err != nil || len(res.Epochs) < 2 {
		t.Fatalf("close: %v %v", err, res)
	}
	return svc, clk, signer, epochIDs(res)[:2]
}

// attest signs and records an honest attestation of epoch id.
func attest(t *testing.T, svc *service.Service, signer *payout.Signer, id string) *service.WitnessState {
	t.Helper()
	ctx := context.Background()
	in, err := svc.EpochInputs(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := witness.InputsDigest(in.Events)
	if err != nil {
		t.Fatal(err)
	}
	a, err := witness.ForEpoch(in.Epoch, digest)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := witness.SignAttestation(signer, a)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(signed)
	_, st, err := svc.RecordWitness(ctx, id, b)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestReviewAboveHoldsPublication: with review_above, every payout line above it is a pending review item;
// an attested epoch whose window passed does not publish (nor pay) while one is pending, and publishes once
// all are approved; a rejected item holds it as a dispute does until ResolveDisputes overrules it. Each
// decision and the resolution are in the ledger's audit log, and bad decisions change nothing.
func TestReviewAboveHoldsPublication(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		svc, clk, signer, ids := reviewSetUp(t, st, "    review_above: 50000000\n")
		for _, id := range ids {
			attest(t, svc, signer, id)
		}
		clk.add(2 * time.Hour)
		for _, id := range ids {
			ws, err := svc.WitnessState(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if ws.State != service.EpochAttested || ws.PendingReviews == 0 || !strings.Contains(ws.Held, "pending") {
				t.Fatalf("%s after the window with lines above review_above: %+v", id, ws)
			}
			if err := svc.Claimable(ctx, id); plaudit.ErrorCode(err) != plaudit.ECONFLICT || !strings.Contains(err.Error(), "review") {
				t.Fatalf("claimable while reviews pend: %v", err)
			}
		}
		q, err := svc.EpochReviews(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		ce, err := svc.Epoch(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		var above []string
		for _, a := range ce.Allocations {
			if a.Paid.Cmp(mustBig(50000000)) > 0 {
				above = append(above, a.Member)
			}
		}
		var got []string
		for _, it := range q.Items {
			if it.Kind != plaudit.ReviewPayout || it.Status != plaudit.ReviewPending || it.Explain != "/v1/explanations/members/"+it.Member {
				t.Fatalf("item %+v", it)
			}
			got = append(got, it.Member)
		}
		if len(above) == 0 || !slices.Equal(got, above) || q.Draw == nil || q.Draw.Payouts != len(above) {
			t.Fatalf("review items %v (draw %+v), want the lines above 50 USDC %v", got, q.Draw, above)
		}

		// Bad decisions are refused and change nothing.
		item := q.Items[0].ID
		if _, _, err := svc.DecideReview(ctx, ids[0], item, "maybe", "alice", "x"); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("decision maybe: %v", err)
		}
		if _, _, err := svc.DecideReview(ctx, ids[0], item, "approve", "alice", " "); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("no reason: %v", err)
		}
		if _, _, err := svc.DecideReview(ctx, ids[1], item, "approve", "alice", "ok"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("item of another epoch: %v", err)
		}

		// Epoch 1: approve everything but the last; still held; approve the last: published.
		for i, it := range q.Items {
			_, ws, err := svc.DecideReview(ctx, ids[0], it.ID, service.ReviewApprove, "alice", fmt.Sprintf("checked line %d", i))
			if err != nil {
				t.Fatal(err)
			}
			if last := i == len(q.Items)-1; (ws.State == service.EpochPublished) != last {
				t.Fatalf("after approving %d of %d: %+v", i+1, len(q.Items), ws)
			}
		}
		if _, _, err := svc.DecideReview(ctx, ids[0], item, service.ReviewReject, "alice", "again"); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
			t.Fatalf("deciding twice: %v", err)
		}
		if err := svc.Claimable(ctx, ids[0]); err != nil {
			t.Fatalf("approved epoch: %v", err)
		}

		// Epoch 2: a rejection holds it as a dispute does, even with the others approved.
		q2, err := svc.EpochReviews(ctx, ids[1])
		if err != nil {
			t.Fatal(err)
		}
		for i, it := range q2.Items {
			d := service.ReviewApprove
			if i == 0 {
				d = service.ReviewReject
			}
			if _, _, err := svc.DecideReview(ctx, ids[1], it.ID, d, "bob", "looked at it"); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			ws, err := svc.WitnessState(ctx, ids[1])
			if err != nil {
				t.Fatal(err)
			}
			if ws.State != service.EpochDisputed || ws.RejectedReviews != 1 || ws.PendingReviews != 0 || !strings.Contains(ws.Held, "rejected") {
				t.Fatalf("rejected item: %+v", ws)
			}
			clk.add(time.Hour)
		}
		if _, err := svc.ResolveDisputes(ctx, ids[1], "carol", service.ResolveOverruled, ""); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("resolve without a reason: %v", err)
		}
		ws, err := svc.ResolveDisputes(ctx, ids[1], "carol", service.ResolveOverruled, "the payout is right: a long thread")
		if err != nil || ws.State != service.EpochPublished {
			t.Fatalf("overruled: %+v %v", ws, err)
		}
		if _, err := svc.ResolveDisputes(ctx, ids[1], "carol", service.ResolveOverruled, "again"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("nothing left to resolve: %v", err)
		}
		q2, _ = svc.EpochReviews(ctx, ids[1])
		if r := q2.Items[0]; r.Status != plaudit.ReviewRejected || r.Resolution != service.ResolveOverruled || r.ResolvedBy != "carol" || r.DecidedBy != "bob" || r.ResolvedAt.IsZero() {
			t.Fatalf("resolved item %+v", r)
		}

		ps, err := svc.Postings(ctx, plaudit.PostingFilter{Account: "witness:" + ids[1]})
		if err != nil {
			t.Fatal(err)
		}
		var log []string
		for _, p := range ps {
			log = append(log, p.Origin.Kind+":"+p.Origin.ID+" "+p.Reason)
		}
		all := strings.Join(log, "\n")
		for _, want := range []string{"review queue of epoch " + ids[1] + " drawn", "rejected by bob: looked at it", "approved by bob", "operator:carol 0 dispute(s) and 1 rejected review item(s) of epoch " + ids[1] + " overruled", "published"} {
			if !strings.Contains(all, want) {
				t.Fatalf("audit log lacks %q:\n%s", want, all)
			}
		}
	})
}

// TestSecondLookDeterministic: the second look draws ceil(share × rewarded) of the epoch's rewarded events
// from SecondLookSeed(root, input digest), which anyone recomputes from the epoch and its inputs; the same
// seed gives the same sample whatever the order of the keys, another root another sample; the draw is
// stored once.
func TestSecondLookDeterministic(t *testing.T) {
	var keys []string
	for i := range 400 {
		keys = append(keys, fmt.Sprintf("api/e%03d", i))
	}
	var root, root2, digest payout.Hash
	root[0], root2[0], digest[0] = 1, 2, 3
	seed := service.SecondLookSeed(root, digest)
	a := service.SecondLookSample(seed, keys, 25_000) // 2.5% of 400 = 10
	rev := slices.Clone(keys)
	slices.Reverse(rev)
	if b := service.SecondLookSample(seed, rev, 25_000); len(a) != 10 || !slices.Equal(a, b) {
		t.Fatalf("sample %v, reversed keys %v", a, b)
	}
	if c := service.SecondLookSample(service.SecondLookSeed(root2, digest), keys, 25_000); slices.Equal(a, c) {
		t.Fatalf("another root draws the same sample %v", c)
	}
	if n := len(service.SecondLookSample(seed, keys[:3], 10_000)); n != 1 {
		t.Fatalf("1%% of 3 events: %d drawn, want 1 (rounded up)", n)
	}

	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		svc, _, _, ids := reviewSetUp(t, st, "    second_look: 0.02\n")
		q, err := svc.EpochReviews(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		// Recompute as a witness would, from the inputs alone: the seed from the epoch's root and input
		// digest, the rewarded events by scoring the input events under the recorded policy.
		in, err := svc.EpochInputs(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		digest, _ := witness.InputsDigest(in.Events)
		rootWord, _ := witness.RootWord(in.Epoch.Root)
		wantSeed := service.SecondLookSeed(rootWord, digest)
		pol, err := service.PolicyFromRecord(in.Policy)
		if err != nil {
			t.Fatal(err)
		}
		scores, _, err := score.Run(pol, in.Events, nil)
		if err != nil {
			t.Fatal(err)
		}
		var rewarded []string
		for _, sc := range scores {
			inEpoch := !sc.Time.Before(in.Epoch.Start) && sc.Time.Before(in.Epoch.End)
			if inEpoch && sc.Points > 0 && !slices.Contains(rewarded, sc.Event) {
				rewarded = append(rewarded, sc.Event)
			}
		}
		want := service.SecondLookSample(wantSeed, rewarded, 20_000)
		var got []string
		for _, it := range q.Items {
			if it.Kind != plaudit.ReviewSample || it.Points <= 0 || it.Member == "" || it.Explain != "/v1/explanations/events/"+it.Event {
				t.Fatalf("sample item %+v", it)
			}
			got = append(got, it.Event)
		}
		if q.Draw == nil || q.Draw.Seed != wantSeed || q.Draw.Rewarded != len(rewarded) || len(want) == 0 || !slices.Equal(got, want) || q.Rule != service.SecondLookRule {
			t.Fatalf("draw %+v items %v, want seed %s, %d rewarded, sample %v", q.Draw, got, wantSeed, len(rewarded), want)
		}
		q2, err := svc.EpochReviews(ctx, ids[0])
		if err != nil || len(q2.Items) != len(q.Items) || q2.Items[0].ID != q.Items[0].ID || !q2.Draw.DrawnAt.Equal(q.Draw.DrawnAt) {
			t.Fatalf("second read drew again: %+v %v", q2, err)
		}
		pend, err := svc.PendingReviews(ctx)
		if err != nil || len(pend) != len(q.Items) { // the second epoch is not drawn until asked
			t.Fatalf("pending %d, want %d: %v", len(pend), len(q.Items), err)
		}
	})
}

// TestPublishRoundOnce: a publishing round publishes a due epoch once and reports the held ones with why;
// the next round publishes nothing.
func TestPublishRoundOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		svc, clk, signer, ids := reviewSetUp(t, st, "")
		attest(t, svc, signer, ids[0])
		rep, err := svc.PublishRound(ctx, "")
		if err != nil || len(rep.Published) != 0 || len(rep.Held) != 3 || rep.Held[0].State != service.EpochAttested || !strings.Contains(rep.Held[1].Held, "0 of the 1 witness attestations") {
			t.Fatalf("before the window: %+v %v", rep, err)
		}
		clk.add(time.Hour)
		rep, err = svc.PublishRound(ctx, "")
		if err != nil || !slices.Equal(rep.Published, ids[:1]) || len(rep.Held) != 2 || rep.Held[0].Epoch != ids[1] {
			t.Fatalf("after the window: %+v %v", rep, err)
		}
		rep, err = svc.PublishRound(ctx, "")
		if err != nil || len(rep.Published) != 0 || len(rep.Held) != 2 {
			t.Fatalf("second round: %+v %v", rep, err)
		}
	})
}

func mustBig(n int64) *big.Int { return big.NewInt(n) }
