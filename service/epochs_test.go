package service_test

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/settle"
)

// explainedPoints sums what the lines of an explanation count toward the pool share, and counts the lines
// that counted and the ones that did not.
func explainedPoints(prog *settle.Program, lines []settle.EventLine) (points plaudit.Points, counted, excluded int) {
	for _, l := range lines {
		if !l.Eligible {
			excluded++
			continue
		}
		counted++
		if prog.XPayouts || !strings.HasPrefix(l.Event, "x/") {
			points += l.Effective
		}
	}
	return points, counted, excluded
}

// TestEpochReads: the closed epochs are listed oldest first; an epoch is read back with its allocations
// exactly as closed; and for every member, the explanation's lines add up to the allocation — with the
// verdicts the epoch recorded, and with verdicts given instead.
func TestEpochReads(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		res, err := svc.CloseEpochs(ctx, service.CloseRequest{Through: at("2026-01-12")})
		if err != nil || len(res.Epochs) != 2 {
			t.Fatalf("close two weeks: %+v %v", res, err)
		}
		prog := res.Program

		eps, err := svc.Epochs(ctx, "acme")
		if err != nil || len(eps) != 2 || eps[0].ID != res.Epochs[0].Window.ID || eps[1].ID != res.Epochs[1].Window.ID {
			t.Fatalf("epochs of acme: %v %v", eps, err)
		}
		if eps, err := svc.Epochs(ctx, "other"); err != nil || len(eps) != 0 {
			t.Fatalf("epochs of another program: %v %v", eps, err)
		}
		if _, err := svc.Epoch(ctx, "acme@2030-01-07T00:00:00Z"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("a missing epoch: %v", err)
		}

		for _, closed := range res.Epochs {
			id := closed.Window.ID
			got, err := svc.Epoch(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Epoch.Digest != closed.Epoch.Digest || got.Epoch.Root != closed.Epoch.Root || len(got.Allocations) != closed.Epoch.Members {
				t.Fatalf("epoch %s read back: digest %s root %s, %d allocations; closed with digest %s root %s, %d members",
					id, got.Epoch.Digest, got.Epoch.Root, len(got.Allocations), closed.Epoch.Digest, closed.Epoch.Root, closed.Epoch.Members)
			}
			if d := settle.Digest(got.Epoch, got.Allocations); d != got.Epoch.Digest {
				t.Fatalf("epoch %s: the allocations read back digest to %s, not %s", id, d, got.Epoch.Digest)
			}
			recorded, err := st.EpochVerdicts(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			memberVerdict := map[string]bool{}
			for _, v := range recorded {
				if h, ok := strings.CutPrefix(v.Subject, "member:"); ok && v.Multiplier != plaudit.One {
					memberVerdict[h] = true
				}
			}
			checked := 0
			for _, a := range got.Allocations {
				x, err := svc.EpochExplain(ctx, id, a.Member, nil)
				if err != nil {
					t.Fatalf("explain %s in %s: %v", a.Member, id, err)
				}
				if x.Epoch.ID != id || x.Allocation.Member != a.Member || x.Allocation.Paid.Cmp(a.Paid) != 0 {
					t.Fatalf("explain %s in %s: allocation %+v, want %+v", a.Member, id, x.Allocation, a)
				}
				pts, counted, excluded := explainedPoints(prog, x.Lines)
				if counted != a.Events || excluded != a.Excluded {
					t.Fatalf("explain %s in %s: %d lines counted and %d excluded; the allocation has %d events and %d excluded",
						a.Member, id, counted, excluded, a.Events, a.Excluded)
				}
				if !memberVerdict[a.Member] {
					if pts != a.Points {
						t.Fatalf("explain %s in %s: the lines add up to %s points; the allocation has %s", a.Member, id, pts, a.Points)
					}
					checked++
				}
			}
			if checked < 10 {
				t.Fatalf("epoch %s: only %d members checked", id, checked)
			}
		}

		// Given verdicts replace the recorded ones: an event cut to nothing no longer counts.
		id := res.Epochs[1].Window.ID
		var a plaudit.Allocation
		for _, x := range res.Epochs[1].Result.Allocations {
			if x.Events > 1 && x.Points > 0 {
				a = x
				break
			}
		}
		base, err := svc.EpochExplain(ctx, id, a.Member, []plaudit.Verdict{})
		if err != nil {
			t.Fatal(err)
		}
		var cut settle.EventLine
		for _, l := range base.Lines {
			if l.Eligible && !strings.HasPrefix(l.Event, "x/") {
				cut = l
				break
			}
		}
		if cut.Event == "" {
			t.Fatalf("member %s has no counted event in %s", a.Member, id)
		}
		what, err := svc.EpochExplain(ctx, id, a.Member, []plaudit.Verdict{{Subject: cut.Event, Multiplier: 0}})
		if err != nil {
			t.Fatal(err)
		}
		p0, c0, _ := explainedPoints(prog, base.Lines)
		p1, c1, _ := explainedPoints(prog, what.Lines)
		if c1 != c0-1 || p1 != p0-cut.Effective {
			t.Fatalf("with event %s cut to 0: %d lines counted for %s points; without: %d for %s", cut.Event, c1, p1, c0, p0)
		}

		if _, err := svc.EpochExplain(ctx, id, "nobody-at-all", nil); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("explain a member without an allocation: %v", err)
		}
		paid := new(big.Int)
		got, _ := svc.Epoch(ctx, id)
		for _, a := range got.Allocations {
			paid.Add(paid, a.Paid)
		}
		if paid.Cmp(got.Epoch.Paid) != 0 {
			t.Fatalf("epoch %s: the allocations pay %s, the epoch says %s", id, paid, got.Epoch.Paid)
		}
	})
}
