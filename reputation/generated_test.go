package reputation_test

import (
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/collusion"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/graph"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/sybil"
)

// byLabel returns the mean reputation percentile and the total trust of the members of each label.
func byLabel(r *reputation.Result, label map[string]gen.Label) (pct, share map[gen.Label]float64) {
	pct, share = map[gen.Label]float64{}, map[gen.Label]float64{}
	n := map[gen.Label]int{}
	for _, p := range r.Profiles() {
		pct[label[p.Member]] += p.Percentile
		share[label[p.Member]] += p.Score
		n[label[p.Member]]++
	}
	for l := range pct {
		pct[l] /= float64(n[l])
	}
	return pct, share
}

// TestMembersGenerated computes member reputation on a generated community twice: plainly, where like rings
// of old (hence pre-trusted) accounts circulate trust among themselves on top of the honest engagement their
// posts get, and after Discount removes the trust that collusion and sybil findings make worthless.
func TestMembersGenerated(t *testing.T) {
	events, res := generated(t, gen.Config{Members: 2000, Days: 14, Seed: 1})
	label := map[string]gen.Label{}
	for _, l := range res.Labels {
		label[l.Member] = l.Label
	}
	dir := plaudit.BuildDirectory(events)
	plain, g, err := reputation.Members(events, dir, graph.EventOptions{}, nil, reputation.Params{})
	if err != nil {
		t.Fatal(err)
	}
	rings := collusion.Detect(g, collusion.Params{})
	var groups [][]string
	flagged := map[string]bool{}
	for _, r := range rings {
		groups = append(groups, r.Members)
		for _, m := range r.Members {
			flagged[m] = true
		}
	}
	sigs, err := sybil.Detect(events, dir, sybil.ProjectSeeds(dir), sybil.Params{})
	if err != nil {
		t.Fatal(err)
	}
	var distrusted []string
	for _, s := range sigs {
		if s.Check == sybil.CheckBurstCreation || s.Check == sybil.CheckSharedWallet {
			if !flagged[s.Member] {
				distrusted = append(distrusted, s.Member)
			}
			flagged[s.Member] = true
		}
	}
	seeds := reputation.DerivePretrust(events, dir, reputation.PretrustParams{})
	for m := range flagged {
		delete(seeds, m)
	}
	p, err := reputation.Pretrust(g, seeds)
	if err != nil {
		t.Fatal(err)
	}
	discounted, err := reputation.EigenTrust(reputation.Discount(g, groups, distrusted), p, reputation.Params{})
	if err != nil {
		t.Fatal(err)
	}
	before, shareBefore := byLabel(plain, label)
	after, shareAfter := byLabel(discounted, label)
	for _, l := range append([]gen.Label{gen.Honest}, gen.AttackerLabels...) {
		t.Logf("%-12s mean percentile %3.0f plain, %3.0f discounted; share of all trust %5.1f%% plain, %5.1f%% discounted", l, before[l], after[l], 100*shareBefore[l], 100*shareAfter[l])
	}
	// The rings' members stay well ranked — honest members do engage with their posts — but the trust they
	// only gave each other is gone; it returns to honest members.
	if shareAfter[gen.LikeRing] > 0.67*shareBefore[gen.LikeRing] || shareAfter[gen.Honest] <= shareBefore[gen.Honest] {
		t.Error("discounting did not move trust from the like rings to honest members")
	}
}
